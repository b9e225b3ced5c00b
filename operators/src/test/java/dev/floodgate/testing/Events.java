package dev.floodgate.testing;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;

/**
 * Builds valid {@link Interaction}s for tests. Event ids are deterministic ({@code customer#seq}),
 * so building the same event twice gives a redelivery: same event id, equal object.
 */
public final class Events {
    /**
     * Log timestamp of built events; tests that care about age set {@code logTimestamp} themselves.
     */
    public static final long LOG_TIMESTAMP = 1_700_000_000_000L;

    private Events() {}

    /** A chat event of {@code customer} with {@code seq} (event id {@code customer#seq}). */
    public static Interaction event(String customer, long seq) {
        return event(customer, seq, customer + "#" + seq);
    }

    /** A chat event with an explicit event id. */
    public static Interaction event(String customer, long seq, String eventId) {
        Interaction in = new Interaction();
        in.eventId = eventId;
        in.customerId = customer;
        in.seq = seq;
        in.channel = Channel.CHAT;
        in.priority = Priority.NORMAL;
        in.occurredAt = LOG_TIMESTAMP - 1_000;
        in.body = "hello " + seq;
        in.logTimestamp = LOG_TIMESTAMP;
        in.sourceTopic = "interactions";
        in.sourcePartition = 0;
        in.sourceOffset = seq;
        return in;
    }

    /**
     * An event without seq ({@link Interaction#NO_SEQ}): log order stands, {@code eventId} dedupes.
     */
    public static Interaction unsequenced(String customer, String eventId) {
        return event(customer, Interaction.NO_SEQ, eventId);
    }
}
