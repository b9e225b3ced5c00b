package dev.floodgate.operators.shed;

/**
 * The closed loop of one channel's admission: a factor on the predicted wait, learned from the ages
 * the admitted sheddable events really had when their results came. The prediction is a model
 * (Little's law on the lane); what it misses, it misses systematically: two subtasks whose calls
 * share one service queue, calls queued inside the service where {@code high} cannot go first, the
 * read delay before admission, the variance of {@code high} arrivals. Open loop, those misses put
 * 55% of the admitted normal and low voice events over the target.
 *
 * <p>The factor tracks the {@value #QUANTILE} quantile (stochastic approximation): a result later
 * than {@value #AIM} of the target raises it by {@code exp(STEP x 0.99)}, a result in time lowers
 * it by {@code exp(-STEP x 0.01)}, so it settles where 1% of the results are later than that, i.e.
 * where the admitted events' p99 age is {@value #AIM} of the target. The margin is for the loop's
 * own swing: its signal comes a wait after the decision, and aimed at the target itself the p99
 * swung to 1.2 times it (demo, 3x flood, quiet machine: 2.43 s against a 2 s target, windows of 10
 * s up to 2.84 s). Only informative results count: events fresh when admitted (younger than the
 * target: a late one says nothing of the queue) that were admitted with a predicted wait of at
 * least a quarter of the target (near the shedding boundary). Results in calm traffic, far from it,
 * would only drive the factor to its floor, to be relearnt in the next flood. Bounded to {@code
 * [}{@value #MIN}{@code , }{@value #MAX}{@code ]}.
 *
 * <p>The factor describes a flood: the share {@code high} takes first, the service's own queue.
 * Once the service is no longer the bottleneck (the demand below its rate, nothing queued: {@link
 * #relax}) it returns towards 1 with a half-life of {@value #RELAX_HALF_LIFE_MILLIS} ms, as at a
 * start. Kept after a flood, it multiplied the calm's short queues past the target: beside a drain,
 * whose calls slow the live ones, the simulated voice lane shed calm live events ({@code
 * AdmissionSimulationTest}). Task thread only.
 */
final class WaitCorrection {
    static final double QUANTILE = 0.99;

    /** The share of the target the admitted events' p99 age is steered to. */
    static final double AIM = 0.9;

    static final double STEP = 0.05;
    static final double MIN = 0.5;
    static final double MAX = 10;

    /** How fast the factor returns towards 1 while the service is not the bottleneck. */
    static final long RELAX_HALF_LIFE_MILLIS = 30_000;

    private volatile double factor = 1;
    private long relaxedAt = Long.MIN_VALUE;

    double factor() {
        return factor;
    }

    /**
     * At {@code now} (wall clock), whether the channel is {@code calm} (the service is not the
     * bottleneck): while it is, the factor moves towards 1 by the time since the last call.
     */
    void relax(boolean calm, long now) {
        long since = relaxedAt == Long.MIN_VALUE ? 0 : now - relaxedAt;
        relaxedAt = now;
        if (calm && since > 0 && factor != 1) {
            factor = 1 + (factor - 1) * Math.pow(0.5, (double) since / RELAX_HALF_LIFE_MILLIS);
        }
    }

    /**
     * A sheddable event admitted at age {@code ageAtAdmission} with {@code predictedWait} (the
     * corrected prediction, {@code -1}: none) got its result at age {@code age}.
     */
    void processed(long ageAtAdmission, long predictedWait, long age, long target) {
        if (ageAtAdmission >= target || predictedWait < target / 4 || target <= 0) {
            return;
        }
        double step = age > AIM * target ? STEP * QUANTILE : -STEP * (1 - QUANTILE);
        factor = Math.max(MIN, Math.min(MAX, factor * Math.exp(step)));
    }
}
