package dev.floodgate.operators.shed;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.ShedReason;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Predictive admission ({@link ShedPolicy}'s {@link Admission}): decides per event, before it joins
 * its lane, from what the lane can serve, instead of switching on an age measured after the queue
 * (a reactive switch on a delayed signal made a limit cycle: on/off 8 times in the demo's flood).
 *
 * <ol>
 *   <li>{@code high} is always admitted.
 *   <li>Predicted wait: an event of a sheddable priority is shed ({@code predicted_wait}) when its
 *       age now plus the lane's predicted wait ({@link LaneLoad#predictedWaitMillis}: the work
 *       queued ahead over the measured completion rate, Little's law) exceeds the channel's target.
 *       At steady overload the lane's queue settles at about {@code target x rate}: the service
 *       stays busy and the shed fraction converges to {@code (arrivals - capacity) / arrivals},
 *       without cycling.
 *   <li>Hot key: a customer above the {@link HotKeyPolicy} rate, counted on the events' log
 *       timestamps (so reading a backlog fast is not a hot key), has its sheddable events shed
 *       ({@code hot_key}), counted in {@code hotKeySheds} and logged, rate limited, by name.
 * </ol>
 *
 * <p>State: operator-local, not checkpointed (hot-key rates and report, the log clock: the largest
 * log timestamp seen); they re-form from the first events after a restart. Task thread only.
 */
final class PredictiveAdmission implements Admission {
    private final ShedPolicy policy;
    private final HotKeyRates rates;
    private final HotKeyReporter hotKeys;
    private final Counter hotKeySheds;
    private long logClock = Long.MIN_VALUE;

    PredictiveAdmission(ShedPolicy policy, MetricGroup group) {
        this.policy = policy;
        this.rates = policy.hotKey().enabled() ? new HotKeyRates(policy.hotKey()) : null;
        this.hotKeys = new HotKeyReporter(policy.hotKey());
        this.hotKeySheds = group.counter("hotKeySheds");
        group.gauge("hotKeys", hotKeys::currentHotKeys);
    }

    @Override
    public ShedReason decide(Interaction event, long nowMillis, LaneLoad lane) {
        int slot = -1;
        if (rates != null) {
            logClock = Math.max(logClock, event.logTimestamp);
            slot = rates.record(event.customerId, logClock);
        }
        ChannelPolicy channel = policy.channel(event.channel);
        if (channel.mayShed(event.priority)) {
            long wait = Math.max(0, lane.predictedWaitMillis(false));
            if (event.ageAt(nowMillis) + wait > channel.targetMillis()) {
                return ShedReason.PREDICTED_WAIT;
            }
        }
        if (slot >= 0 && policy.hotKey().mayShed(event.priority)) {
            long hotUntil = rates.hotUntil(slot);
            if (logClock < hotUntil) {
                hotKeySheds.inc();
                hotKeys.shed(
                        event.customerId, logClock, hotUntil, rates.ratePerSecond(slot, logClock));
                return ShedReason.HOT_KEY;
            }
            hotKeys.refresh(logClock);
        }
        return null;
    }

    HotKeyReporter hotKeys() {
        return hotKeys;
    }

    long hotKeySheds() {
        return hotKeySheds.getCount();
    }
}
