package dev.floodgate.operators.shed;

import dev.floodgate.model.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shedding switch of one channel on one subtask, with hysteresis: it turns on when a sheddable event is
 * older than the SLO and off when any event of the channel is younger than the low-water mark; between the two
 * it keeps its state. Not checkpointed: after a restart it starts off and turns on again with the first event
 * that is still too old. Written by the task thread only; {@link #active()} may be read by a metric reporter.
 */
final class ChannelShedding {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelShedding.class);

    private final Channel channel;
    private final ChannelPolicy policy;
    private volatile boolean active;

    ChannelShedding(Channel channel, ChannelPolicy policy) {
        this.channel = channel;
        this.policy = policy;
    }

    /**
     * Observes one event of the channel and returns whether it is to be shed for its age.
     *
     * @param ageMillis the event's age now
     * @param sheddable whether the channel policy allows shedding the event's priority
     */
    boolean observe(long ageMillis, boolean sheddable) {
        if (!active && sheddable && ageMillis > policy.sloMillis()) {
            active = true;
            LOG.info("Shedding {} starts: event age {} ms above SLO {} ms; shedding {}", channel.wireName(),
                    ageMillis, policy.sloMillis(), policy.sheddable());
        } else if (active && ageMillis < policy.lowWaterMillis()) {
            active = false;
            LOG.info("Shedding {} stops: event age {} ms below low-water {} ms", channel.wireName(), ageMillis,
                    policy.lowWaterMillis());
        }
        return active && sheddable;
    }

    boolean active() {
        return active;
    }
}
