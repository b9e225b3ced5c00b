package dev.floodgate.operators.process;

/**
 * A delay-based {@link ConcurrencyLimit} (in the family of TCP Vegas and Netflix's Gradient
 * limits): it grows while the service answers about as fast as it does without load, and backs off
 * when answers slow down (calls queue in the service) or attempts fail. A service with {@code N}
 * workers in front of a FIFO queue answers in its service time {@code S} while at most {@code N}
 * calls are in it, and in {@code S x calls / N} beyond: so the limit settles where the latency
 * starts to rise, at the service's concurrency, and two subtasks sharing one service settle where
 * their sum is near {@code N} (each sees the queue both fill).
 *
 * <p>State (task thread only, not checkpointed: it describes the service now):
 *
 * <ul>
 *   <li>the limit, a real number between 1 and the ceiling ({@code --max-in-flight-<channel>});
 *   <li>the no-load latency: the smallest mean latency of a round over the last one to two {@code
 *       baselineWindow}s (two buckets, the older forgotten when the newer one is full), so that a
 *       service that became slower is re-learned rather than taken for queueing forever; the mean
 *       of a round rather than one answer, so that one quick answer (a fast rejection) does not
 *       make every normal answer look queued;
 *   <li>the current round: the answers to calls started since the last change of the limit (an
 *       answer to a call started before says nothing about the new limit), the failed attempts, and
 *       the most calls in flight seen.
 * </ul>
 *
 * <p>Rule, once per round of {@code limit} answers or failures: a failure in the round multiplies
 * the limit by {@value #FAILURE_BACKOFF}; a mean latency above {@code noLoad x tolerance + slack}
 * multiplies it by {@code allowed / mean}, at least 0.5 (the queue drains in about one round) and
 * ends the slow start; else the limit doubles during the slow start if the round used all of it (a
 * fast service reaches the ceiling in a few rounds), or, after it, grows by {@code sqrt(limit) / 4}
 * (at least 0.25) if the round used at least half of it (a lane with less traffic than its limit
 * learns nothing about more). The slow start resumes up to the limit of the last slow-down after
 * failures shrank it (an outage's failures say nothing of the service's concurrency once it is
 * back). The slack ({@code slackMillis x slackMillis / (slackMillis + noLoad)}: 48 ms against a 2
 * ms service, 10 ms against a 200 ms one) keeps a fast service from looking congested by the
 * client's own noise (on a loaded machine a 2 ms call's answer is read tens of ms late: in the
 * demo, chat's limit stayed at 2 with a fixed 5 ms slack); a queue of 50 ms matters to no freshness
 * target here, while against a slow service, where the queue matters, the relative tolerance
 * decides.
 */
final class AdaptiveLimit implements ConcurrencyLimit {
    static final double FAILURE_BACKOFF = 0.8;
    static final double TOLERANCE = 1.2;
    static final long SLACK_MILLIS = 50;
    static final long BASELINE_WINDOW_MILLIS = 10_000;
    static final int INITIAL = 1;

    private final int ceiling;
    private final double tolerance;
    private final long slackMillis;
    private final long baselineWindow;

    private double limit;
    private double slowStartUpTo;

    private double baselineNewer = Double.POSITIVE_INFINITY;
    private double baselineOlder = Double.POSITIVE_INFINITY;
    private long bucketStartedAt = Long.MIN_VALUE;

    private long roundStartedAt = Long.MIN_VALUE;
    private int answers;
    private long latencySum;
    private int failures;
    private int peakInFlight;

    AdaptiveLimit(int ceiling) {
        this(ceiling, INITIAL, TOLERANCE, SLACK_MILLIS, BASELINE_WINDOW_MILLIS);
    }

    AdaptiveLimit(
            int ceiling, int initial, double tolerance, long slackMillis, long baselineWindow) {
        if (ceiling < 1 || initial < 1 || tolerance < 1 || slackMillis < 0 || baselineWindow < 1) {
            throw new IllegalArgumentException("bad adaptive limit parameters");
        }
        this.ceiling = ceiling;
        this.tolerance = tolerance;
        this.slackMillis = slackMillis;
        this.baselineWindow = baselineWindow;
        this.limit = Math.min(ceiling, initial);
        this.slowStartUpTo = ceiling;
    }

    @Override
    public int limit(long nowMillis) {
        return (int) limit;
    }

    @Override
    public void answered(long latencyMillis, int inFlight, long nowMillis) {
        peakInFlight = Math.max(peakInFlight, inFlight + 1); // inFlight counts the others
        if (nowMillis - latencyMillis < roundStartedAt) {
            return; // started under an earlier limit
        }
        answers++;
        latencySum += latencyMillis;
        endRoundIfComplete(nowMillis);
    }

    @Override
    public void failed(long nowMillis) {
        failures++;
        endRoundIfComplete(nowMillis);
    }

    private void endRoundIfComplete(long now) {
        if (answers + failures < (int) limit) {
            return;
        }
        double before = limit;
        if (answers > 0) {
            double mean = (double) latencySum / answers;
            double noLoad = noLoad(mean, now);
            // the slack covers the client's own noise: all of it against a fast service, less
            // against a slow one, whose queue the relative tolerance measures
            double allowed =
                    noLoad * tolerance + slackMillis * slackMillis / (slackMillis + noLoad);
            if (mean > allowed) {
                limit *= Math.max(0.5, allowed / mean);
                slowStartUpTo = Math.max(1, limit);
            } else if (failures == 0 && limit < slowStartUpTo) {
                if (peakInFlight >= (int) limit) {
                    limit = Math.min(limit * 2, slowStartUpTo);
                }
            } else if (failures == 0 && peakInFlight * 2 >= (int) limit) {
                limit += Math.max(0.25, Math.sqrt(limit) / 4);
            }
        }
        if (failures > 0) {
            limit = Math.min(limit, before * FAILURE_BACKOFF);
        }
        limit = Math.max(1, Math.min(ceiling, limit));
        roundStartedAt = limit != before ? now : roundStartedAt;
        answers = 0;
        latencySum = 0;
        failures = 0;
        peakInFlight = 0;
    }

    /** The no-load latency, with this round's {@code mean} counted. */
    private double noLoad(double mean, long now) {
        if (bucketStartedAt == Long.MIN_VALUE || now - bucketStartedAt >= baselineWindow) {
            baselineOlder = baselineNewer;
            baselineNewer = Double.POSITIVE_INFINITY;
            bucketStartedAt = now;
        }
        baselineNewer = Math.min(baselineNewer, mean);
        return Math.min(baselineOlder, baselineNewer);
    }

    @Override
    public String toString() {
        return "adaptive(" + (int) limit + " of " + ceiling + ")";
    }

    /** {@link LimitPolicy#adaptive()}. */
    static final class Policy implements LimitPolicy {
        private static final long serialVersionUID = 1L;

        @Override
        public ConcurrencyLimit create(int ceiling) {
            return new AdaptiveLimit(ceiling);
        }

        @Override
        public String toString() {
            return "adaptive";
        }
    }
}
