package dev.floodgate.operators.shed;

/**
 * A mean of samples (call latencies) weighted by their age in wall time: a sample {@code d} ms old
 * weighs {@code exp(-d / tau)}, so the estimate follows a service that slows or recovers within
 * about {@code tau}, however many calls it serves, where a per-sample average would take a fixed
 * number of calls (minutes at a few calls per second).
 *
 * <p>Not poisoned by a cold sample: the first sample after the estimate has emptied (at the start,
 * or after {@code ~3 tau} without samples) is left out: it is the one that pays for connection
 * set-up, a cold JIT or a scaled-to-zero service, and it made the old estimate (which started from
 * it) predict waits ten times too long for the first seconds of a run. The mean is unknown ({@code
 * -1}) until the samples weigh {@value #MIN_WEIGHT}. Not thread safe; the mean is published through
 * a volatile for gauges.
 */
public final class DecayingMean {
    static final double MIN_WEIGHT = 3;

    private final double tauMillis;
    private long last = Long.MIN_VALUE;
    private double sum;
    private double weight;
    private boolean coldSkipped;
    private volatile double mean = -1;

    public DecayingMean(long tauMillis) {
        this.tauMillis = tauMillis;
    }

    /** A sample {@code value} taken at {@code now}. */
    public void add(long now, double value) {
        if (last != Long.MIN_VALUE && now > last) {
            double decay = Math.exp(-(now - last) / tauMillis);
            sum *= decay;
            weight *= decay;
        }
        last = Math.max(last, now);
        if (weight < 0.5 && !coldSkipped) {
            coldSkipped = true; // the estimate is empty: this is a cold sample
            sum = 0;
            weight = 0;
            mean = -1;
            return;
        }
        coldSkipped = false;
        sum += value;
        weight += 1;
        mean = weight >= MIN_WEIGHT ? sum / weight : -1;
    }

    /** The weighted mean, {@code -1} while unknown. */
    public double mean() {
        return mean;
    }
}
