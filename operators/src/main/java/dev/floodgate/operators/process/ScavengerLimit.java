package dev.floodgate.operators.process;

import java.time.Duration;

/**
 * A "lower than best effort" limit for the backfill (LEDBAT, RFC 6817; TCP Vegas): the drain and
 * the replay take only the service's spare capacity. The live job's calls and the backfill's wait
 * in the same queue at the shared service, so a queue that live traffic builds shows in the
 * backfill's own latencies: while they stay near the service's base latency (the service has idle
 * workers) the limit grows by at most one call per round; when the queueing delay (latency minus
 * base) exceeds the target, it halves, at most once per round (a round: the latency just seen, so
 * calls started before a decrease do not count against it twice). Below one call it pauses (0): one
 * probe call is let through after {@code probeMin}, and each probe that still sees a queue doubles
 * the pause, up to {@code probeMax}, so a paused backfill takes at most one call per {@code
 * probeMax}; a probe near the base latency resumes at one call and grows again.
 *
 * <p>The base is the lowest latency seen in the last {@code BASE_BUCKETS} windows of {@code
 * baseWindow / BASE_BUCKETS} (LEDBAT's base-delay history): it follows a service that got slower
 * for good after {@code baseWindow}, but a flood shorter than that cannot pass for the base. A
 * failed attempt (timeout, 5xx, refused) counts as congestion; a "not now" answer (429: a service
 * that serves by priority and refuses low-urgency calls when they queue) halves at most once per
 * round and honours its Retry-After ({@link #congested(long, long)}). State: the limit, the base
 * history, the pause; task thread only, not checkpointed (it re-forms in a few rounds after a
 * restart).
 */
public final class ScavengerLimit implements ConcurrencyLimit {
    static final int BASE_BUCKETS = 10;

    /** A queueing delay below this (ms) is noise (scheduling, the network), never congestion. */
    static final long MIN_TARGET_MILLIS = 10;

    private final int ceiling;
    private final double targetFraction;
    private final long probeMin;
    private final long probeMax;
    private final long bucketMillis;
    private final long[] bucketMin = new long[BASE_BUCKETS];
    private final long[] bucketStart = new long[BASE_BUCKETS];

    private double limit = 1;
    private long roundEnd = Long.MIN_VALUE;
    private long roundMin = Long.MAX_VALUE;
    private boolean paused;
    private long probeAt;
    private long probeInterval;

    /** Until when a 429 belongs to the loss already counted ({@link #congested(long, long)}). */
    private long lossRoundEnd = Long.MIN_VALUE;

    /** The latency last answered: the length of a round. */
    private long lastLatency;

    public ScavengerLimit(
            int ceiling,
            double targetFraction,
            Duration probeMin,
            Duration probeMax,
            Duration baseWindow) {
        this.ceiling = ceiling;
        this.targetFraction = targetFraction;
        this.probeMin = probeMin.toMillis();
        this.probeMax = Math.max(this.probeMin, probeMax.toMillis());
        this.bucketMillis = Math.max(1, baseWindow.toMillis() / BASE_BUCKETS);
        this.probeInterval = this.probeMin;
        java.util.Arrays.fill(bucketStart, Long.MIN_VALUE);
    }

    @Override
    public int limit(long nowMillis) {
        if (paused) {
            return nowMillis >= probeAt ? 1 : 0;
        }
        return (int) Math.min(ceiling, Math.max(1, Math.floor(limit)));
    }

