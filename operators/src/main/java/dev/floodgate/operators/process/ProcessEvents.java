package dev.floodgate.operators.process;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.InteractionCodec;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Calls the {@link EventProcessor} for each event through Flink async I/O. The capacity (requests in flight),
 * total timeout and retries are set where the operator is added ({@link Processing#apply}); when the capacity is
 * reached the operator stops taking input, and backpressure reaches the Kafka source. A failure is completed as
 * a dead letter (stage {@code process}), never exceptionally, so it can never fail the job: the retry strategy
 * retries {@link ProcessOutcome#retryable()} outcomes and the last one is emitted. No state, no timers.
 */
public class ProcessEvents extends RichAsyncFunction<Interaction, ProcessOutcome> implements CheckpointListener {
    private static final long serialVersionUID = 1L;

    private final EventProcessor processor;
    private final Lane lane;
    private transient String processorName;

    public ProcessEvents(EventProcessor processor, Lane lane) {
        this.processor = processor;
        this.lane = lane;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        processor.open();
        processorName = processor.name(); // built by concatenation: once, not for every result
    }

    @Override
    public void close() throws Exception {
        processor.close();
    }

    /** Processors that batch or hold resources per checkpoint may listen for completed checkpoints. */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        if (processor instanceof CheckpointListener) {
            ((CheckpointListener) processor).notifyCheckpointComplete(checkpointId);
        }
    }

    @Override
    public void asyncInvoke(Interaction event, ResultFuture<ProcessOutcome> resultFuture) {
        CompletableFuture<String> call;
        try {
            call = processor.process(event);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((result, error) -> {
            long now = System.currentTimeMillis();
            if (error == null) {
                resultFuture.complete(Collections.singleton(
                        ProcessOutcome.ok(ProcessedEvent.of(event, lane, result, processorName, now))));
            } else {
                DeadLetter d = deadLetter(event, error, now);
                resultFuture.complete(Collections.singleton(isPermanent(error)
                        ? ProcessOutcome.failedPermanently(d) : ProcessOutcome.failed(d)));
            }
        });
    }

    private static boolean isPermanent(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof ProcessingException && !((ProcessingException) cause).retryable();
    }

    @Override
    public void timeout(Interaction event, ResultFuture<ProcessOutcome> resultFuture) {
        // the total timeout covers all attempts: what is left of it would not fit another one
        resultFuture.complete(Collections.singleton(ProcessOutcome.failedPermanently(
                deadLetter(event, new java.util.concurrent.TimeoutException("processing timed out"),
                        System.currentTimeMillis()))));
    }

    /** A processing failure as a dead letter: the event in contract v1 form, at its log position. */
    static DeadLetter deadLetter(Interaction event, Throwable error, long now) {
        DeadLetter d = new DeadLetter();
        d.key = event.customerId.getBytes(StandardCharsets.UTF_8);
        d.value = InteractionCodec.write(event);
        d.topic = event.sourceTopic;
        d.partition = event.sourcePartition;
        d.offset = event.sourceOffset;
        d.logTimestamp = event.logTimestamp;
        d.reason = DeadLetterReason.PROCESSING_FAILED;
        Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        d.error = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        d.failedAt = now;
        d.stage = "process";
        return d;
    }
}
