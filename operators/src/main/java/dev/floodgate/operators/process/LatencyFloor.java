package dev.floodgate.operators.process;

import dev.floodgate.operators.shed.WindowedPeak;

/**
 * The shortest call latency a lane saw over the last one to two windows ({@link WindowedPeak} of
 * the latencies negated): a call that waited at no queue. A lane's mean latency well above it says
 * its calls wait at the service, behind each other. A service that really became slower raises the
 * floor within two windows. Task thread only.
 */
final class LatencyFloor {
    static final long WINDOW_MILLIS = 30_000;

    private final WindowedPeak negated;

    LatencyFloor() {
        this(WINDOW_MILLIS);
    }

    LatencyFloor(long windowMillis) {
        this.negated = new WindowedPeak(windowMillis);
    }

    /** Counts a call answered in {@code latency} ms at {@code now}. */
    void observe(long latency, long now) {
        negated.observe(-latency, now);
    }

    /** The floor in ms; {@code Long.MAX_VALUE} before the first answer. */
    long millis() {
        double peak = negated.peak();
        return peak == Double.NEGATIVE_INFINITY ? Long.MAX_VALUE : (long) -peak;
    }
}
