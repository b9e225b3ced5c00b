package dev.floodgate.operators.process;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the processing call is bounded and retried ({@link ProcessEvents}, in {@link
 * ProcessInLanes}).
 *
 * <ul>
 *   <li>{@code maxInFlight} (default 16): requests in flight per subtask when used as a Flink async
 *       function; the lanes have their own budgets ({@link LanesConfig}).
 *   <li>{@code totalTimeout} (default 60 s): for all attempts of one event together; when it
 *       elapses the event becomes a dead letter. Counted from the return of the first call; keep it
 *       above {@code (maxRetries + 1) x} the processor's request timeout plus the backoffs. A retry
 *       whose backoff would end after it is not made: the failure at hand is emitted.
 *   <li>{@code maxRetries} (default 3): retries after the first attempt; 0 disables retrying.
 *   <li>{@code initialBackoff} 200 ms, doubling ({@code backoffMultiplier} 2.0) up to {@code
 *       maxBackoff} 5 s.
 * </ul>
 */
public final class ProcessingConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int maxInFlight;
    public final Duration totalTimeout;
    public final int maxRetries;
    public final Duration initialBackoff;
    public final Duration maxBackoff;
    public final double backoffMultiplier;

    public ProcessingConfig(
            int maxInFlight,
            Duration totalTimeout,
            int maxRetries,
            Duration initialBackoff,
            Duration maxBackoff,
            double backoffMultiplier) {
        if (maxInFlight < 1
                || totalTimeout.toMillis() <= 0
                || maxRetries < 0
                || initialBackoff.toMillis() <= 0
                || maxBackoff.compareTo(initialBackoff) < 0
                || backoffMultiplier < 1.0) {
            throw new IllegalArgumentException(
                    "invalid processing config: maxInFlight="
                            + maxInFlight
                            + " totalTimeout="
                            + totalTimeout
                            + " maxRetries="
                            + maxRetries
                            + " backoff="
                            + initialBackoff
                            + ".."
                            + maxBackoff
                            + " x"
                            + backoffMultiplier);
        }
        this.maxInFlight = maxInFlight;
        this.totalTimeout = totalTimeout;
        this.maxRetries = maxRetries;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.backoffMultiplier = backoffMultiplier;
    }

    public static ProcessingConfig defaults() {
        return new ProcessingConfig(
                16, Duration.ofSeconds(60), 3, Duration.ofMillis(200), Duration.ofSeconds(5), 2.0);
    }

    public ProcessingConfig withMaxInFlight(int n) {
        return new ProcessingConfig(
                n, totalTimeout, maxRetries, initialBackoff, maxBackoff, backoffMultiplier);
    }

    public ProcessingConfig withTotalTimeout(Duration d) {
        return new ProcessingConfig(
                maxInFlight, d, maxRetries, initialBackoff, maxBackoff, backoffMultiplier);
    }

    public ProcessingConfig withRetries(int retries, Duration initial, Duration max) {
        return new ProcessingConfig(
                maxInFlight, totalTimeout, retries, initial, max, backoffMultiplier);
    }

    @Override
    public String toString() {
        return "ProcessingConfig{maxInFlight="
                + maxInFlight
                + " totalTimeout="
                + totalTimeout
                + " maxRetries="
                + maxRetries
                + " backoff="
                + initialBackoff
                + ".."
                + maxBackoff
                + " x"
                + backoffMultiplier
                + "}";
    }
}
