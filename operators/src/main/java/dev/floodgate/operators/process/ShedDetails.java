package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.Admission;

/**
 * The details {@link ProcessInLanes} writes on the events it sheds on arrival or in a queue (the
 * {@code detail} of a {@link dev.floodgate.model.ShedEvent}, read by people; tests tell a late shed
 * by its start). No state: pure functions, called on the task thread.
 */
final class ShedDetails {
    private ShedDetails() {}

    /** Shed on arrival while its lane's circuit is open. */
    static String circuitOpen(ChannelLane lane) {
        return "circuit open until " + lane.circuit.openUntil();
    }

    /** Shed on arrival: its customer has {@code maxQueuedPerCustomer} events in the lane. */
    static String customerBacklog(int maxQueuedPerCustomer) {
        return "the customer has " + maxQueuedPerCustomer + " events in the lane already";
    }

    /** Shed on arrival ({@link Admission#decide}): the age and the predicted wait, or none. */
    static String decided(ShedReason reason, Interaction e, long now, Admission admission) {
        return reason == ShedReason.PREDICTED_WAIT
                ? "age "
                        + e.ageAt(now)
                        + " ms, predicted wait "
                        + admission.lastPredictedWaitMillis()
                        + " ms"
                : null;
    }

    /** Shed when its turn came ({@link Admission#lateInQueue}): its ages and what was predicted. */
    static String late(Pending p, long now) {
        return "late in the queue: age "
                + p.event.ageAt(now)
                + " ms, admitted at age "
                + p.event.ageAt(p.admittedAt)
                + " ms with a predicted wait of "
                + p.predictedWait
                + " ms";
    }
}