    @Override
    public void answered(long latencyMillis, int inFlight, long nowMillis) {
        lastLatency = latencyMillis;
        long base = observeBase(latencyMillis, nowMillis);
        roundMin = Math.min(roundMin, latencyMillis);
        if (!paused && nowMillis < roundEnd) {
            return;
        }
        // a round ends: its fastest call tells whether a queue stood all round (live fills the
        // service) or only came and went (bursts of arrivals, which leave spare capacity)
        long queueing = roundMin - base;
        double target = Math.max(MIN_TARGET_MILLIS, targetFraction * base);
        // the next round: until the calls started after this decision have answered
        roundEnd = nowMillis + Math.max(MIN_TARGET_MILLIS, latencyMillis);
        roundMin = Long.MAX_VALUE;
        if (paused) {
            if (queueing > target) {
                congested(nowMillis);
            } else {
                paused = false;
                probeInterval = probeMin;
                limit = 1;
            }
            return;
        }
        // LEDBAT's controller, once per round: +1 call at no queue, 0 at the target, -1 at twice
        // the target, and so on, but at most half the calls per round
        double offTarget = (target - queueing) / target;
        limit = Math.min(ceiling, limit + Math.max(offTarget, -limit / 2));
        if (limit < 1) {
            pause(nowMillis);
        }
    }

    @Override
    public void failed(long nowMillis) {
        congested(nowMillis);
    }

    /**
     * The service said "not now" (429, or 503 with Retry-After): a loss, as in TCP. It halves the
     * limit at most once per round (the calls of one window that all hear 429 are one loss event,
     * as for TCP's fast recovery, not a halving each), pausing below one call; a Retry-After pauses
     * the limit until then (at most {@code probeMax}): the service asked for that time. A paused
     * limit's probe that hears it waits twice as long for the next one.
     */
    @Override
    public void congested(long nowMillis, long retryAfterMillis) {
        if (paused) {
            congested(nowMillis);
        } else if (nowMillis >= lossRoundEnd) {
            lossRoundEnd = nowMillis + Math.max(MIN_TARGET_MILLIS, lastLatency);
            congested(nowMillis);
        }
        if (retryAfterMillis > 0) {
            if (!paused) {
                pause(nowMillis);
            }
            probeAt = Math.max(probeAt, nowMillis + Math.min(retryAfterMillis, probeMax));
        }
    }

    private void congested(long now) {
        if (paused) {
            if (now < probeAt) {
                return; // a call started before the pause: no probe's answer
            }
            // a probe that still sees a queue: wait longer before the next one
            probeInterval = Math.min(probeMax, probeInterval * 2);
            probeAt = now + probeInterval;
            return;
        }
        limit /= 2;
        if (limit < 1) {
            pause(now);
        }
    }

    private void pause(long now) {
        paused = true;
        probeInterval = probeMin;
        probeAt = now + probeInterval;
        limit = 1;
    }

    @Override
    public long resumeAt(long nowMillis) {
        return paused ? Math.max(nowMillis, probeAt) : nowMillis + MIN_TARGET_MILLIS;
    }

    /** Records {@code latency} in the base history; the base: the lowest in the window. */
    private long observeBase(long latency, long now) {
        long bucket = Math.floorDiv(now, bucketMillis);
        int i = (int) Math.floorMod(bucket, (long) BASE_BUCKETS);
        if (bucketStart[i] != bucket) {
            bucketStart[i] = bucket;
            bucketMin[i] = latency;
        } else {
            bucketMin[i] = Math.min(bucketMin[i], latency);
        }
        long base = latency;
        for (int b = 0; b < BASE_BUCKETS; b++) {
            if (bucketStart[b] != Long.MIN_VALUE && bucket - bucketStart[b] < BASE_BUCKETS) {
                base = Math.min(base, bucketMin[b]);
            }
        }
        return base;
    }

    /** Whether the limit is paused now (0 calls except probes). */
    public boolean paused() {
        return paused;
    }

    @Override
    public String toString() {
        return paused ? "scavenger(paused)" : "scavenger(" + limit(0) + "/" + ceiling + ")";
    }

    /** {@link LimitPolicy} of {@link ScavengerLimit}s with the same settings. */
    public record Policy(
            double targetFraction, Duration probeMin, Duration probeMax, Duration baseWindow)
            implements LimitPolicy {
        private static final long serialVersionUID = 1L;

        @Override
        public ConcurrencyLimit create(int ceiling) {
            return new ScavengerLimit(ceiling, targetFraction, probeMin, probeMax, baseWindow);
        }

        @Override
        public String toString() {
            return "scavenger(target " + targetFraction + " x base, probes up to " + probeMax + ")";
        }
    }
}
