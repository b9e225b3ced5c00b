package dev.floodgate.operators.process;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the processing call is bounded and retried ({@link ProcessEvents}, in {@link
 * ProcessInLanes}).
 *
 * <ul>
 *   <li>{@code totalTimeout} (default 60 s): for all attempts of one event together; when it
 *       elapses the call has failed for a transient reason (the lanes shed the event). Counted from
 *       the return of the first call; keep it above {@code (maxRetries + 1) x} the processor's
 *       request timeout plus the backoffs. A retry whose backoff would end after it is not made:
 *       the failure at hand is emitted.
 *   <li>{@code maxRetries} (default 3): retries after the first attempt; 0 disables retrying.
 *   <li>{@code initialBackoff} 200 ms, doubling ({@code backoffMultiplier} 2.0) up to {@code
 *       maxBackoff} 5 s.
 *   <li>{@code requeueOnCongestion} (default false; the backfill's): an answer that says "not now"
 *       ({@link ProcessingException#congestion()}: 429, or 503 with Retry-After) ends the attempt
 *       without failing the event: the lanes put it back in its queue after the Retry-After or a
 *       backoff, with a fresh set of retries, and tell the lane's limit (a loss, as TCP's), not its
 *       circuit. It is never shed or dead-lettered for congestion. The live job keeps false: its
 *       events have a freshness target, and shedding them to the drain is the way to keep it.
 * </ul>
 */
public final class ProcessingConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public final Duration totalTimeout;
    public final int maxRetries;
    public final Duration initialBackoff;
    public final Duration maxBackoff;
    public final double backoffMultiplier;
    public final boolean requeueOnCongestion;

    public ProcessingConfig(
            Duration totalTimeout,
            int maxRetries,
            Duration initialBackoff,
            Duration maxBackoff,
            double backoffMultiplier) {
        this(totalTimeout, maxRetries, initialBackoff, maxBackoff, backoffMultiplier, false);
    }

    private ProcessingConfig(
            Duration totalTimeout,
            int maxRetries,
            Duration initialBackoff,
            Duration maxBackoff,
            double backoffMultiplier,
            boolean requeueOnCongestion) {
        if (totalTimeout.toMillis() <= 0
                || maxRetries < 0
                || initialBackoff.toMillis() <= 0
                || maxBackoff.compareTo(initialBackoff) < 0
                || backoffMultiplier < 1.0) {
            throw new IllegalArgumentException(
                    "invalid processing config: totalTimeout="
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
        this.totalTimeout = totalTimeout;
        this.maxRetries = maxRetries;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.backoffMultiplier = backoffMultiplier;
        this.requeueOnCongestion = requeueOnCongestion;
    }

    public static ProcessingConfig defaults() {
        return new ProcessingConfig(
                Duration.ofSeconds(60), 3, Duration.ofMillis(200), Duration.ofSeconds(5), 2.0);
    }

    public ProcessingConfig withTotalTimeout(Duration d) {
        return new ProcessingConfig(
                d, maxRetries, initialBackoff, maxBackoff, backoffMultiplier, requeueOnCongestion);
    }

    public ProcessingConfig withRetries(int retries, Duration initial, Duration max) {
        return new ProcessingConfig(
                totalTimeout, retries, initial, max, backoffMultiplier, requeueOnCongestion);
    }

    /** With {@code requeueOnCongestion} (see the class comment): the backfill's. */
    public ProcessingConfig withRequeueOnCongestion(boolean requeue) {
        return new ProcessingConfig(
                totalTimeout, maxRetries, initialBackoff, maxBackoff, backoffMultiplier, requeue);
    }

    @Override
    public String toString() {
        return "ProcessingConfig{totalTimeout="
                + totalTimeout
                + " maxRetries="
                + maxRetries
                + " backoff="
                + initialBackoff
                + ".."
                + maxBackoff
                + " x"
                + backoffMultiplier
                + (requeueOnCongestion ? " requeueOnCongestion" : "")
                + "}";
    }
}
