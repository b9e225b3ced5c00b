package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.testing.ShedEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The retries and the total timeout of {@link ProcessEvents} ({@link Attempts}), without Flink. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessEventsTest {
    private static final ProcessingConfig FAST_RETRIES =
            ProcessingConfig.defaults()
                    .withTotalTimeout(Duration.ofSeconds(10))
                    .withRetries(3, Duration.ofMillis(5), Duration.ofMillis(20));

    private final ExecutorService background = Executors.newSingleThreadExecutor();
    private ProcessEvents fn;

    @AfterEach
    void close() throws Exception {
        if (fn != null) {
            fn.close();
        }
        background.shutdownNow();
    }

    @Test
    void retriesUntilASuccess() throws Exception {
        Scripted processor =
                new Scripted(
                        attempt ->
                                attempt == 1
                                        ? failed(503)
                                        : attempt == 2
                                                ? later(
                                                        () -> {
                                                            throw ProcessingException.ofHttpStatus(
                                                                    500, "HTTP 500");
                                                        })
                                                : later(() -> "done"));
        Result result = invoke(processor, FAST_RETRIES, event(1));

        ProcessOutcome o = result.await();
        assertThat(o.processed.result).isEqualTo("done");
        assertThat(o.processed.processor).isEqualTo("scripted");
        assertThat(processor.attempts.get()).isEqualTo(3);
        assertThat(result.completions.get()).isEqualTo(1);
    }

    @Test
    void aRetryableFailureAfterTheLastRetryIsADeadLetter() throws Exception {
        Scripted processor =
                new Scripted(
                        attempt ->
                                attempt % 2 == 0
                                        ? failed(500)
                                        : later(
                                                () -> {
                                                    throw ProcessingException.ofHttpStatus(
                                                            500, "HTTP 500 from test");
                                                }));
        Result result = invoke(processor, FAST_RETRIES, event(7));

        ProcessOutcome o = result.await();
        assertThat(o.processed).isNull();
        assertThat(o.failed.reason).isEqualTo(DeadLetterReason.PROCESSING_FAILED);
        assertThat(o.failed.stage).isEqualTo("process");
        assertThat(o.failed.error).contains("HTTP 500");
        assertThat(o.failed.offset).isEqualTo(7);
        assertThat(processor.attempts.get()).isEqualTo(FAST_RETRIES.maxRetries + 1);
        assertThat(result.completions.get()).isEqualTo(1);
    }

    @Test
    void aPermanentFailureIsNotRetried() throws Exception {
        Scripted processor =
                new Scripted(
                        attempt ->
                                later(
                                        () -> {
                                            throw ProcessingException.ofHttpStatus(
                                                    400, "HTTP 400 bad request");
                                        }));
        Result result = invoke(processor, FAST_RETRIES, event(1));

        ProcessOutcome o = result.await();
        assertThat(o.failed.error).contains("HTTP 400");
        Thread.sleep(50); // longer than the backoff: no retry comes
        assertThat(processor.attempts.get()).isEqualTo(1);
        assertThat(fn.scheduler().getQueue()).as("the timeout is cancelled").isEmpty();
    }

    @Test
    void aCallThatNeverCompletesTimesOutAsAPermanentFailure() throws Exception {
        Scripted processor = new Scripted(attempt -> new CompletableFuture<>());
        long start = System.nanoTime();
        Result result =
                invoke(processor, FAST_RETRIES.withTotalTimeout(Duration.ofMillis(100)), event(3));

        ProcessOutcome o = result.await();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(90L, 5_000L);
        assertThat(o.failed.error).isEqualTo("TimeoutException: processing timed out");
        assertThat(o.failed.stage).isEqualTo("process");
        assertThat(processor.attempts.get()).isEqualTo(1);
    }

    @Test
    void aCallThatTimesOutIsCancelledSoNobodyKeepsTheServiceBusyForIt() throws Exception {
        CompletableFuture<String> hung = new CompletableFuture<>();
        Scripted processor = new Scripted(attempt -> hung);
        ProcessOutcome o =
                invoke(processor, FAST_RETRIES.withTotalTimeout(Duration.ofMillis(100)), event(3))
                        .await();
        assertThat(o.failed.error).isEqualTo("TimeoutException: processing timed out");
        assertThat(hung.isCancelled()).isTrue();
    }

    @Test
    void closingCancelsTheCallsInFlight() throws Exception {
        List<CompletableFuture<String>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scripted processor =
                new Scripted(
                        attempt -> {
                            CompletableFuture<String> f = new CompletableFuture<>();
                            calls.add(f);
                            return f;
                        });
        invoke(processor, FAST_RETRIES, event(1));
        fn.asyncInvoke(event(2), new Result());
        assertThat(calls).hasSize(2);
        fn.close();
        fn = null;
        assertThat(calls).allSatisfy(f -> assertThat(f.isCancelled()).isTrue());
    }

    @Test
    void noRetryIsMadeThatWouldStartAfterTheTotalTimeout() throws Exception {
        Scripted processor = new Scripted(attempt -> failed(503));
        ProcessingConfig cfg =
                ProcessingConfig.defaults()
                        .withTotalTimeout(Duration.ofMillis(1_350))
                        .withRetries(5, Duration.ofMillis(400), Duration.ofSeconds(2));
        long start = System.nanoTime();
        ProcessOutcome o = invoke(processor, cfg, event(1)).await();

        assertThat(o.failed.error).as("the failure at hand, not a timeout").contains("HTTP 503");
        assertThat(processor.attempts.get())
                .as(
                        "with jitter the retries wait 200-400, 400-800, 800-1,600 ms: two fit in"
                                + " 1,350 ms (at most 1,200: 150 ms for a loaded machine), a third"
                                + " never (at least 1,400)")
                .isEqualTo(3);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_350);
    }

    @Test
    void retriesWaitBetweenHalfAndAllOfTheirBackoffSoSubtasksDoNotRetryInLockstep() {
        long backoff = Attempts.backoffNanos(FAST_RETRIES, 2);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            long wait = Attempts.jittered(backoff);
            assertThat(wait).isBetween(backoff / 2, backoff);
            seen.add(wait);
        }
        assertThat(seen).as("spread, not one value").hasSizeGreaterThan(100);
    }

    @Test
    void aCallAlreadyCompleteSchedulesNothing() throws Exception {
        fn = open(new PassThroughProcessor(), FAST_RETRIES);
        for (long i = 1; i <= 1000; i++) {
            long seq = i;
            Result result = new Result();
            fn.asyncInvoke(event(seq), result);
            assertThat(result.completions.get()).as("completed within asyncInvoke").isEqualTo(1);
            assertThat(result.outcomes.getNow(null))
                    .singleElement()
                    .satisfies(o -> assertThat(o.processed.seq).isEqualTo(seq));
        }
        assertThat(fn.scheduler().getTaskCount()).isZero();
        assertThat(fn.scheduler().getPoolSize()).as("not even its thread was started").isZero();

        // a call still running when process returns: one timeout, removed again when the call
        // completes
        CompletableFuture<String> running = new CompletableFuture<>();
        ProcessEvents slow = open(new Scripted(attempt -> running), FAST_RETRIES);
        try {
            Result result = new Result();
            slow.asyncInvoke(event(1), result);
            assertThat(slow.scheduler().getQueue()).hasSize(1);
            running.complete("late");
            assertThat(result.await().processed.result).isEqualTo("late");
            assertThat(slow.scheduler().getQueue()).isEmpty();
        } finally {
            slow.close();
        }
    }

    @Test
    void theResultIsCompletedExactlyOnceWhenTheTimeoutRacesACompletion() throws Exception {
        int runs = 1000;
        List<Result> results = new ArrayList<>();
        // the call completes about when the 1 ms total timeout fires
        fn =
                open(
                        new Scripted(
                                attempt -> {
                                    CompletableFuture<String> call = new CompletableFuture<>();
                                    background.execute(
                                            () -> {
                                                LockSupport.parkNanos(1_000_000);
                                                call.complete("raced");
                                            });
                                    return call;
                                }),
                        FAST_RETRIES.withTotalTimeout(Duration.ofMillis(1)));
        int timedOut = 0;
        for (int i = 0; i < runs; i++) {
            Result result = new Result();
            results.add(result);
            fn.asyncInvoke(event(i), result);
            if (result.await().failed != null) {
                timedOut++;
            }
        }
        awaitQuiet(fn);
        assertThat(results)
                .as("%d of %d timed out", timedOut, runs)
                .allSatisfy(r -> assertThat(r.completions.get()).isEqualTo(1));
    }

    /**
     * The race of the timeout with a success, held open: the call succeeds while the timeout is
     * being told to the listener (the lanes' circuit). Before the fix the success won the result
     * and the circuit had counted a timeout against a call that answered.
     */
    @Test
    void theListenerHearsOfATimeoutOnlyWhenTheEventTimesOut() throws Exception {
        ProcessingConfig cfg = FAST_RETRIES.withTotalTimeout(Duration.ofMillis(20));
        fn = open(new Scripted(attempt -> new CompletableFuture<>()), cfg);
        CompletableFuture<String> call = new CompletableFuture<>();
        CountDownLatch told = new CountDownLatch(1);
        CountDownLatch answered = new CountDownLatch(1);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Attempts.Listener listener =
                new Attempts.Listener() {
                    @Override
                    public void attemptFailed(Throwable error) {
                        failures.add(error);
                        told.countDown();
                        try { // the call answers while the timeout is told
                            answered.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                };
        Result result = new Result();
        new Attempts(fn, fn.scheduler(), cfg, event(1), result, listener).follow(call);
        assertThat(told.await(10, TimeUnit.SECONDS)).isTrue();
        call.complete("answered as the deadline passed");
        answered.countDown();

        ProcessOutcome o = result.await();
        awaitQuiet(fn);
        assertThat(failures)
                .singleElement()
                .isInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(o.failed).as("the outcome is the timeout the listener heard of").isNotNull();
        assertThat(o.failed.error).isEqualTo("TimeoutException: processing timed out");
        assertThat(result.completions.get()).isEqualTo(1);
    }

    @Test
    void aListenerThatThrowsOnATimeoutStillLetsTheEventTimeOut() throws Exception {
        ProcessingConfig cfg = FAST_RETRIES.withTotalTimeout(Duration.ofMillis(20));
        fn = open(new Scripted(attempt -> new CompletableFuture<>()), cfg);
        CompletableFuture<String> call = new CompletableFuture<>();
        Attempts.Listener throwing =
                new Attempts.Listener() {
                    @Override
                    public void attemptFailed(Throwable error) {
                        throw new IllegalStateException("a listener's bug");
                    }
                };
        Result result = new Result();
        new Attempts(fn, fn.scheduler(), cfg, event(1), result, throwing).follow(call);

        ProcessOutcome o = result.await();
        assertThat(o.failed.error).isEqualTo("TimeoutException: processing timed out");
        assertThat(call).as("nobody waits for the call any more").isCancelled();
        assertThat(result.completions.get()).isEqualTo(1);
    }

    @Test
    void aRuntimeExceptionThrownByTheProcessorIsAFailedCallAndRetried() throws Exception {
        Scripted processor =
                new Scripted(
                        attempt -> {
                            if (attempt == 1) {
                                throw new IllegalStateException("connection pool closed");
                            }
                            return later(() -> "second time lucky");
                        });
        Result result = invoke(processor, FAST_RETRIES, event(4));

        assertThat(result.await().processed.result).isEqualTo("second time lucky");
        assertThat(processor.attempts.get()).isEqualTo(2);
        assertThat(result.completions.get()).isEqualTo(1);
    }

    @Test
    void closingDropsQueuedRetriesAndTheTimeout() throws Exception {
        Scripted processor = new Scripted(attempt -> failed(503));
        ProcessingConfig slowRetries =
                FAST_RETRIES.withRetries(3, Duration.ofMillis(300), Duration.ofMillis(300));
        Result result = invoke(processor, slowRetries, event(5));
        assertThat(fn.scheduler().getQueue())
                .as("the first retry waits for its backoff")
                .hasSize(1);

        fn.close(); // a cancel: the in-flight event is in the checkpoint, nobody waits for
        // this result
        fn = null;
        Thread.sleep(500);
        assertThat(processor.attempts.get()).as("no retry after close").isEqualTo(1);
        assertThat(result.completions.get()).isZero();
    }

    @Test
    void theResultIsCompletedExactlyOnceWhenTheTimeoutRacesRetries() throws Exception {
        int runs = 300;
        List<Result> results = new ArrayList<>();
        // failures 1 ms apart, retried after 1 ms, until the 4 ms total timeout cuts them off
        fn =
                open(
                        new Scripted(
                                attempt -> {
                                    CompletableFuture<String> call = new CompletableFuture<>();
                                    background.execute(
                                            () -> {
                                                LockSupport.parkNanos(1_000_000);
                                                call.completeExceptionally(
                                                        ProcessingException.ofHttpStatus(
                                                                503, "HTTP 503"));
                                            });
                                    return call;
                                }),
                        ProcessingConfig.defaults()
                                .withTotalTimeout(Duration.ofMillis(4))
                                .withRetries(1000, Duration.ofMillis(1), Duration.ofMillis(1)));
        for (int i = 0; i < runs; i++) {
            Result result = new Result();
            results.add(result);
            fn.asyncInvoke(event(i), result);
            assertThat(result.await().failed).isNotNull();
        }
        awaitQuiet(fn);
        assertThat(results).allSatisfy(r -> assertThat(r.completions.get()).isEqualTo(1));
    }

    @Test
    void anErrorInARetryFailsTheTaskInsteadOfBecomingADeadLetter() throws Exception {
        Scripted processor =
                new Scripted(
                        attempt -> {
                            if (attempt == 2) {
                                throw new AssertionError("crash");
                            }
                            return failed(503);
                        });
        Result result = invoke(processor, FAST_RETRIES, event(1));
        assertThat(result.error.get(10, TimeUnit.SECONDS)).isInstanceOf(AssertionError.class);
        assertThat(result.completions.get()).isEqualTo(1);
    }

    @Test
    void theBackoffGrowsByTheMultiplierUpToTheMaximum() {
        ProcessingConfig cfg = ProcessingConfig.defaults(); // 200 ms, x2, at most 5 s
        assertThat(List.of(0, 1, 2, 3, 4, 5, 30))
                .extracting(n -> Attempts.backoffNanos(cfg, n) / 1_000_000)
                .containsExactly(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L);
    }

    private Result invoke(EventProcessor processor, ProcessingConfig cfg, Interaction event)
            throws Exception {
        fn = open(processor, cfg);
        Result result = new Result();
        fn.asyncInvoke(event, result);
        return result;
    }

    private static ProcessEvents open(EventProcessor processor, ProcessingConfig cfg)
            throws Exception {
        ProcessEvents f = new ProcessEvents(processor, Lane.LIVE).withConfig(cfg);
        f.open(DefaultOpenContext.INSTANCE);
        return f;
    }

    /**
     * Until no timeout or retry is queued or running any more: late completions would show by then.
     */
    private static void awaitQuiet(ProcessEvents f) throws InterruptedException {
        while (!f.scheduler().getQueue().isEmpty() || f.scheduler().getActiveCount() > 0) {
            Thread.sleep(5);
        }
        Thread.sleep(20);
    }

    private static Interaction event(long seq) {
        return ShedEvents.chat("c1", seq, "hello " + seq, 1000);
    }

    private static CompletableFuture<String> failed(int status) {
        return CompletableFuture.failedFuture(
                ProcessingException.ofHttpStatus(status, "HTTP " + status));
    }

    private CompletableFuture<String> later(java.util.function.Supplier<String> result) {
        return CompletableFuture.supplyAsync(result, background);
    }

    /**
     * Answers attempt n (from 1) with {@code script.apply(n)}; not shipped, so the script need not
     * serialize.
     */
    private static final class Scripted implements EventProcessor {
        private static final long serialVersionUID = 1L;
        final AtomicInteger attempts = new AtomicInteger();
        private final transient IntFunction<CompletableFuture<String>> script;

        Scripted(IntFunction<CompletableFuture<String>> script) {
            this.script = script;
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public CompletableFuture<String> process(Interaction event) {
            return script.apply(attempts.incrementAndGet());
        }
    }

    /** Counts every completion, so a second one shows. */
    private static final class Result implements ResultFuture<ProcessOutcome> {
        final AtomicInteger completions = new AtomicInteger();
        final CompletableFuture<Collection<ProcessOutcome>> outcomes = new CompletableFuture<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();

        @Override
        public void complete(Collection<ProcessOutcome> result) {
            completions.incrementAndGet();
            outcomes.complete(result);
        }

        @Override
        public void complete(CollectionSupplier<ProcessOutcome> supplier) {
            try {
                complete(supplier.get());
            } catch (Exception e) {
                completeExceptionally(e);
            }
        }

        @Override
        public void completeExceptionally(Throwable t) {
            completions.incrementAndGet();
            error.complete(t);
        }

        ProcessOutcome await() throws Exception {
            Collection<ProcessOutcome> c = outcomes.get(10, TimeUnit.SECONDS);
            assertThat(c).hasSize(1);
            return c.iterator().next();
        }
    }
}
