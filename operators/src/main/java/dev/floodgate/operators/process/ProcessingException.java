package dev.floodgate.operators.process;

/**
 * A processing service answered with an error, classified by whose failure it is ({@link Kind}):
 * {@link ProcessEvents} retries only {@link Kind#TRANSIENT} ones, and the lanes dead-letter only
 * {@link Kind#EVENT} ones: an answer that is about the service (its credentials, its address) must
 * never turn the stream into dead letters.
 */
public class ProcessingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whose failure an answer is, which decides what happens to the event. */
    public enum Kind {
        /**
         * The service is busy or down for a while (5xx, 408, 429): retried; after the retries the
         * event is shed ({@code service_unavailable}) and counts against the lane's circuit.
         */
        TRANSIENT,
        /**
         * The service refuses every call for a reason of its own: an expired or wrong credential
         * (401, 403), a wrong address (404, 3xx), any other 4xx that does not name the event. Not
         * retried (the same call gets the same answer until someone fixes the service or the job's
         * settings); the event is shed ({@code service_unavailable}), counts against the circuit,
         * and {@code serviceRejected} alerts an operator.
         */
        SERVICE,
        /**
         * The request itself is rejected (400, 413, 422, or a result too large for a record): the
         * same event would get the same answer anywhere: a dead letter.
         */
        EVENT
    }

    private final int status;
    private final Kind kind;

    /** The answer's {@code Retry-After} in ms, -1 if it had none. */
    private final long retryAfterMillis;

    public ProcessingException(int status, String message, Kind kind) {
        this(status, message, kind, -1);
    }

    private ProcessingException(int status, String message, Kind kind, long retryAfterMillis) {
        super(message);
        this.status = status;
        this.kind = kind;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** {@code retryable}: {@link Kind#TRANSIENT}, else {@link Kind#EVENT}. */
    public ProcessingException(int status, String message, boolean retryable) {
        this(status, message, retryable ? Kind.TRANSIENT : Kind.EVENT);
    }

    /**
     * An HTTP error status: 5xx, 408 and 429 are transient; 400, 413 and 422 name the event; every
     * other status (3xx, 401, 403, 404, 405, ...) is the service's.
     */
    public static ProcessingException ofHttpStatus(int status, String message) {
        return new ProcessingException(status, message, kindOf(status));
    }

    /** {@link #ofHttpStatus(int, String)} of an answer with a {@code Retry-After} (-1: none). */
    public static ProcessingException ofHttpStatus(
            int status, String message, long retryAfterMillis) {
        return new ProcessingException(status, message, kindOf(status), retryAfterMillis);
    }

    static Kind kindOf(int status) {
        if (status >= 500 || status == 408 || status == 429) {
            return Kind.TRANSIENT;
        }
        if (status == 400 || status == 413 || status == 422) {
            return Kind.EVENT;
        }
        return Kind.SERVICE;
    }

    public int status() {
        return status;
    }

    public Kind kind() {
        return kind;
    }

    /** The answer's {@code Retry-After} in ms, -1 if it had none. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /**
     * Whether the service said "not now" rather than failed: 429, or 503 with a {@code
     * Retry-After}. A backfill, which has no freshness to lose, waits and calls again without
     * counting it as the event's failure ({@link ProcessingConfig#requeueOnCongestion}).
     */
    public boolean congestion() {
        return status == 429 || (status == 503 && retryAfterMillis >= 0);
    }

    /** Whether another attempt may succeed soon ({@link Kind#TRANSIENT}). */
    public boolean retryable() {
        return kind == Kind.TRANSIENT;
    }
}
