package dev.floodgate.job.testing;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.process.EventProcessor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pass-through processing that answers each call after {@code delayMillis} on another thread, so
 * calls are in flight whenever a checkpoint comes: what a drain run stopped mid-way leaves behind.
 * Counts calls in {@link #CALLS}.
 */
public final class SlowProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;
    private static final ScheduledExecutorService TIMER =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "slow-processor");
                        t.setDaemon(true);
                        return t;
                    });
    public static final AtomicInteger CALLS = new AtomicInteger();

    private final long delayMillis;

    public SlowProcessor(long delayMillis) {
        this.delayMillis = delayMillis;
    }

    @Override
    public String name() {
        return "slow-" + delayMillis + "ms";
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        CALLS.incrementAndGet();
        CompletableFuture<String> f = new CompletableFuture<>();
        String content = event.body != null ? event.body : event.uri;
        TIMER.schedule(() -> f.complete(content), delayMillis, TimeUnit.MILLISECONDS);
        return f;
    }
}
