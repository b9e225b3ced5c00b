package dev.floodgate.testkit.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.model.Channel;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One channel of {@link CapacityLimitedService}: {@code concurrency} workers ({@link
 * PriorityPermits}: one FIFO, or strict priority by {@link Urgency}) and a latency, and the
 * channel's faults: an outage (503 at once), a hang (no answer until the window ends, then the
 * connection is closed) and a fixed answer (a status at once, e.g. 401).
 */
final class ChannelCapacity {
    private final Channel channel;
    private final int concurrency;
    private final Duration latency;
    private final PriorityPermits permits;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong lowUrgencyCalls = new AtomicLong();
    private final AtomicLong highUrgencyCalls = new AtomicLong();
    private final AtomicLong lowUrgencyRefused = new AtomicLong();
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
        this(channel, concurrency, latency, Integer.MAX_VALUE);
    }

    /** {@code lowQueueLimit}: low-urgency requests waiting beyond which one is refused (429). */
    ChannelCapacity(Channel channel, int concurrency, Duration latency, int lowQueueLimit) {
        this.channel = channel;
        this.concurrency = concurrency;
        this.latency = latency;
        this.permits = new PriorityPermits(concurrency, lowQueueLimit);
    }

    /** {@link #process(boolean, Urgency)} of a normal request. */
    void process(boolean failed) throws InterruptedException {
        process(failed, Urgency.NORMAL);
    }

    /**
     * Waits for a worker (in arrival order within each {@link Urgency}, by urgency between them),
     * holds it for the latency, and counts the call. False, at once and not counted as a call, if a
     * low-urgency request is refused for the length of the low-urgency queue (answer 429).
     */
    boolean process(boolean failed, Urgency urgency) throws InterruptedException {
        boolean lowUrgency = urgency == Urgency.LOW;
        waiting.incrementAndGet();
        boolean served;
        try {
            served = permits.acquire(urgency);
        } finally {
            waiting.decrementAndGet();
        }
        if (!served) {
            lowUrgencyRefused.incrementAndGet();
            return false;
        }
        try {
            if (!latency.isZero()) {
                Thread.sleep(latency.toMillis());
            }
        } finally {
            permits.release(urgency);
        }
        calls.incrementAndGet();
        if (lowUrgency) {
            lowUrgencyCalls.incrementAndGet();
        } else if (urgency == Urgency.HIGH) {
            highUrgencyCalls.incrementAndGet();
        }
        if (failed) {
            failures.incrementAndGet();
        }
        return true;
    }

    /** Low-urgency requests served (counted in {@link #calls} too). */
    long lowUrgencyCalls() {
        return lowUrgencyCalls.get();
    }

    /** High-urgency requests served (counted in {@link #calls} too). */
    long highUrgencyCalls() {
        return highUrgencyCalls.get();
    }

    /** Low-urgency requests refused with 429 for the length of their queue. */
    long lowUrgencyRefused() {
        return lowUrgencyRefused.get();
    }

    PriorityPermits permits() {
        return permits;
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
        node.put("waiting_low_urgency", permits.waiting(Urgency.LOW));
        node.put("low_urgency_calls", lowUrgencyCalls.get());
        node.put("high_urgency_calls", highUrgencyCalls.get());
        node.put("low_urgency_refused", lowUrgencyRefused.get());
        node.put("normal_blocked_by_low", permits.blockedByLow());
        node.put("normal_blocked_by_low_ms", permits.blockedByLowMillis());
        node.put("busy", permits.busy());
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
