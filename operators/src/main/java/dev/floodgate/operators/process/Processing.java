package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import java.io.Serializable;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.async.AsyncRetryStrategy;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;

/**
 * Adds the processing call to a stream: ordered async I/O (per-customer order is kept), at most
 * {@link ProcessingConfig#maxInFlight} requests in flight per subtask, retries with exponential backoff for
 * retryable failed outcomes, and one total timeout per event. Every event comes out exactly once, in input
 * order: as {@link ProcessOutcome#processed}, or after the last attempt as {@link ProcessOutcome#failed} (reason
 * {@code PROCESSING_FAILED}); nothing fails the job and nothing waits longer than the total timeout.
 *
 * <p>At the end of a bounded input Flink fires pending retries at once and emits their result (it does not
 * wait out the backoff), so the last events of a finite stream may get fewer attempts.
 */
public final class Processing {

    private Processing() {}

    /** The job sets uid and name on the returned operator. */
    public static SingleOutputStreamOperator<ProcessOutcome> apply(DataStream<Interaction> in, ProcessEvents fn,
            ProcessingConfig cfg) {
        return AsyncDataStream.orderedWaitWithRetry(in, fn, cfg.totalTimeout.toMillis(), TimeUnit.MILLISECONDS,
                cfg.maxInFlight, retryStrategy(cfg));
    }

    static AsyncRetryStrategy<ProcessOutcome> retryStrategy(ProcessingConfig cfg) {
        if (cfg.maxRetries == 0) {
            @SuppressWarnings("unchecked")
            AsyncRetryStrategy<ProcessOutcome> none = AsyncRetryStrategies.NO_RETRY_STRATEGY;
            return none;
        }
        // Flink's maxAttempts counts retries after the first call: canRetry(attempt) is attempt <= maxAttempts
        return new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<ProcessOutcome>(
                cfg.maxRetries, cfg.initialBackoff.toMillis(), cfg.maxBackoff.toMillis(), cfg.backoffMultiplier)
                .ifResult(new AnyRetryable())
                .build();
    }

    /** Retry when the outcome is a failure another attempt may fix. Named and serializable: shipped to the job. */
    static final class AnyRetryable implements Predicate<Collection<ProcessOutcome>>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean test(Collection<ProcessOutcome> outcomes) {
            for (ProcessOutcome o : outcomes) {
                if (o.retryable()) {
                    return true;
                }
            }
            return false;
        }
    }
}
