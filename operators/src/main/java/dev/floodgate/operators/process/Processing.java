package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Adds the processing call to a stream: ordered async I/O (per-customer order is kept), at most
 * {@link ProcessingConfig#maxInFlight} requests in flight per subtask, retries with exponential
 * backoff for retryable failed outcomes, and one total timeout per event. Every event comes out
 * exactly once, in input order: as {@link ProcessOutcome#processed}, or after the last attempt as
 * {@link ProcessOutcome#failed} (reason {@code PROCESSING_FAILED}); nothing fails the job and
 * nothing waits longer than the total timeout.
 *
 * <p>Flink's ordered async operator keeps the order, the capacity, the backpressure and the
 * in-flight events in checkpoints (on restore they are called again, with a fresh timeout and
 * retries). It is added with no timeout and no retry strategy, so it registers no timer per event:
 * {@link ProcessEvents} times out and retries itself, with a timer only for calls that are not
 * complete when the processor returns. At the end of a bounded input Flink waits for the events in
 * flight, so the last events of a finite stream get every attempt: the end waits out their
 * backoffs, at most the total timeout.
 */
public final class Processing {

    /** Flink's "no timeout" for async I/O: any value {@code <= 0} registers no timer. */
    static final long NO_FLINK_TIMEOUT = 0;

    private Processing() {}

    /** The job sets uid and name on the returned operator. */
    public static SingleOutputStreamOperator<ProcessOutcome> apply(
            DataStream<Interaction> in, ProcessEvents fn, ProcessingConfig cfg) {
        return AsyncDataStream.orderedWait(
                in, fn.withConfig(cfg), NO_FLINK_TIMEOUT, TimeUnit.MILLISECONDS, cfg.maxInFlight);
    }
}
