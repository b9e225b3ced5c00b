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

    /** Whether its call is out (started, not finished): {@link ChannelLane}'s oldest-call queue. */
    boolean out;

    /** When it was admitted (processing time), and the wait admission predicted for it then. */
    long admittedAt;

    long predictedWait = -1;

    /** Whether it waits in its lane's {@code high} ready queue (its own or inherited priority). */
    boolean boosted;

    /** Whether it was taken from a ready queue (called or shed): a copy left behind is skipped. */
    boolean called;

    /**
     * When its last retry started ({@link System#nanoTime()}, set off the task thread), 0 if it was
     * not retried: the latency of the attempt the service answered.
     */
    volatile long retryStartedNanos;

    /**
     * When the answer to its last attempt arrived (processing time and {@link System#nanoTime()},
     * set on the thread that completed the call, 0 until then): its latency is the service's, not
     * the service's plus the time the answer waited in the task's mailbox (on a busy TaskManager,
     * catching up after a restart, that wait read as a slow service and held the limits down).
     */
    volatile long answeredAt;

    volatile long answeredNanos;

    /** How often the service said "not now" to it (429): its backoff before the next call. */
    int congestions;

    /** The circuit's generation when it was called ({@link CircuitBreaker#generation()}). */
    int generation;

    /** Its probe number if it was called as the circuit's half-open probe, else 0. */
    long probe;

    Pending(Interaction event, ChannelLane lane, long arrival) {
        this.event = event;
        this.lane = lane;
        this.arrival = arrival;
    }

    /** The answer to its last attempt arrived at {@code at} (any thread). */
    void arrived(long at) {
        answeredNanos = System.nanoTime();
        answeredAt = at;
    }

    boolean high() {
        return event.priority == Priority.HIGH;
    }
}
