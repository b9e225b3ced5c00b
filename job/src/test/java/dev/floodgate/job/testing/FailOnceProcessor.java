package dev.floodgate.job.testing;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.PassThroughProcessor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Pass-through processing that throws once, in the task thread, on the first event after the first
 * completed checkpoint: the injected failure of the exactly-once tests (the flink-connector-kafka
 * KafkaSinkITCase pattern). Until it has fired it runs at a steady slow pace, so the job is still
 * reading when the checkpoint completes.
 */
public final class FailOnceProcessor implements EventProcessor, CheckpointListener {
    private static final long serialVersionUID = 1L;

    private static final AtomicBoolean ARMED = new AtomicBoolean();
    public static final AtomicBoolean FIRED = new AtomicBoolean();

    /** Calls made (the failing one not counted), since {@link #reset()}. */
    public static final java.util.concurrent.atomic.AtomicLong CALLS =
            new java.util.concurrent.atomic.AtomicLong();

    private final PassThroughProcessor delegate = new PassThroughProcessor();
    private final boolean enabled;
    private final long pauseNanosUntilFired;

    private FailOnceProcessor(boolean enabled, long pauseMicrosUntilFired) {
        this.enabled = enabled;
        this.pauseNanosUntilFired = pauseMicrosUntilFired * 1000;
    }

    /** Fails once after the first completed checkpoint. */
    public static FailOnceProcessor afterFirstCheckpoint(long pauseMicrosUntilFired) {
        return new FailOnceProcessor(true, pauseMicrosUntilFired);
    }

    /** Never fails: plain pass-through. */
    public static FailOnceProcessor never() {
        return new FailOnceProcessor(false, 0);
    }

    public static void reset() {
        ARMED.set(false);
        FIRED.set(false);
        CALLS.set(0);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        if (enabled) {
            ARMED.set(true);
        }
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        if (ARMED.get() && FIRED.compareAndSet(false, true)) {
            // An Error, not an exception: a crash of the task, which a processor bug (a dead
            // letter) is not.
            throw new AssertionError("injected failure (test)");
        }
        if (enabled && !FIRED.get()) {
            LockSupport.parkNanos(pauseNanosUntilFired);
        }
        CALLS.incrementAndGet();
        return delegate.process(event);
    }
}
