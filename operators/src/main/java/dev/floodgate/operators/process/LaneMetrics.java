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
 *   <li>{@code channel=<c>}: gauges {@code inFlight}, {@code queued}, {@code completionRate} (calls
 *       per second when busy), {@code predictedWaitMs} (of a {@code normal} event joining now),
 *       {@code circuitOpen} and {@code sheddingActive} (0/1: the lane shed an event in the last
 *       {@value #SHEDDING_ACTIVE_MS} ms for its load or its service: not for one hot, late or loud
 *       customer); counter {@code serviceRejected} (calls the service refused for a reason of its
 *       own: 401, 403, 404, 3xx; an expired credential or a wrong address, which an operator must
 *       fix);
 *   <li>{@code channel=<c>,priority=<p>}: counters {@code admittedEvents}, {@code shedEvents},
 *       {@code processedEvents}, and histogram {@code ageAtProcessingMs} (log append to result,
 *       over the last {@value #WINDOW} results);
 *   <li>{@code channel=<c>,reason=<r>}: counter {@code shedByReason}.
 * </ul>
 *
 * Counters are updated by the task thread; the gauges are read by the reporter.
 */
final class LaneMetrics {
    static final int WINDOW = 1024;
    static final long SHEDDING_ACTIVE_MS = 10_000;

    private final Counter[][] admitted;
    private final Counter[][] shed;
    private final Counter[][] processed;
    private final Histogram[][] age;
    private final Counter[][] shedByReason;
    private final Counter[] serviceRejected;
    private final long[] lastShedAt;

    LaneMetrics(MetricGroup group, Map<Channel, ChannelLane> lanes) {
        int channels = Channel.values().length;
        int priorities = Priority.values().length;
        admitted = new Counter[channels][priorities];
        shed = new Counter[channels][priorities];
        processed = new Counter[channels][priorities];
        age = new Histogram[channels][priorities];
        shedByReason = new Counter[channels][ShedReason.values().length];
        lastShedAt = new long[channels];
        serviceRejected = new Counter[channels];
        for (Channel c : Channel.values()) {
            int ci = c.ordinal();
            lastShedAt[ci] = Long.MIN_VALUE;
            MetricGroup cg = group.addGroup("channel", c.wireName());
            ChannelLane lane = lanes.get(c);
            cg.gauge("inFlight", () -> lane.inFlight);
            cg.gauge("queued", () -> lane.queued);
            cg.gauge("completionRate", lane::completionRate);
            cg.gauge("predictedWaitMs", () -> lane.predictedWaitMillis(false));
            cg.gauge("circuitOpen", () -> lane.circuit.isOpen() ? 1 : 0);
            cg.gauge("sheddingActive", () -> sheddingActive(c, System.currentTimeMillis()));
            serviceRejected[ci] = cg.counter("serviceRejected");
            for (Priority p : Priority.values()) {
                MetricGroup pg = cg.addGroup("priority", p.wireName());
                int pi = p.ordinal();
                admitted[ci][pi] = pg.counter("admittedEvents");
                shed[ci][pi] = pg.counter("shedEvents");
                processed[ci][pi] = pg.counter("processedEvents");
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

    long serviceRejectedCount(Channel c) {
        return serviceRejected[c.ordinal()].getCount();
    }

    void processed(Channel c, Priority p, long ageMillis) {
        processed[c.ordinal()][p.ordinal()].inc();
        age[c.ordinal()][p.ordinal()].update(ageMillis);
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
