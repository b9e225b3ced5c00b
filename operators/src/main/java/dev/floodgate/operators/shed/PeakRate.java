package dev.floodgate.operators.shed;

/**
 * The largest completion rate a lane showed over the last one to two windows ({@link
 * WindowedPeak}): what the service has proven it can take, as opposed to what it completes this
 * moment. A backlog read after a restart meets a lane whose limit and latency are still those of
 * the restart (limits back at 1, answers slowed by the same TaskManager's catch-up); judged by that
 * moment, a service that served 340 calls/s a minute before looked like the bottleneck of 170
 * events/s, and already late events were shed (a TaskManager kill with a service answering at
 * once). A service that really became slower stops setting the peak within two windows. Task thread
 * only.
 */
final class PeakRate {
    static final long WINDOW_MILLIS = 30_000;

    private final WindowedPeak peak;

    PeakRate() {
        this(WINDOW_MILLIS);
    }

    PeakRate(long windowMillis) {
        this.peak = new WindowedPeak(windowMillis);
    }

    /** Counts {@code rate} (per second, measured at {@code now}) and returns the peak with it. */
    double observe(double rate, long now) {
        return peak.observe(rate, now);
    }
}
