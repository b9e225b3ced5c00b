package dev.floodgate.testing;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;

/**
 * Builds valid {@link Interaction}s for shed and processing tests: chat carries a body, voice and
 * image a uri.
 */
public final class ShedEvents {
    public static final String TOPIC = "interactions";

    private ShedEvents() {}

    /**
     * An event of {@code customer} whose log timestamp is {@code logTimestamp} (its age is now
     * minus that).
     */
    public static Interaction event(
            String customer, long seq, Channel channel, Priority priority, long logTimestamp) {
        Interaction e = new Interaction();
        e.eventId = customer + "-" + seq;
        e.customerId = customer;
        e.seq = seq;
        e.channel = channel;
        e.priority = priority;
        e.occurredAt = logTimestamp - 5;
        if (channel == Channel.CHAT) {
            e.body = "message " + seq + " from " + customer;
        } else {
            e.uri = "s3://raw/" + channel.wireName() + "/" + customer + "/" + seq;
        }
        e.logTimestamp = logTimestamp;
        e.sourceTopic = TOPIC;
        e.sourcePartition = Math.floorMod(customer.hashCode(), 4);
        e.sourceOffset = seq;
        return e;
    }

    /** An event that is {@code ageMillis} old at {@code now}. */
    public static Interaction aged(
            String customer,
            long seq,
            Channel channel,
            Priority priority,
            long now,
            long ageMillis) {
        return event(customer, seq, channel, priority, now - ageMillis);
    }

    /** A chat event with the given body. */
    public static Interaction chat(String customer, long seq, String body, long logTimestamp) {
        Interaction e = event(customer, seq, Channel.CHAT, Priority.NORMAL, logTimestamp);
        e.body = body;
        return e;
    }
}
