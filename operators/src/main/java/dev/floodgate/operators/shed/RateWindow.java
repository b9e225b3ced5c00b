package dev.floodgate.operators.shed;

/**
 * One customer's rate: a count of events in the current fixed window and until when the customer counts as hot.
 * Three numbers per recently active customer, kept by {@link HotKeyRates}.
 */
public class RateWindow {
    public long windowStart;
    public long count;
    public long hotUntil;

    public RateWindow() {}

    /**
     * Counts one event at {@code now} and returns whether the customer is hot: above the limit in the current
     * window, or in the window after one where it was. A continuous flooder therefore stays hot without gaps.
     */
    public boolean record(long now, HotKeyPolicy policy) {
        long window = policy.windowMillis();
        if (now - windowStart >= window || now < windowStart) {
            windowStart = now;
            count = 0;
        }
        count++;
        if (count > policy.limitPerWindow()) {
            hotUntil = Math.max(hotUntil, windowStart + 2 * window);
        }
        return now < hotUntil;
    }

    /** Observed rate of the current window in events per second, for reports. */
    public double ratePerSecond(long now) {
        long elapsed = Math.max(1000L, now - windowStart);
        return count * 1000.0 / elapsed;
    }
}
