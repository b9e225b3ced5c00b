package dev.floodgate.operators.process;

/**
 * The circuit breaker of one lane on one subtask.
 *
 * <ul>
 *   <li>Closed: calls run up to the lane's budget. After {@code threshold} attempts in a row failed
 *       for a reason of the service (a timeout, a refused connection, 5xx, 429, 401...: every
 *       attempt counts, so a service that hangs opens the circuit after one request timeout, not
 *       after all retries) it opens.
 *   <li>Open: for the open period the lane's events (high included) are shed with reason {@code
 *       circuit_open} instead of waiting for a service that is down, so an outage never backs up
 *       into the other lanes or the input; calls in flight are not retried any more.
 *   <li>Half-open: arriving events go through admission as usual; the first one that is really
 *       <em>called</em> is the probe (an event admission sheds is no probe, so the lane can never
 *       wait for the answer of a call that was not made); events after it are shed while it is in
 *       flight. Its answer closes the circuit; its failure, or no answer within the open period,
 *       opens it again for twice as long (at most {@value #MAX_BACKOFF}x {@code openFor}), counted
 *       from the probe's start: probes start one open period apart, so once the service is healthy
 *       the circuit closes within two open periods, even when the probe in flight was lost in the
 *       outage.
 * </ul>
 *
 * <p>Answers are read only from calls that may tell: each call carries the {@link #generation()}
 * (openings so far) it started in and, if it was a probe, its probe number. In the open and
 * half-open states only a probe of the current generation closes the circuit (also one given up on
 * as lost that answers late: the service is up), and only the failure of the probe in flight opens
 * it again (a lost probe's late failure is not counted twice); calls that started before the
 * circuit opened neither close it nor count, as failures or as answers, after it closed again.
 *
 * <p>Task thread only; {@link #isOpen()} may be read by a metric reporter and the retry threads.
 * Not checkpointed: after a restart the lane starts closed and learns again from the first
 * failures.
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
    private int generation;
    private boolean probing;
    private long probeStartedAt;
    private long probes;

    CircuitBreaker(int threshold, long openForMillis) {
        this.threshold = threshold;
        this.openForMillis = openForMillis;
    }

    /**
     * Whether an event arriving now is to be shed: while open, and while half-open with the probe
     * in flight.
     */
    boolean rejects(long now) {
        advance(now);
        return state == State.OPEN || (state == State.HALF_OPEN && probing);
    }

    /** Whether a call may start now with {@code inFlight} calls of the lane running. */
    boolean mayStart(int inFlight, int budget, long now) {
        advance(now);
        return switch (state) {
            case CLOSED -> inFlight < budget;
            case HALF_OPEN -> !probing && inFlight < budget;
            case OPEN -> false;
        };
    }

    /** A call starts now (after {@link #mayStart}); returns its probe number, 0 if no probe. */
    long started(long now) {
        if (state != State.HALF_OPEN) {
            return 0;
        }
        probing = true;
        probeStartedAt = now;
        return ++probes;
    }

    /** Whether events waiting in the lane are to be shed rather than wait (open, not probing). */
    boolean shedsWaiting(long now) {
        advance(now);
        return state == State.OPEN;
    }

    /**
     * The service answered a call of {@code callGeneration} (a result, or a rejection of the event:
     * it is up).
     */
    void answered(int callGeneration, long probe) {
        if (callGeneration != generation) {
            return; // started before the circuit last opened: it tells nothing new
        }
        if (state == State.CLOSED) {
            failuresInRow = 0;
        } else if (probe != 0) {
            state = State.CLOSED;
            failuresInRow = 0;
            backoff = 1;
            probing = false;
        }
    }

    /**
     * An attempt of a call of {@code callGeneration} failed for a reason of the service; returns
     * whether this opened the circuit.
     */
    boolean failed(int callGeneration, long probe, long now) {
        if (callGeneration != generation) {
            return false; // started before the circuit last opened: it tells nothing new
        }
        if (state == State.CLOSED) {
            if (++failuresInRow < threshold) {
                return false;
            }
            generation++;
            backoff = 1;
            open(now);
            return true;
        }
        if (state == State.HALF_OPEN && probing && probe == probes) {
            reopen();
            return true;
        }
        return false;
    }

    private void advance(long now) {
        if (state == State.OPEN && now - openUntil >= 0) {
            state = State.HALF_OPEN;
            probing = false;
        } else if (state == State.HALF_OPEN
                && probing
                && now - probeStartedAt >= openForMillis * backoff) {
            reopen(); // no answer within the open period: the probe was lost
            advance(now);
        }
    }

    private void reopen() {
        backoff = Math.min(MAX_BACKOFF, backoff * 2);
        probing = false;
        open(probeStartedAt);
    }

    private void open(long from) {
        state = State.OPEN;
        failuresInRow = 0;
        openUntil = from + openForMillis * backoff;
    }

    /** Openings so far: a call remembers it to tell whether its answer is still news. */
    int generation() {
        return generation;
    }

    boolean isOpen() {
        return state != State.CLOSED;
    }

    long openUntil() {
        return openUntil;
    }
}
