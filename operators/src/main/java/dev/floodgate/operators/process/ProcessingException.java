package dev.floodgate.operators.process;

/**
 * A processing service answered with an error. {@link #retryable()} tells {@link ProcessEvents}
 * whether another attempt may succeed (server errors, throttling) or not (the service rejected the
 * request itself).
 */
public class ProcessingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final boolean retryable;

    public ProcessingException(int status, String message, boolean retryable) {
        super(message);
        this.status = status;
        this.retryable = retryable;
    }

    /** An HTTP error status: 5xx, 408 and 429 are worth retrying, other 4xx are not. */
    public static ProcessingException ofHttpStatus(int status, String message) {
        boolean retryable = status >= 500 || status == 408 || status == 429;
        return new ProcessingException(status, message, retryable);
    }

    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }
}
