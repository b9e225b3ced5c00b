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
 * [}{@value #MIN}{@code , }{@value #MAX}{@code ]}. Task thread only; read by a gauge.
 */
final class WaitCorrection {
    static final double QUANTILE = 0.99;

    /** The share of the target the admitted events' p99 age is steered to. */
    static final double AIM = 0.9;

    static final double STEP = 0.05;
    static final double MIN = 0.5;
    static final double MAX = 10;

    private volatile double factor = 1;

    double factor() {
        return factor;
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
