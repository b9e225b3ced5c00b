package dev.floodgate.testkit.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.model.Channel;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One channel of {@link CapacityLimitedService}: a fair semaphore of {@code concurrency} permits
 * and a latency, and the channel's faults: an outage (503 at once), a hang (no answer until the
 * window ends, then the connection is closed) and a fixed answer (a status at once, e.g. 401).
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
    private final AtomicLong hung = new AtomicLong();
    private final AtomicInteger hanging = new AtomicInteger();
    private final AtomicInteger maxHanging = new AtomicInteger();
    private final Map<Integer, AtomicLong> answeredWithStatus = new ConcurrentHashMap<>();
    private volatile long downUntilNanos = System.nanoTime();
    private volatile long hangUntilNanos = System.nanoTime();
    private volatile long answerUntilNanos = System.nanoTime();
    private volatile int answerStatus;

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

    void hangFor(Duration d) {
        hangUntilNanos = System.nanoTime() + d.toNanos();
    }

    boolean hangs(long now) {
        return now - hangUntilNanos < 0;
    }

    /**
     * Holds the calling request's thread until the hang window ends (also when it is extended
     * meanwhile); counts it as hung.
     */
    void holdWhileHanging() throws InterruptedException {
        hung.incrementAndGet();
        int now = hanging.incrementAndGet();
        maxHanging.accumulateAndGet(now, Math::max);
        try {
            long left;
            while ((left = hangUntilNanos - System.nanoTime()) > 0) {
                Thread.sleep(Math.max(1, left / 1_000_000));
            }
        } finally {
            hanging.decrementAndGet();
        }
    }

    void answerFor(int status, Duration d) {
        answerStatus = status;
        answerUntilNanos = System.nanoTime() + d.toNanos();
    }

    /** The status requests are answered with now, or 0 when no answer fault is on. */
    int answersNow(long now) {
        return now - answerUntilNanos < 0 ? answerStatus : 0;
    }

    void answered(int status) {
        answeredWithStatus.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
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

    long refusedInOutage() {
        return refused.get();
    }

    long hung() {
        return hung.get();
    }

    int hangingNow() {
        return hanging.get();
    }

    int maxHanging() {
        return maxHanging.get();
    }

    long answeredWith(int status) {
        AtomicLong n = answeredWithStatus.get(status);
        return n == null ? 0 : n.get();
    }

    void writeTo(ObjectNode node) {
        node.put("calls", calls.get());
        node.put("failures", failures.get());
        node.put("refused_in_outage", refused.get());
        node.put("hung", hung.get());
        node.put("hanging", hanging.get());
        node.put("max_hanging", maxHanging.get());
        ObjectNode answered = node.putObject("answered_with_status");
        new TreeMap<>(answeredWithStatus)
                .forEach((status, n) -> answered.put(Integer.toString(status), n.get()));
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
