package dev.floodgate.operators.shed;

import dev.floodgate.model.Priority;

/**
 * The demand on one channel's lane of one subtask: arrivals per second per priority, counted on the
 * events' log timestamps ({@link DecayingRate}, decay window {@value #TAU_MILLIS} ms), from every
 * event that reaches admission, admitted or not.
 *
 * <p>Why arrivals and not calls started: the calls started are admission's own output. During a
 * catch-up only {@code high} was started, so a share of {@code high} averaged over calls started
 * read 100%, the floor made each queued call cost ten times its latency, and calm traffic was shed
 * for up to 100 s after a flood. What producers offer is what the lane must serve.
 *
 * <p>Why log time and not wall time: demand is what producers append per second. Reading a backlog
 * after a restart runs at the speed of the job, not of the producers: on the wall clock a catch-up
 * looks like a flood and would be shed although the producers offer less than the service serves.
 * On log time a catch-up of calm traffic reads as calm, and a real flood (read live or from a
 * backlog) reads as a flood. The clock is the largest log timestamp seen, so partitions read out of
 * step do not move it back. Live, log time and wall time differ by the read delay only, so the
 * demand compares with the service's completion rate (measured on the wall clock). Task thread
 * only.
 */
final class ChannelDemand {
    static final long TAU_MILLIS = 5_000;

    /** Decay window of {@code high}'s fast estimate ({@link #high}). */
    static final long FAST_TAU_MILLIS = 1_000;

    private final DecayingRate[] byPriority = new DecayingRate[Priority.values().length];
    private final DecayingRate highFast = new DecayingRate(FAST_TAU_MILLIS);

    ChannelDemand() {
        for (int i = 0; i < byPriority.length; i++) {
            byPriority[i] = new DecayingRate(TAU_MILLIS);
        }
    }

    void arrived(Priority priority, long logClock) {
        byPriority[priority.ordinal()].add(logClock);
        if (priority == Priority.HIGH) {
            highFast.add(logClock);
        }
    }

    /** Arrivals per second of every priority; {@code -1} while unknown. */
    double total(long logClock) {
        double sum = 0;
        for (DecayingRate r : byPriority) {
            double x = r.perSecond(logClock);
            if (x > 0) {
                sum += x;
            }
        }
        return byPriority[Priority.HIGH.ordinal()].perSecond(logClock) < 0
                        && byPriority[Priority.NORMAL.ordinal()].perSecond(logClock) < 0
                        && byPriority[Priority.LOW.ordinal()].perSecond(logClock) < 0
                ? -1
                : sum;
    }

    /**
     * Arrivals of {@code high} per second (0 while unknown): the larger of the {@value #TAU_MILLIS}
     * ms and the {@value #FAST_TAU_MILLIS} ms estimates, so a rise counts within about a second and
     * a fall after the slow window. {@code high} takes its share of the service first: a share
     * estimated from the slow window alone at a 6x onset (after 2 s a third of the way to the new
     * rate) let in normal and low events for twice the completions they got.
     */
    double high(long logClock) {
        return Math.max(
                0,
                Math.max(
                        byPriority[Priority.HIGH.ordinal()].perSecond(logClock),
                        highFast.perSecond(logClock)));
    }
}
