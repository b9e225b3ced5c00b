package dev.floodgate.operators.ordering;

import dev.floodgate.model.Interaction;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * The current customer's accepted event ids (state {@code emitted-ids}): each whole id (never a
 * hash: a match drops an event, so it must be exact) with the log time (the broker's append time,
 * never a producer's clock) of the event accepted with it. A copy whose log time is {@code
 * horizonMillis} or more after its original's counts as a new event, whether or not the sweep (the
 * operator's housekeeping timer, on the watermark) has removed the id yet: the horizon is measured
 * like the log's retention, so a backlog or a stopped job does not shorten it.
 */
final class EmittedIds {
    private final MapState<String, Long> state;
    private final long horizonMillis;

    EmittedIds(MapState<String, Long> state, long horizonMillis) {
        this.state = state;
        this.horizonMillis = horizonMillis;
    }

    /** Whether {@code id}, logged at {@code logTime}, is new; if so it is remembered. */
    boolean firstSeen(String id, long logTime) throws Exception {
        if (id == null) {
            return true; // the contract requires an id; without one nothing can be a copy
        }
        Long acceptedAt = state.get(id);
        if (acceptedAt != null && acceptedAt > logTime - horizonMillis) {
            return false;
        }
        state.put(id, logTime);
        return true;
    }

    /** Remembers events accepted before this state existed (held in a previous form's buffer). */
    void adopt(Iterable<Interaction> events) throws Exception {
        for (Interaction e : events) {
            if (e.eventId != null) {
                state.put(e.eventId, e.logTimestamp);
            }
        }
    }

    /**
     * Removes the ids whose events were logged {@code horizonMillis} before {@code logNow} or
     * earlier; returns the log time of the oldest id left, or {@link Long#MAX_VALUE} when none is
     * left.
     */
    long sweep(long logNow) throws Exception {
        long oldest = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, Long>> it = state.iterator(); it.hasNext(); ) {
            long acceptedAt = it.next().getValue();
            if (logNow != Long.MIN_VALUE && acceptedAt <= logNow - horizonMillis) {
                it.remove();
            } else {
                oldest = Math.min(oldest, acceptedAt);
            }
        }
        if (oldest == Long.MAX_VALUE) {
            state.clear(); // an emptied map may leave its entry behind
        }
        return oldest;
    }
}
