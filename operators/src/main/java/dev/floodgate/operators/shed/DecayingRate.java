package dev.floodgate.operators.shed;

/**
 * A rate of events per second, exponentially decayed by elapsed time (not per event): an event
 * {@code d} ms old weighs {@code exp(-d / tau)}, so the estimate forgets at the same pace whether 1
 * or 1,000 events a second arrive, and an idle stream's rate decays to zero instead of freezing at
 * its last value (a per-sample mean would). Events are counted in ticks of {@value #TICK_MILLIS} ms
 * and the decay is applied once per tick, so an event costs a compare and an increment.
 *
 * <p>Until a clock has run for the decay window {@code tau} only {@code tau (1 - exp(-span / tau))}
 * of it holds events, and the rate is divided by that, so a young estimate is not biased low;
 * before {@value #MIN_SPAN_MILLIS} ms of clock it is unknown ({@code -1}). The clock is the
 * caller's (log time for demand: see {@link ChannelDemand}); it must not go back. Not thread safe.
 */
public final class DecayingRate {
    static final long TICK_MILLIS = 100;
    static final long MIN_SPAN_MILLIS = 1_000;

    private final double tauMillis;
    private long first = Long.MIN_VALUE;
    private long tickStart;
    private double weight; // decayed count of the events before tickStart, as of tickStart
    private int inTick;

    public DecayingRate(long tauMillis) {
        this.tauMillis = tauMillis;
    }

    /** One event at {@code now}. */
    public void add(long now) {
        if (first == Long.MIN_VALUE) {
            first = now;
            tickStart = now;
        } else if (now - tickStart >= TICK_MILLIS) {
            weight = decayedAt(now);
            inTick = 0;
            tickStart = now;
        }
        inTick++;
    }

    private double decayedAt(long now) {
        return (weight + inTick) * Math.exp(-Math.max(0, now - tickStart) / tauMillis);
    }

    /** Events per second around {@code now}; {@code -1} before {@value #MIN_SPAN_MILLIS} ms. */
    public double perSecond(long now) {
        if (first == Long.MIN_VALUE || now - first < MIN_SPAN_MILLIS) {
            return -1;
        }
        double filled = tauMillis * (1 - Math.exp(-(now - first) / tauMillis));
        return decayedAt(now) * 1000.0 / filled;
    }
}
