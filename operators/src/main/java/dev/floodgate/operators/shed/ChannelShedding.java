package dev.floodgate.operators.shed;

import dev.floodgate.model.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shedding switch of one channel on one subtask, with hysteresis: it turns on when a sheddable
 * event is older than the SLO, and off when the channel has been fresh for a while: an event
 * younger than the low-water mark arrives and no event of the channel older than the low-water mark
 * has been seen for the hold time (as long as the low-water mark itself, at least {@value
 * #MIN_HOLD_MILLIS} ms); otherwise it keeps its state.
 *
 * <p>Why the hold: a subtask receives the channel's events from every partition, each read by its
 * source subtask at its own pace, so under backpressure their ages are spread over seconds (in the
 * demo's flood, voice events younger than the 2 s low-water mark reached a subtask 2 to 4 s after
 * it had started shedding at 5 s, while the backlog took far longer to drain). One young event does
 * not mean the backlog has drained: turning off on it let the sheddable events back into the
 * expensive service while the backlog was still there, and the switch flapped every few seconds.
 *
 * <p>Not checkpointed: after a restart it starts off and turns on again with the first event that
 * is still too old. Written by the task thread only; {@link #active()} may be read by a metric
 * reporter.
 */
final class ChannelShedding {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelShedding.class);

    static final long MIN_HOLD_MILLIS = 1000;

    private final Channel channel;
    private final ChannelPolicy policy;
    private final long holdMillis;
    private volatile boolean active;

    /**
     * When the last event of the channel at or above the low-water mark was seen (always set while
     * active).
     */
    private long lastStaleAt;

    ChannelShedding(Channel channel, ChannelPolicy policy) {
        this.channel = channel;
        this.policy = policy;
        this.holdMillis = Math.max(MIN_HOLD_MILLIS, policy.lowWaterMillis());
    }

    /**
     * Observes one event of the channel and returns whether it is to be shed for its age.
     *
     * @param nowMillis the time of the observation (the operator's processing time)
     * @param ageMillis the event's age now
     * @param sheddable whether the channel policy allows shedding the event's priority
     */
    boolean observe(long nowMillis, long ageMillis, boolean sheddable) {
        boolean fresh = ageMillis < policy.lowWaterMillis();
        if (!fresh) {
            lastStaleAt = nowMillis;
        }
        if (!active && sheddable && ageMillis > policy.sloMillis()) {
            active = true;
            LOG.info(
                    "Shedding {} starts: event age {} ms above SLO {} ms; shedding {}",
                    channel.wireName(),
                    ageMillis,
                    policy.sloMillis(),
                    policy.sheddable());
        } else if (active && fresh && nowMillis - lastStaleAt >= holdMillis) {
            active = false;
            LOG.info(
                    "Shedding {} stops: event age {} ms below low-water {} ms, none above it for {} ms",
                    channel.wireName(),
                    ageMillis,
                    policy.lowWaterMillis(),
                    nowMillis - lastStaleAt);
        }
        return active && sheddable;
    }

    boolean active() {
        return active;
    }
}
