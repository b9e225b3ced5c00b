package dev.floodgate.operators.process;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ShedReason;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Metrics of {@link ProcessInLanes}, under key/value groups the Prometheus reporter turns into
 * labels:
 *
 * <ul>
 *   <li>{@code channel=<c>}: gauges {@code inFlight}, {@code inFlightLimit} (calls that may be in
 *       flight now: the lane's {@link ConcurrencyLimit}, at most {@code --max-in-flight-<c>}),
 *       {@code queued}, {@code completionRate} (calls per second when busy), {@code
 *       predictedWaitMs} (of a {@code normal} event joining now, were no {@code high} to come,
 *       before admission's correction), {@code circuitOpen} and {@code sheddingActive} (0/1: the
 *       lane shed an event in the last {@value #SHEDDING_ACTIVE_MS} ms for its load or its service:
 *       not for one hot, late or loud customer); counter {@code serviceRejected} (calls the service
 *       refused for a reason of its own: 401, 403, 404, 3xx; an expired credential or a wrong
 *       address, which an operator must fix), counter {@code congestedCalls} (backfill calls the
 *       service answered "not now", 429 or 503 with Retry-After, each called again later: how often
 *       a backfill found the service busy with live traffic); counter {@code settleTimeouts} (the
 *       drain's events shed again because they had no outcome within its settle timeout at a
 *       checkpoint barrier: {@link SettleTimeout});
 *   <li>{@code channel=<c>,priority=<p>}: counters {@code admittedEvents}, {@code shedEvents},
 *       {@code processedEvents}, {@code processedWithinSlo} (results at most the channel's SLO old,
 *       log append to result), and histogram {@code ageAtProcessingMs} (the same age, over the last
 *       {@value #WINDOW} results of the subtask);
 *   <li>{@code channel=<c>,reason=<r>}: counter {@code shedByReason}.
 * </ul>
 *
 * Counters are updated by the task thread; the gauges are read by the reporter.
 *
 * <p>The freshness SLO is measured with counters, not with the histogram: a histogram's quantiles
 * are per subtask and cannot be added up across subtasks, while counters can ({@code sum by
 * (channel)} of their rates). Per channel, the events that count are {@code processedEvents +
 * shedEvents} (every event the lanes decided on: a shed event, whatever its reason, is processed
 * only later by the drain, so it is a miss), and the good ones are {@code processedWithinSlo}. Dead
 * letters (a rejection of the event itself) are in neither: they are no freshness matter.
 */
final class LaneMetrics {
    static final int WINDOW = 1024;
    static final long SHEDDING_ACTIVE_MS = 10_000;

    private final Counter[][] admitted;
    private final Counter[][] shed;
    private final Counter[][] processed;
    private final Counter[][] withinSlo;
    private final long[] sloMillis;
    private final Histogram[][] age;
    private final Counter[][] shedByReason;
    private final Counter[] serviceRejected;
    private final Counter[] congested;
    private final Counter[] settleTimeouts;
    private final long[] lastShedAt;

    /**
     * @param sloMillis the freshness SLO by channel ordinal ({@link Long#MAX_VALUE}: none, every
     *     result is within it)
     */
    LaneMetrics(MetricGroup group, Map<Channel, ChannelLane> lanes, long[] sloMillis) {
        int channels = Channel.values().length;
        int priorities = Priority.values().length;
        this.sloMillis = sloMillis.clone();
        admitted = new Counter[channels][priorities];
        shed = new Counter[channels][priorities];
        processed = new Counter[channels][priorities];
        withinSlo = new Counter[channels][priorities];
        age = new Histogram[channels][priorities];
        shedByReason = new Counter[channels][ShedReason.values().length];
        lastShedAt = new long[channels];
        serviceRejected = new Counter[channels];
        congested = new Counter[channels];
        settleTimeouts = new Counter[channels];
        for (Channel c : Channel.values()) {
            int ci = c.ordinal();
            lastShedAt[ci] = Long.MIN_VALUE;
            MetricGroup cg = group.addGroup("channel", c.wireName());
            ChannelLane lane = lanes.get(c);
            cg.gauge("inFlight", () -> lane.inFlight);
            cg.gauge("inFlightLimit", lane::currentLimit);
            cg.gauge("queued", () -> lane.queued);
            cg.gauge("completionRate", () -> lane.completionRate(System.currentTimeMillis()));
            cg.gauge(
                    "predictedWaitMs",
                    () -> lane.predictedWaitMillis(1.0, System.currentTimeMillis()));
            cg.gauge("circuitOpen", () -> lane.circuit.isOpen() ? 1 : 0);
            cg.gauge("sheddingActive", () -> sheddingActive(c, System.currentTimeMillis()));
            serviceRejected[ci] = cg.counter("serviceRejected");
            congested[ci] = cg.counter("congestedCalls");
            settleTimeouts[ci] = cg.counter("settleTimeouts");
            for (Priority p : Priority.values()) {
                MetricGroup pg = cg.addGroup("priority", p.wireName());
                int pi = p.ordinal();
                admitted[ci][pi] = pg.counter("admittedEvents");
                shed[ci][pi] = pg.counter("shedEvents");
                processed[ci][pi] = pg.counter("processedEvents");
                withinSlo[ci][pi] = pg.counter("processedWithinSlo");
                age[ci][pi] =
                        pg.histogram(
                                "ageAtProcessingMs", new DescriptiveStatisticsHistogram(WINDOW));
            }
            for (ShedReason r : ShedReason.values()) {
                shedByReason[ci][r.ordinal()] =
                        cg.addGroup("reason", r.wireName()).counter("shedByReason");
            }
        }
    }

    void admitted(Channel c, Priority p) {
        admitted[c.ordinal()][p.ordinal()].inc();
    }

    void shed(Channel c, Priority p, ShedReason reason, long now) {
        shed[c.ordinal()][p.ordinal()].inc();
        shedByReason[c.ordinal()][reason.ordinal()].inc();
        if (reason != ShedReason.HOT_KEY
                && reason != ShedReason.LATE
                && reason != ShedReason.CUSTOMER_BACKLOG) {
            lastShedAt[c.ordinal()] = now; // the lane sheds, not one customer
        }
    }

    void serviceRejected(Channel c) {
        serviceRejected[c.ordinal()].inc();
    }

    void congested(Channel c) {
        congested[c.ordinal()].inc();
    }

    long congestedCount(Channel c) {
        return congested[c.ordinal()].getCount();
    }

    long serviceRejectedCount(Channel c) {
        return serviceRejected[c.ordinal()].getCount();
    }

    /** {@code n} events of {@code c} shed again at a settle deadline (also in {@link #shed}). */
    void settleTimedOut(Channel c, int n) {
        settleTimeouts[c.ordinal()].inc(n);
    }

    long settleTimeoutCount(Channel c) {
        return settleTimeouts[c.ordinal()].getCount();
    }

    void processed(Channel c, Priority p, long ageMillis) {
        processed[c.ordinal()][p.ordinal()].inc();
        if (ageMillis <= sloMillis[c.ordinal()]) {
            withinSlo[c.ordinal()][p.ordinal()].inc();
        }
        age[c.ordinal()][p.ordinal()].update(ageMillis);
    }

    long processedCount(Channel c, Priority p) {
        return processed[c.ordinal()][p.ordinal()].getCount();
    }

    long withinSloCount(Channel c, Priority p) {
        return withinSlo[c.ordinal()][p.ordinal()].getCount();
    }

    int sheddingActive(Channel c, long now) {
        long last = lastShedAt[c.ordinal()];
        return last != Long.MIN_VALUE && now - last < SHEDDING_ACTIVE_MS ? 1 : 0;
    }

    long shedCount(Channel c, Priority p) {
        return shed[c.ordinal()][p.ordinal()].getCount();
    }

    long shedCount(Channel c, ShedReason r) {
        return shedByReason[c.ordinal()][r.ordinal()].getCount();
    }

    Histogram age(Channel c, Priority p) {
        return age[c.ordinal()][p.ordinal()];
    }
}
