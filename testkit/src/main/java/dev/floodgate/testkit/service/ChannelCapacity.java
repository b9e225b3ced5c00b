package dev.floodgate.testkit.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.model.Channel;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One channel of {@link CapacityLimitedService}: a fair semaphore of {@code concurrency} permits
 * and a latency.
 */
final class ChannelCapacity {
    private final Channel channel;
    private final int concurrency;
    private final Duration latency;
    private final Semaphore permits;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile long downUntilNanos = System.nanoTime();

    ChannelCapacity(Channel channel, int concurrency, Duration latency) {
        this.channel = channel;
        this.concurrency = concurrency;
        this.latency = latency;
        this.permits = new Semaphore(concurrency, true);
    }

    /**
     * Waits for a permit (queueing, in arrival order), holds it for the latency, and counts the
     * call.
     */
    void process(boolean failed) throws InterruptedException {
        waiting.incrementAndGet();
        permits.acquire();
        waiting.decrementAndGet();
        try {
            if (!latency.isZero()) {
                Thread.sleep(latency.toMillis());
            }
        } finally {
            permits.release();
        }
        calls.incrementAndGet();
        if (failed) {
            failures.incrementAndGet();
        }
    }

    void downFor(Duration d) {
        downUntilNanos = System.nanoTime() + d.toNanos();
    }

    long downUntilNanos() {
        return downUntilNanos;
    }

    void refused() {
        refused.incrementAndGet();
    }

    Channel channel() {
        return channel;
    }

    long calls() {
        return calls.get();
    }

    long failures() {
        return failures.get();
    }

    void writeTo(ObjectNode node) {
        node.put("calls", calls.get());
        node.put("failures", failures.get());
        node.put("refused_in_outage", refused.get());
        node.put("waiting", waiting.get());
        node.put("busy", concurrency - permits.availablePermits());
        node.put("concurrency", concurrency);
        node.put("latency_ms", latency.toMillis());
    }

    @Override
    public String toString() {
        return channel.wireName()
                + "{concurrency="
                + concurrency
                + ", latency="
                + latency.toMillis()
                + "ms}";
    }
}
