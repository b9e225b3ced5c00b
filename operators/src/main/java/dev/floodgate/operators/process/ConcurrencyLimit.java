package dev.floodgate.operators.process;

/**
 * How many calls one channel's lane on one subtask may have in flight now: a fixed number, or one
 * adapted to what the service shows (its latency, its failures). Created per lane by a {@link
 * LimitPolicy} in the lane operator's {@code open()}; called by the task thread only. Not
 * checkpointed: it describes the service now and re-forms after a restart.
 *
 * <p>Contract: {@link #limit} is between 0 and the lane's configured ceiling ({@code
 * --max-in-flight-<channel>}). A limit of 0 pauses the lane's calls (a backfill yielding the
 * service to live traffic); while the lane has nothing in flight the operator asks again at {@link
 * #resumeAt}, since no answer will come to wake it.
 */
public interface ConcurrencyLimit {

    /** Calls that may be in flight now, 0 to the ceiling. */
    int limit(long nowMillis);

    /**
     * The service answered a call (a result or a rejection of the event) in {@code latencyMillis}
     * (the answering attempt only), with {@code inFlight} calls of the lane running when it ended.
     */
    void answered(long latencyMillis, int inFlight, long nowMillis);

    /**
     * An attempt failed for a reason of the service (a timeout, a 5xx, a refused connection): a
     * congestion or outage signal. The circuit breaker decides about outages; a limit may back off.
     */
    void failed(long nowMillis);

    /**
     * The service said "not now" to a backfill call (429, or 503 with Retry-After; {@code
     * retryAfterMillis} -1 if it gave no Retry-After): a loss, as in TCP. By default the same as
     * {@link #failed}.
     */
    default void congested(long nowMillis, long retryAfterMillis) {
        failed(nowMillis);
    }

    /** When a paused limit (0) wants to be asked again, at or after {@code nowMillis}. */
    default long resumeAt(long nowMillis) {
        return nowMillis + 100;
    }
}
