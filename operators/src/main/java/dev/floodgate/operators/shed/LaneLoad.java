package dev.floodgate.operators.shed;

/**
 * What admission control sees of one channel's lane on one subtask, before an event joins it: the
 * lane's raw measurements, and the wait Little's law predicts from them. The model (what demand,
 * which share, which correction) is admission's ({@link PredictiveAdmission}).
 */
public interface LaneLoad {

    /** Calls in flight plus admitted events waiting for a call slot. */
    int work();

    /** Calls in flight. */
    int inFlight();

    /** Admitted events not yet called (ready, or waiting behind their customer's earlier one). */
    int queued();

    /** Calls the lane may have in flight at once. */
    int limit();

    /**
     * The service's call latency in ms, a mean weighted by age ({@link DecayingMean}); {@code -1}
     * while unknown.
     */
    double latencyMillis();

    /**
     * The latency the second look at the queue's head ({@link Admission#lateInQueue}) expects for a
     * call, {@code urgent} or not: the mean by default; a lane whose service serves urgent calls
     * first gives, for a call that is not urgent, a high quantile of such calls' latencies, since
     * urgent calls overtake them there.
     */
    default double secondLookLatencyMillis(boolean urgent) {
        return latencyMillis();
    }

    /** How long the oldest call still out has been out at {@code now}, in ms; 0 if none is. */
    long oldestCallMillis(long now);

    /**
     * The latency admission predicts with at {@code now}: the mean, or the age of the oldest call
     * still out when that is longer. A service whose queue grows (a flood's onset, another subtask
     * taking the same slots) shows it first in the calls it has not answered: the mean, which hears
     * of a call only when it answers and forgets over seconds, lagged a 3x onset by 2 s, and what
     * admission let in meanwhile waited past the target. {@code -1} while unknown.
     */
    default double latencyMillis(long now) {
        double mean = latencyMillis();
        return mean < 0 ? mean : Math.max(mean, oldestCallMillis(now));
    }

    /**
     * Calls per second the lane completes while all its slots are busy: {@code limit / latency}
     * ({@link #latencyMillis(long)}) (Little's law; when calls queue inside a service shared with
     * other subtasks, the latency includes that queue, so this is the lane's share of the service).
     * 0 while unknown.
     */
    default double completionRate(long now) {
        double l = latencyMillis(now);
        return l <= 0 ? 0 : limit() * 1000.0 / l;
    }

    /**
     * How long an event joining now would wait until its call finishes, in ms, if it gets {@code
     * share} (0..1] of the lane's completions (the rest go to {@code high} events, served first):
     * one call, plus one completion per event ahead of it beyond the free slots. {@code -1} while
     * the latency is unknown.
     */
    default long predictedWaitMillis(double share, long now) {
        double l = latencyMillis(now);
        if (l < 0) {
            return -1;
        }
        int limit = Math.max(1, limit());
        int waves = Math.max(0, queued() + inFlight() - limit + 1);
        return (long) (l + waves * l / limit / share);
    }
}
