package dev.floodgate.operators.process;

/**
 * A running estimate of a high quantile of call latencies, by stochastic approximation in log
 * space: a latency above the estimate raises it by {@code exp(STEP x q)}, one at or below it lowers
 * it by {@code exp(-STEP x (1 - q))}, so it settles where a share {@code 1 - q} of the latencies
 * lies above it, and follows a service whose tail moves within some tens of answers. Latencies
 * below 1 ms count as 1 ms. No estimate ({@code -1}) before the first latency, which starts it.
 * Task thread only.
 */
final class LatencyQuantile {
    static final double STEP = 0.05;

    private final double q;
    private double estimate = -1;

    LatencyQuantile(double q) {
        if (!(q > 0 && q < 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1), got " + q);
        }
        this.q = q;
    }

    void observe(long latencyMillis) {
        double x = Math.max(1, latencyMillis);
        if (estimate < 0) {
            estimate = x;
        } else {
            estimate *= Math.exp(x > estimate ? STEP * q : -STEP * (1 - q));
        }
    }

    /** The estimate in ms, {@code -1} before the first latency. */
    double millis() {
        return estimate;
    }
}
