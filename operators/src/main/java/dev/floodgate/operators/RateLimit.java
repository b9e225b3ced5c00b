package dev.floodgate.operators;

import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Passes records on at most {@code eventsPerSecond} across all subtasks (each takes its share).
 * Waiting blocks the task, so the limit turns into backpressure on the source: a backfill reads the
 * log no faster than it may process, and leaves the processing service's capacity to the live job.
 * No state, no timers.
 */
public class RateLimit<T> extends RichMapFunction<T, T> {
    private static final long serialVersionUID = 1L;

    private final double eventsPerSecond;
    private transient long nanosPerEvent;
    private transient long nextSlot;

    public RateLimit(double eventsPerSecond) {
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException(
                    "eventsPerSecond must be above 0, was " + eventsPerSecond);
        }
        this.eventsPerSecond = eventsPerSecond;
    }

    @Override
    public void open(OpenContext openContext) {
        int subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        nanosPerEvent = (long) (1e9 * subtasks / eventsPerSecond);
        nextSlot = System.nanoTime();
    }

    @Override
    public T map(T value) {
        long now = System.nanoTime();
        // No credit for idle time beyond one second: a burst after a pause stays bounded.
        nextSlot = Math.max(nextSlot, now - 1_000_000_000L) + nanosPerEvent;
        if (nextSlot > now) {
            LockSupport.parkNanos(nextSlot - now);
        }
        return value;
    }
}
