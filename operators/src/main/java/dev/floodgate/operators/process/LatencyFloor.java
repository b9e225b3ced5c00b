package dev.floodgate.operators.process;

/**
 * The shortest call latency a lane saw over the last one to two windows (two buckets, the older
 * forgotten when the newer one is full): a call that waited at no queue. A lane's mean latency well
 * above it says its calls wait at the service, behind each other. A service that really became
 * slower raises the floor within two windows. Task thread only.
 */
final class LatencyFloor {
    static final long WINDOW_MILLIS = 30_000;

    private final long window;
    private long newer = Long.MAX_VALUE;
    private long older = Long.MAX_VALUE;
    private long bucketStartedAt = Long.MIN_VALUE;

    LatencyFloor() {
        this(WINDOW_MILLIS);
    }

    LatencyFloor(long windowMillis) {
        this.window = windowMillis;
    }

    /** Counts a call answered in {@code latency} ms at {@code now}. */
    void observe(long latency, long now) {
        if (bucketStartedAt == Long.MIN_VALUE || now - bucketStartedAt >= window) {
            older =
                    bucketStartedAt != Long.MIN_VALUE && now - bucketStartedAt < 2 * window
                            ? newer
                            : Long.MAX_VALUE;
            newer = Long.MAX_VALUE;
            bucketStartedAt = now;
        }
        newer = Math.min(newer, latency);
    }

    /** The floor in ms; {@code Long.MAX_VALUE} before the first answer. */
    long millis() {
        return Math.min(newer, older);
    }
}
