package dev.floodgate.operators.process;

/**
 * The circuit breaker of one lane on one subtask. Closed: calls run up to the lane's budget. After
 * {@code threshold} calls in a row failed for a transient reason it opens: for {@code openFor} the
 * lane's events (high included) are shed with reason {@code circuit_open} instead of waiting for a
 * service that is down, so the outage never backs up into the other lanes or the input. Then it is
 * half-open: one event is let through as a probe; its success closes the circuit, its failure opens
 * it again for twice as long (at most {@value #MAX_BACKOFF}x {@code openFor}).
 *
 * <p>Task thread only; {@link #isOpen()} may be read by a metric reporter. Not checkpointed: after
 * a restart the lane starts closed and learns again from the first failures.
 */
final class CircuitBreaker {
    static final int MAX_BACKOFF = 8;

    private enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    private final int threshold;
    private final long openForMillis;
    private volatile State state = State.CLOSED;
    private int failuresInRow;
    private int backoff = 1;
    private long openUntil;
    private boolean probeAdmitted;

    CircuitBreaker(int threshold, long openForMillis) {
        this.threshold = threshold;
        this.openForMillis = openForMillis;
    }

    /** Whether an event arriving now is to be shed; in half-open, only the probe is let through. */
    boolean rejects(long now) {
        if (state == State.OPEN && now - openUntil >= 0) {
            state = State.HALF_OPEN;
            probeAdmitted = false;
        }
        if (state == State.HALF_OPEN && !probeAdmitted) {
            probeAdmitted = true;
            return false;
        }
        return state != State.CLOSED;
    }

    /** Calls the lane may have in flight now. */
    int allowedInFlight(int budget) {
        return switch (state) {
            case CLOSED -> budget;
            case HALF_OPEN -> 1;
            case OPEN -> 0;
        };
    }

    /** Whether events waiting in the lane are to be shed rather than wait (open, not probing). */
    boolean shedsWaiting() {
        return state == State.OPEN;
    }

    /** The service answered (a result, or a permanent rejection: it is up). */
    void answered() {
        state = State.CLOSED;
        failuresInRow = 0;
        backoff = 1;
    }

    /**
     * A call failed for a transient reason after its retries; returns whether this opened the
     * circuit.
     */
    boolean failed(long now) {
        failuresInRow++;
        State before = state;
        if (before == State.HALF_OPEN) {
            backoff = Math.min(MAX_BACKOFF, backoff * 2);
        }
        if (before == State.HALF_OPEN || (before == State.CLOSED && failuresInRow >= threshold)) {
            state = State.OPEN;
            openUntil = now + openForMillis * backoff;
            return true;
        }
        return false;
    }

    boolean isOpen() {
        return state != State.CLOSED;
    }

    long openUntil() {
        return openUntil;
    }
}
