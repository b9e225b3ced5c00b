package dev.floodgate.operators.shed;

/**
 * The largest value observed over the last one to two windows: two buckets, the older forgotten
 * when the newer one is full, so a value counts for at least one window and at most two, and a
 * silence of two windows forgets everything. Task thread only.
 */
public final class WindowedPeak {
    private final long window;
    private double newer = Double.NEGATIVE_INFINITY;
    private double older = Double.NEGATIVE_INFINITY;
    private long bucketStartedAt = Long.MIN_VALUE;

    public WindowedPeak(long windowMillis) {
        this.window = windowMillis;
    }

    /** Counts {@code value}, observed at {@code now}, and returns the peak with it. */
    public double observe(double value, long now) {
        if (bucketStartedAt == Long.MIN_VALUE || now - bucketStartedAt >= window) {
            older =
                    bucketStartedAt != Long.MIN_VALUE && now - bucketStartedAt < 2 * window
                            ? newer
                            : Double.NEGATIVE_INFINITY;
            newer = Double.NEGATIVE_INFINITY;
            bucketStartedAt = now;
        }
        newer = Math.max(newer, value);
        return peak();
    }

    /** The peak; {@link Double#NEGATIVE_INFINITY} before the first value. */
    public double peak() {
        return Math.max(newer, older);
    }
}
