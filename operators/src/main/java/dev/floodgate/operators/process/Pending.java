package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;

/** One admitted event in {@link ProcessInLanes}: waiting in its customer's queue, or in flight. */
final class Pending {
    final Interaction event;
    final ChannelLane lane;

    /** Arrival order on this subtask: the order of the customer's events in its snapshot. */
    final long arrival;

    long startedAt;

    Pending(Interaction event, ChannelLane lane, long arrival) {
        this.event = event;
        this.lane = lane;
        this.arrival = arrival;
    }

    boolean high() {
        return event.priority == Priority.HIGH;
    }
}
