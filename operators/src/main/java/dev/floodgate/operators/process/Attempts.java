package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * The attempts of one event whose first call was not a success when {@link EventProcessor#process}
 * returned: retries with exponential backoff and the total timeout of {@link ProcessingConfig},
 * counted from the return of the first call. An event whose first call is already a success never
 * gets here.
 *
 * <p>Threads and timers: created on the task thread. A call's result is handled on the thread that
 * completes the processor's future (or inline, if it is already complete). The timeout and the
 * retries are tasks on the subtask's one scheduler thread ({@link ProcessEvents#open}), so a retry
 * calls {@link EventProcessor#process} on that thread. The timeout is scheduled once per event,
 * when a call is still running as {@code process} returns, and cancelled when the event completes;
 * a call that is already complete schedules nothing. A retry whose backoff would end after the
 * total timeout is not made: the failure at hand is the result.
 *
 * <p>Completion: the result future is completed exactly once, by whichever of a call's result and
 * the timeout comes first (an atomic flag; the loser is dropped), and never exceptionally for a
 * processing failure. Only an {@link Error} thrown by {@code process} in a retry completes it
 * exceptionally, failing the task as the same error thrown on the task thread does. The call
 * running when the timeout wins is cancelled ({@code cancel(true)}: the HTTP processor aborts its
 * exchange), so a timed-out call never keeps the service busy beside its event's next attempt or
 * the next event.
 *
 * <p>Congestion: with {@link ProcessingConfig#requeueOnCongestion} (the backfill) an answer that
 * says "not now" ({@link ProcessingException#congestion()}) completes at once as a {@link
 * ProcessOutcome#congested} outcome, neither retried here nor told to the {@link Listener} as a
 * failed attempt: the lanes give the event back to its queue, where the lane's limit decides when
 * it is called again.
 *
 * <p>Retries: only of transient failures ({@link ProcessingException.Kind#TRANSIENT}, or any other
 * exception: a refused connection, a timeout), and only while the {@link Listener} allows (the
 * lanes stop retrying while their circuit is open). The backoff has jitter: between half and all of
 * {@code initialBackoff x multiplier^n}, so subtasks that failed together do not retry in lockstep.
 */
final class Attempts implements BiConsumer<String, Throwable> {
    /** What the caller hears of each attempt, on the threads that complete them. */
    interface Listener {
        Listener NONE = new Listener() {};

        /** A retry is about to call the processor. */
        default void retrying() {}

        /**
         * An attempt failed for a reason of the service (transient or {@link
         * ProcessingException.Kind#SERVICE}), or timed out; a retry or the final outcome follows.
         */
        default void attemptFailed(Throwable error) {}

        /** Whether a transient failure may be retried now. */
        default boolean mayRetry() {
            return true;
        }

        /**
         * Whether the retries are urgent calls ({@link ProcessEvents#call(Interaction, boolean)}).
         */
        default boolean urgent() {
            return false;
        }
    }

    private final ProcessEvents fn;
    private final ScheduledExecutorService scheduler;
    private final ProcessingConfig cfg;
    private final Interaction event;
    private final ResultFuture<ProcessOutcome> result;
    private final Listener listener;
    private final long deadline;
    private final AtomicBoolean done = new AtomicBoolean();

    /**
     * Retries started so far; attempts follow each other, with a happens-before edge from one to
     * the next.
     */
    private int retries;

    private volatile Future<?> timeout;
    private volatile Future<?> retry;
    private volatile CompletableFuture<String> current;
    private volatile Throwable lastError;

    Attempts(
            ProcessEvents fn,
            ScheduledExecutorService scheduler,
            ProcessingConfig cfg,
            Interaction event,
            ResultFuture<ProcessOutcome> result) {
        this(fn, scheduler, cfg, event, result, Listener.NONE);
    }

    Attempts(
            ProcessEvents fn,
            ScheduledExecutorService scheduler,
            ProcessingConfig cfg,
            Interaction event,
            ResultFuture<ProcessOutcome> result,
            Listener listener) {
        this.fn = fn;
        this.scheduler = scheduler;
        this.cfg = cfg;
        this.event = event;
        this.result = result;
        this.listener = listener;
        this.deadline = System.nanoTime() + cfg.totalTimeout.toNanos();
    }

    /** Follows a call that has been started and is not a success yet. */
    void follow(CompletableFuture<String> call) {
        current = call;
        if (!call.isDone()) {
            scheduleTimeout();
        }
        call.whenComplete(this);
        if (done.get()) {
            call.cancel(true); // completed (timed out) while this attempt was starting
        }
    }

    /** A call's result. */
    @Override
    public void accept(String value, Throwable error) {
        if (done.get()) {
            return;
        }
        if (error == null) {
            complete(fn.succeeded(event, value));
            return;
        }
        ProcessingException congestion =
                cfg.requeueOnCongestion ? ProcessEvents.congestionOf(error) : null;
        if (congestion != null) {
            // "not now": no failure of the event or the service; the lanes call it again later
            complete(fn.congested(event, congestion));
            return;
        }
        ProcessingException.Kind kind = ProcessEvents.kindOf(error);
        if (kind != ProcessingException.Kind.EVENT) {
            listener.attemptFailed(error);
        }
        long delay = jittered(backoffNanos(cfg, retries));
        if (kind != ProcessingException.Kind.TRANSIENT
                || retries >= cfg.maxRetries
                || System.nanoTime() + delay - deadline >= 0
                || !listener.mayRetry()) {
            complete(fn.failed(event, error));
            return;
        }
        retries++;
        lastError = error;
        try {
            retry = scheduler.schedule(this::retry, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            complete(fn.failed(event, error));
            return;
        }
        if (done.get()) {
            retry.cancel(false);
        }
    }

    private void retry() {
        if (done.get()) {
            return;
        }
        if (!listener.mayRetry()) { // the circuit opened during the backoff
            complete(fn.failed(event, lastError));
            return;
        }
        CompletableFuture<String> call;
        try {
            listener.retrying();
            call = fn.call(event, listener.urgent());
        } catch (Throwable crash) { // call() turns exceptions into failed futures: this is an Error
            if (done.compareAndSet(false, true)) {
                cancel(timeout);
                result.completeExceptionally(crash);
            }
            return;
        }
        follow(call);
    }

    /** Called by one attempt at a time, so the timeout is scheduled at most once. */
    private void scheduleTimeout() {
        if (timeout != null) {
            return;
        }
        try {
            timeout =
                    scheduler.schedule(
                            this::timeOut,
                            Math.max(0, deadline - System.nanoTime()),
                            TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            return; // the function is closed: nobody waits for the result any more
        }
        if (done.get()) {
            timeout.cancel(false);
        }
    }

    /**
     * The timeout takes the flag before it tells the listener: a call that succeeds meanwhile is
     * dropped, so the listener never hears of a timeout whose event then completes as a success.
     * The result is completed even if the listener throws: the flag is taken, nothing else would.
     */
    private void timeOut() {
        if (done.compareAndSet(false, true)) {
            try {
                listener.attemptFailed(
                        new java.util.concurrent.TimeoutException("processing timed out"));
            } finally {
                finish(fn.timedOut(event));
            }
        }
    }

    private void complete(ProcessOutcome outcome) {
        if (done.compareAndSet(false, true)) {
            finish(outcome);
        }
    }

    /** Completes the result; only the one caller that took the {@code done} flag gets here. */
    private void finish(ProcessOutcome outcome) {
        cancel(timeout);
        cancel(retry);
        CompletableFuture<String> call = current;
        if (call != null && !call.isDone()) {
            call.cancel(true); // nobody waits for it any more: free the service
        }
        result.complete(Collections.singleton(outcome));
    }

    private static void cancel(Future<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    /**
     * The wait before retry {@code n} (0 for the first): {@code initialBackoff * multiplier^n}, at
     * most maxBackoff.
     */
    static long backoffNanos(ProcessingConfig cfg, int n) {
        double nanos = cfg.initialBackoff.toNanos() * Math.pow(cfg.backoffMultiplier, n);
        return (long) Math.min(nanos, cfg.maxBackoff.toNanos());
    }

    /** Between half and all of {@code nanos}, uniformly ("equal jitter"). */
    static long jittered(long nanos) {
        long half = nanos / 2;
        return half + ThreadLocalRandom.current().nextLong(nanos - half + 1);
    }
}
