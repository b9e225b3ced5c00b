package dev.floodgate.model;

import java.util.Locale;

/**
 * Why an event's processing was shed to the durable lane (header {@code floodgate.shed-reason} of a
 * shed record). Shedding is of processing, never of data: every shed event is processed later by
 * the backfill drain.
 */
public enum ShedReason {
    /** Admission: the event's lane could not have processed it within the channel's target wait. */
    PREDICTED_WAIT,
    /** Admission: the customer sends faster than the hot-key rate (counted on log time). */
    HOT_KEY,
    /**
     * The lane's service kept failing: its circuit breaker is open, the lane's events wait for the
     * drain.
     */
    CIRCUIT_OPEN,
    /**
     * The call still failed for a reason of the service after its retries (timeout, 5xx, 408, 429,
     * refused), or the service refused it for a reason of its own (401, 403, 404, 3xx: not
     * retried).
     */
    SERVICE_UNAVAILABLE,
    /** The event arrived after its gap had been skipped by the ordering operator. */
    LATE,
    /**
     * Its customer already had the lane's per-customer bound of events queued and in flight (one
     * customer sending faster than its calls complete): the excess waits for the drain, so the
     * customer's backlog never fills the lane for everyone else.
     */
    CUSTOMER_BACKLOG;

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wire;
    }
}
