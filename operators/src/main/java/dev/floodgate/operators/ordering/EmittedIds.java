package dev.floodgate.operators.ordering;

import dev.floodgate.model.Interaction;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * The current customer's accepted event ids (state {@code emitted-ids}): each whole id (never a
 * hash: a match drops an event, so it must be exact) with the processing time it was accepted at.
 * An id accepted {@code horizonMillis} ago or longer counts as unseen, whether or not the sweep
 * (the operator's housekeeping timer) has removed it yet.
 */
final class EmittedIds {
    private final MapState<String, Long> state;
    private final long horizonMillis;

    EmittedIds(MapState<String, Long> state, long horizonMillis) {
        this.state = state;
        this.horizonMillis = horizonMillis;
    }

    /** Whether {@code id} is new within the horizon; if so it is remembered as accepted now. */
    boolean firstSeen(String id, long now) throws Exception {
        if (id == null) {
            return true; // the contract requires an id; without one nothing can be a copy
        }
        Long acceptedAt = state.get(id);
        if (acceptedAt != null && acceptedAt > now - horizonMillis) {
            return false;
        }
        state.put(id, now);
        return true;
    }

    /** Remembers events accepted before this state existed (held in a previous form's buffer). */
    void adopt(Iterable<Interaction> events, long now) throws Exception {
        for (Interaction e : events) {
            if (e.eventId != null) {
                state.put(e.eventId, now);
            }
        }
    }

    /**
     * Removes the ids accepted {@code horizonMillis} before {@code now} or earlier; returns when
     * the oldest id left was accepted, or {@link Long#MAX_VALUE} when none is left.
     */
    long sweep(long now) throws Exception {
        long oldest = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, Long>> it = state.iterator(); it.hasNext(); ) {
            long acceptedAt = it.next().getValue();
            if (acceptedAt <= now - horizonMillis) {
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
