package dev.floodgate.operators.process;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
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
 * is completed as an outcome, never exceptionally, so it can never fail the job: transient failures
 * are retried ({@link ProcessingException.Kind}) and the last one is emitted, marked as the event's
 * ({@link #isPermanent}: a dead letter) or the service's (shed); a timed-out event is not retried.
 * Calls still running when the function closes (a cancel, a failover) are cancelled, so the service
 * is not kept busy by calls nobody waits for while the restored events are called again. Also
 * usable as a Flink async function on its own (no state).
 */
public class ProcessEvents extends RichAsyncFunction<Interaction, ProcessOutcome>
        implements CheckpointListener {
    private static final long serialVersionUID = 1L;

    private final EventProcessor processor;
    private final Lane lane;
    private final ProcessingConfig config;
    private transient String processorName;
    private transient ScheduledThreadPoolExecutor scheduler;

    /** Calls not complete yet: cancelled on close. */
    private transient Set<CompletableFuture<String>> running;

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

    /** Whether the processor's service serves urgent calls first ({@link EventProcessor}). */
    boolean servesUrgentFirst() {
        return processor.servesUrgentFirst();
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        running = ConcurrentHashMap.newKeySet();
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
        if (running != null) {
            for (CompletableFuture<String> call : running) {
                call.cancel(true);
            }
            running.clear();
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
        return call(event, false);
    }

    /** One call, {@code urgent} ({@link EventProcessor#process(Interaction, boolean)}) or not. */
    CompletableFuture<String> call(Interaction event, boolean urgent) {
        CompletableFuture<String> call;
        try {
            call = processor.process(event, urgent);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!call.isDone() && running != null) {
            running.add(call);
            call.whenComplete((v, e) -> running.remove(call));
        }
        return call;
    }

    ProcessOutcome succeeded(Interaction event, String result) {
        return ProcessOutcome.ok(
                ProcessedEvent.of(event, lane, result, processorName, System.currentTimeMillis()));
    }

    ProcessOutcome failed(Interaction event, Throwable error) {
        ProcessingException.Kind kind = kindOf(error);
        ProcessOutcome o =
                ProcessOutcome.failed(
                        deadLetter(event, error, System.currentTimeMillis()),
                        kind != ProcessingException.Kind.EVENT);
        o.serviceRejected = kind == ProcessingException.Kind.SERVICE;
        return o;
    }

    /** The service said "not now" to {@code event}'s call: it is called again later. */
    ProcessOutcome congested(Interaction event, ProcessingException answer) {
        return ProcessOutcome.congested(
                deadLetter(event, answer, System.currentTimeMillis()), answer.retryAfterMillis());
    }

    /** {@code error} (or the cause it wraps) if it is a "not now" answer, else null. */
    static ProcessingException congestionOf(Throwable error) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        return cause instanceof ProcessingException pe && pe.congestion() ? pe : null;
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

    /** Whether {@code error} is about the event itself: the service rejected the request. */
    static boolean isPermanent(Throwable error) {
        return kindOf(error) == ProcessingException.Kind.EVENT;
    }

    /**
     * Whose failure {@code error} is: a {@link ProcessingException}'s kind; anything else (a
     * refused connection, a timeout, a reset) is transient.
     */
    static ProcessingException.Kind kindOf(Throwable error) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        return cause instanceof ProcessingException pe
                ? pe.kind()
                : ProcessingException.Kind.TRANSIENT;
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
     * {@code error} (or the cause it wraps) as its class name and message, for dead letters, shed
     * details and logs: a {@link ProcessingException}'s message is a status and a fixed reason (see
     * {@link HttpEventProcessor}); any other message (a transport's) has its URLs removed and is
     * cut ({@link SafeText#withoutUrls}).
     */
    public static String describe(Throwable error) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        return cause.getClass().getSimpleName() + ": " + SafeText.withoutUrls(cause.getMessage());
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
        d.error = describe(cause);
        d.failedAt = now;
        d.stage = "process";
        return d;
    }
}
