package dev.floodgate.operators.process;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound on what {@link ProcessInLanes} waits for the service when it settles at checkpoints
 * (the drain: {@link LanesConfig#settleTimeout()}). A barrier waits for every admitted event's
 * outcome; a service that answers nothing (one serving by priority through a flood of live calls)
 * would hold it for as long. At the deadline every admitted event still without an outcome is shed
 * again ({@code service_unavailable}): a call in flight, an event waiting after a "not now", an
 * event queued behind its customer's. Each customer's events go out in its order (a head before its
 * successors: the shed lane is read in order), before the barrier like every other outcome, so each
 * event still has exactly one outcome in the committed transactions, and the drain reads them again
 * later (a bounded drain in its next run, a following one in this).
 *
 * <p>State (task thread, not checkpointed: nothing of it outlives the subtask): the events waiting
 * after a "not now" (no ready queue holds them; their timer skips one shed meanwhile), and the
 * calls abandoned at a deadline whose outcome has not come yet. An abandoned call keeps its slot in
 * the lane until its outcome comes (it is still at the service: a slot freed early would put more
 * calls there than the limit allows, and a service that does not notice a cancelled request would
 * serve them all later for nothing); it is not retried (the retry threads read {@link
 * #isAbandoned}), its outcome is dropped, and its lane's limit hears one loss per deadline, not one
 * per call. The log: one WARN line per deadline, at most one per {@link #LOG_INTERVAL_MILLIS} (the
 * others are summed into the next line).
 */
final class SettleTimeout {
    private static final Logger LOG = LoggerFactory.getLogger(SettleTimeout.class);

    static final long LOG_INTERVAL_MILLIS = 60_000;

    /** Sends one event's "shed again" outcome (the operator's shed output and metrics). */
    interface Shed {
        void shed(Pending p, String detail, long now);
    }

    final long timeoutMillis;
    private final Set<Pending> abandoned = ConcurrentHashMap.newKeySet();
    private final Set<Pending> waiting = new HashSet<>();
    private long lastLogAt = Long.MIN_VALUE;
    private long unloggedEvents;
    private int unloggedDeadlines;

    SettleTimeout(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** {@code p} waits after a "not now" until its timer. */
    void waitsAfterCongestion(Pending p) {
        waiting.add(p);
    }

    /** {@code p}'s timer after a "not now" fired: whether it is still admitted (not shed since). */
    boolean endsWait(Pending p) {
        return waiting.remove(p);
    }

    /** Whether {@code p}'s call was abandoned at a deadline (any thread). */
    boolean isAbandoned(Pending p) {
        return abandoned.contains(p);
    }

    /**
     * {@code p}'s outcome came: whether its call had been abandoned (then the outcome is dropped).
     */
    boolean abandonedCallEnded(Pending p) {
        return abandoned.remove(p);
    }

    /**
     * Sheds every event {@code admitted} holds, each customer's in its order, and returns how many:
     * the heads (calls out, ready events, events waiting after a "not now") first, then the events
     * each head's end made ready, until none is left. Calls out are abandoned ({@link
     * #isAbandoned}), keeping their slots.
     *
     * @param waited how long the barrier (with the input before it) has waited, for the log
     * @param at where the deadline fell, for the detail ("at checkpoint 7")
     */
    int shedUnsettled(
            ChannelLane[] lanes,
            AdmittedEvents admitted,
            LaneMetrics metrics,
            Shed out,
            long now,
            long waited,
            String at) {
        String why =
                "no outcome within the drain's settle timeout (" + timeoutMillis + " ms) " + at;
        int[] perLane = new int[lanes.length];
        int[] callsPerLane = new int[lanes.length];
        int total = 0;
        while (admitted.size() > 0) {
            int before = admitted.size();
            for (ChannelLane lane : lanes) {
                int li = lane.channel.ordinal();
                for (Pending p : lane.callsOut()) {
                    if (abandoned.add(p)) {
                        admitted.done(p);
                        out.shed(p, why + ": its call was not answered", now);
                        perLane[li]++;
                        callsPerLane[li]++;
                    }
                }
                Pending p;
                while ((p = lane.pollReady()) != null) {
                    lane.dequeued(p);
                    admitted.done(p);
                    out.shed(p, why + ": queued, not called yet", now);
                    perLane[li]++;
                }
            }
            for (Pending p : new ArrayList<>(waiting)) {
                waiting.remove(p);
                p.lane.dequeued(p);
                admitted.done(p);
                out.shed(p, why + ": waiting after the service's \"not now\"", now);
                perLane[p.lane.channel.ordinal()]++;
            }
            if (admitted.size() == before) {
                throw new IllegalStateException(
                        before + " admitted events neither called, ready nor waiting");
            }
        }
        List<String> parts = new ArrayList<>();
        for (ChannelLane lane : lanes) {
            int li = lane.channel.ordinal();
            if (callsPerLane[li] > 0) {
                // one loss per deadline, as TCP counts one per window
                lane.limit.congested(now, -1);
                lane.currentLimit(now);
            }
            if (perLane[li] > 0) {
                metrics.settleTimedOut(lane.channel, perLane[li]);
                parts.add(
                        lane.channel.wireName()
                                + " "
                                + perLane[li]
                                + " ("
                                + callsPerLane[li]
                                + " calls)");
                total += perLane[li];
            }
        }
        log(now, total, waited, at, parts);
        return total;
    }

    private void log(long now, int events, long waited, String at, List<String> parts) {
        if (lastLogAt != Long.MIN_VALUE && now - lastLogAt < LOG_INTERVAL_MILLIS) {
            unloggedEvents += events;
            unloggedDeadlines++;
            return;
        }
        LOG.warn(
                "Drain lanes: {} admitted events had no outcome after {} ms {} (settle timeout {}"
                        + " ms): shed again (service_unavailable) for a later drain: {}{}",
                events,
                waited,
                at,
                timeoutMillis,
                String.join(", ", parts),
                unloggedDeadlines == 0
                        ? ""
                        : "; and "
                                + unloggedEvents
                                + " events at "
                                + unloggedDeadlines
                                + " deadlines since the last line");
        lastLogAt = now;
        unloggedEvents = 0;
        unloggedDeadlines = 0;
    }

    /** Calls abandoned whose outcome has not come yet (for tests). */
    int abandonedCalls() {
        return abandoned.size();
    }
}
