package dev.floodgate.operators.process;

import java.util.Arrays;

/**
 * A quantile of the last {@link #WINDOW} call latencies: it follows a service whose tail moves,
 * both ways, within that many answers (a burst of urgent calls ends, and after as many answers its
 * overtaken calls no longer count). Computed when asked after a new latency (a sort of {@link
 * #WINDOW} numbers), at most once per latency. No estimate ({@code -1}) before the first latency.
 * Task thread only.
 */
final class LatencyQuantile {
    static final int WINDOW = 128;

    private final double q;
    private final long[] window = new long[WINDOW];
    private final long[] sorted = new long[WINDOW];
    private int size;
    private int next;
    private double estimate = -1;
    private boolean stale;

    LatencyQuantile(double q) {
        if (!(q > 0 && q < 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1), got " + q);
        }
        this.q = q;
    }

    void observe(long latencyMillis) {
        window[next] = Math.max(0, latencyMillis);
        next = (next + 1) % WINDOW;
        size = Math.min(size + 1, WINDOW);
        stale = true;
    }

    /** The quantile in ms of the latencies in the window, {@code -1} before the first. */
    double millis() {
        if (stale) {
            System.arraycopy(window, 0, sorted, 0, size);
            Arrays.sort(sorted, 0, size);
            estimate = sorted[Math.min(size - 1, (int) Math.ceil(q * size) - 1)];
            stale = false;
        }
        return estimate;
    }
}
