package dev.floodgate.operators.process;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The calls of the {@link EventProcessor} for {@link ProcessInLanes}: one call per event, its
 * result or failure as a {@link ProcessOutcome}. The total timeout and the retries ({@link
 * ProcessingConfig}) are done here: a call whose future is already a success when {@code process}
 * returns completes at once, with no timer; any other call is followed by {@link Attempts}, on one
 * scheduler thread per subtask (created in {@link #open}, shut down in {@link #close}). A failure
 * is completed as an outcome, never exceptionally, so it can never fail the job: failures are
 * retried unless {@link #isPermanent} (a {@link ProcessingException} that is not retryable) and the
 * last one is emitted, marked transient or permanent; a timed-out event is not retried. Also usable
 * as a Flink async function on its own (no state).
 */
public class ProcessEvents extends RichAsyncFunction<Interaction, ProcessOutcome>
        implements CheckpointListener {
    private static final long serialVersionUID = 1L;

    private final EventProcessor processor;
    private final Lane lane;
    private final ProcessingConfig config;
    private transient String processorName;
    private transient ScheduledThreadPoolExecutor scheduler;

    /** With {@link ProcessingConfig#defaults()}. */
    public ProcessEvents(EventProcessor processor, Lane lane) {
        this(processor, lane, ProcessingConfig.defaults());
    }

    ProcessEvents(EventProcessor processor, Lane lane, ProcessingConfig config) {
        this.processor = processor;
        this.lane = lane;
        this.config = config;
    }

    /** The same calls, retried and timed out as {@code cfg} says. */
    ProcessEvents withConfig(ProcessingConfig cfg) {
        return new ProcessEvents(processor, lane, cfg);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        processor.open();
        processorName = processor.name(); // built by concatenation: once, not for every result
        scheduler =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, "process-timeouts (" + processorName + ")");
                            t.setDaemon(true);
                            return t;
                        });
        scheduler.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void close() throws Exception {
        if (scheduler != null) {
            // first, so that no queued retry starts on a closed processor; one already calling it
            // is let finish
            // (calls only start a request), briefly: on cancel the task must not hang here
            scheduler.shutdownNow();
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        }
        processor.close();
    }

    /**
     * Processors that batch or hold resources per checkpoint may listen for completed checkpoints.
     */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        if (processor instanceof CheckpointListener) {
            ((CheckpointListener) processor).notifyCheckpointComplete(checkpointId);
        }
    }

    @Override
    public void asyncInvoke(Interaction event, ResultFuture<ProcessOutcome> resultFuture) {
        CompletableFuture<String> call = call(event);
        if (call.isDone() && !call.isCompletedExceptionally()) {
            resultFuture.complete(Collections.singleton(succeeded(event, call.join())));
        } else {
            new Attempts(this, scheduler, config, event, resultFuture).follow(call);
        }
    }

    /** One call; an exception thrown by the processor is a failed call. */
    CompletableFuture<String> call(Interaction event) {
        try {
            return processor.process(event);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    ProcessOutcome succeeded(Interaction event, String result) {
        return ProcessOutcome.ok(
                ProcessedEvent.of(event, lane, result, processorName, System.currentTimeMillis()));
    }

    ProcessOutcome failed(Interaction event, Throwable error) {
        return ProcessOutcome.failed(
                deadLetter(event, error, System.currentTimeMillis()), !isPermanent(error));
    }

    /** The total timeout covers all attempts: what is left of it would not fit another one. */
    ProcessOutcome timedOut(Interaction event) {
        return ProcessOutcome.failed(
                deadLetter(
                        event,
                        new TimeoutException("processing timed out"),
                        System.currentTimeMillis()),
                true);
    }

    /**
     * Whether another attempt cannot fix {@code error}: the service rejected the request itself.
     */
    static boolean isPermanent(Throwable error) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        return cause instanceof ProcessingException && !((ProcessingException) cause).retryable();
    }

    /** Only if a Flink timeout is configured (the lanes use none). */
    @Override
    public void timeout(Interaction event, ResultFuture<ProcessOutcome> resultFuture) {
        resultFuture.complete(Collections.singleton(timedOut(event)));
    }

    /** The scheduler of timeouts and retries, for tests. */
    ScheduledThreadPoolExecutor scheduler() {
        return scheduler;
    }

    /**
     * A processing failure as a dead letter: the event in contract v1 form, at its log position,
     * with its id (which stays readable when the dead-letter sink can carry only a prefix of a
     * large event).
     */
    public static DeadLetter deadLetter(Interaction event, Throwable error, long now) {
        DeadLetter d = new DeadLetter();
        d.eventId = event.eventId;
        d.key = event.customerId.getBytes(StandardCharsets.UTF_8);
        d.value = InteractionCodec.write(event);
        d.topic = event.sourceTopic;
        d.partition = event.sourcePartition;
        d.offset = event.sourceOffset;
        d.logTimestamp = event.logTimestamp;
        d.reason = DeadLetterReason.PROCESSING_FAILED;
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        d.error = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        d.failedAt = now;
        d.stage = "process";
        return d;
    }
}
