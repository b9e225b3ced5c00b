package dev.floodgate.job.testing;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.PassThroughProcessor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Pass-through processing, slowed to a steady pace, that throws once when the test arms it: the injected
 * failure of the exactly-once tests. The throw happens in the task thread, so the whole job fails over.
 */
public final class FailOnceProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;

    /** Armed by the test (for instance after the first completed checkpoint); the next event fails the task. */
    public static final AtomicBoolean ARMED = new AtomicBoolean();
    public static final AtomicBoolean FIRED = new AtomicBoolean();

    private final PassThroughProcessor delegate = new PassThroughProcessor();
    private final long pauseNanosPerEvent;

    public FailOnceProcessor(long pauseMicrosPerEvent) {
        this.pauseNanosPerEvent = pauseMicrosPerEvent * 1000;
    }

    public static void reset() {
        ARMED.set(false);
        FIRED.set(false);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        if (ARMED.compareAndSet(true, false)) {
            FIRED.set(true);
            throw new IllegalStateException("injected failure (test)");
        }
        if (pauseNanosPerEvent > 0) {
            LockSupport.parkNanos(pauseNanosPerEvent);
        }
        return delegate.process(event);
    }
}
