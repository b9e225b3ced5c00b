package dev.floodgate.operators.shed;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.ShedReason;
import javax.annotation.Nullable;

/**
 * Admission control of one subtask's processing lanes: decides, before an event joins its channel's
 * lane, whether it is processed live or its processing is shed to the durable lane. Created per
 * subtask by an {@link AdmissionPolicy} in the lane operator's {@code open()}; called by the task
 * thread only. Not checkpointed: it describes the recent traffic and re-forms after a restart.
 */
public interface Admission {

    /**
     * Decides for one event that is about to join its channel's lane.
     *
     * @param nowMillis the operator's processing time
     * @param lane the load of the event's channel lane on this subtask, before this event
     * @return {@code null} to admit the event, or why its processing is shed
     */
    @Nullable
    ShedReason decide(Interaction event, long nowMillis, LaneLoad lane);

    /**
     * The wait (ms) the last {@link #decide} predicted for its event, corrected; {@code -1} if it
     * predicted none. Read right after {@code decide}: shed details, and {@link #processed}.
     */
    default long lastPredictedWaitMillis() {
        return -1;
    }

    /**
     * The service answered an admitted event at {@code nowMillis}: it was admitted at {@code
     * admittedAtMillis} with {@code predictedWaitMillis} ({@link #lastPredictedWaitMillis()} then).
     * What admission learns from the waits that really happened (the closed loop).
     */
    default void processed(
            Interaction event, long nowMillis, long admittedAtMillis, long predictedWaitMillis) {}

    /**
     * An admitted, sheddable event is about to be called at {@code nowMillis}: whether it is shed
     * instead, because its result would come later than its target while the service is the
     * bottleneck (its call would take a slot from a fresher event). It was admitted at {@code
     * admittedAtMillis} with {@code predictedWaitMillis}; its call is {@code urgent} when a {@code
     * high} event of its customer waits behind it. By default never.
     */
    default boolean lateInQueue(
            Interaction event,
            long nowMillis,
            long admittedAtMillis,
            long predictedWaitMillis,
            boolean urgent,
            LaneLoad lane) {
        return false;
    }

    /** Admits everything (the backfill job's setting, and tests of the lanes). */
    static Admission admitAll() {
        return (event, nowMillis, lane) -> null;
    }
}
