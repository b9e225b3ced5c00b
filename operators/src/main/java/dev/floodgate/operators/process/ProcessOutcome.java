package dev.floodgate.operators.process;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.ProcessedEvent;

/**
 * The result of processing one event: exactly one of {@link #processed} or {@link #failed} is set
 * ({@link #failed} also describes a {@link #congested} call, which is no result yet).
 */
public class ProcessOutcome {
    public ProcessedEvent processed;
    public DeadLetter failed;

    /**
     * With {@link #failed}: the last failure was the service's, not the event's (a timeout, refused
     * connection, 5xx, 408, 429, or a {@link ProcessingException.Kind#SERVICE} answer): the service
     * may serve the event later, so the lanes shed it rather than dead-letter it.
     */
    public boolean transientFailure;

    /**
     * With {@link #transientFailure}: the service refused the call for a reason of its own (401,
     * 403, 404, 3xx...): not the event's fault, and not over by itself; counted as {@code
     * serviceRejected} for an alert.
     */
    public boolean serviceRejected;

    /**
     * With {@link #failed} (the answer, for logs) and {@link ProcessingConfig#requeueOnCongestion}:
     * the service said "not now" (429, or 503 with Retry-After): the event is called again later,
     * never shed or dead-lettered for it.
     */
    public boolean congested;

    /** With {@link #congested}: the answer's Retry-After in ms, -1 if none. */
    public long retryAfterMillis = -1;

    public ProcessOutcome() {}

    /** The service said "not now" to the event's call ({@link #congested}). */
    public static ProcessOutcome congested(DeadLetter answer, long retryAfterMillis) {
        ProcessOutcome o = failed(answer, true);
        o.congested = true;
        o.retryAfterMillis = retryAfterMillis;
        return o;
    }

    public static ProcessOutcome ok(ProcessedEvent p) {
        ProcessOutcome o = new ProcessOutcome();
        o.processed = p;
        return o;
    }

    /**
     * A failure after the last attempt ({@link ProcessEvents} decides on retries from the error,
     * not from here).
     */
    public static ProcessOutcome failed(DeadLetter d, boolean transientFailure) {
        ProcessOutcome o = new ProcessOutcome();
        o.failed = d;
        o.transientFailure = transientFailure;
        return o;
    }
}
