package dev.floodgate.model;

import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A valid interaction, record contract v1, plus where it sits in the log. Serialized by Flink with
 * the hand-written {@link InteractionSerializer} (through {@link InteractionTypeInfo}): a new field
 * must be added there too, with a new serializer snapshot version.
 */
@TypeInfo(InteractionTypeInfo.Factory.class)
public class Interaction {
    /** {@code seq} value meaning "absent": the log order of the customer's partition stands. */
    public static final long NO_SEQ = 0L;

    /** {@code seqEpoch} value meaning "absent": the record carried no {@code seq_epoch}. */
    public static final long NO_EPOCH = 0L;

    public String eventId;
    public String customerId;

    /** Per-customer sequence number starting at 1, or {@link #NO_SEQ}. */
    public long seq;

    /**
     * The generation of the customer's seq numbering ({@code seq_epoch}, at least 1), or {@link
     * #NO_EPOCH}: a producer that starts the customer's seq again at 1 raises it, so a new sequence
     * can be told from stragglers of the old one without clocks.
     */
    public long seqEpoch;

    public Channel channel;
    public Priority priority;

    /** When the interaction happened, epoch milliseconds. */
    public long occurredAt;

    /** Chat text; {@code null} for voice and image. */
    public String body;

    /** Object-store address of the raw audio or image; {@code null} for chat. */
    public String uri;

    /** Log timestamp (LogAppendTime): the age of the event is now minus this. */
    public long logTimestamp;

    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;

    public Interaction() {}

    public boolean hasSeq() {
        return seq != NO_SEQ;
    }

    public boolean hasSeqEpoch() {
        return seqEpoch != NO_EPOCH;
    }

    /** Age in milliseconds at {@code nowMillis}. */
    public long ageAt(long nowMillis) {
        return nowMillis - logTimestamp;
    }

    public Interaction copy() {
        Interaction c = new Interaction();
        c.eventId = eventId;
        c.customerId = customerId;
        c.seq = seq;
        c.seqEpoch = seqEpoch;
        c.channel = channel;
        c.priority = priority;
        c.occurredAt = occurredAt;
        c.body = body;
        c.uri = uri;
        c.logTimestamp = logTimestamp;
        c.sourceTopic = sourceTopic;
        c.sourcePartition = sourcePartition;
        c.sourceOffset = sourceOffset;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Interaction)) {
            return false;
        }
        Interaction i = (Interaction) o;
        return seq == i.seq
                && seqEpoch == i.seqEpoch
                && occurredAt == i.occurredAt
                && logTimestamp == i.logTimestamp
                && sourcePartition == i.sourcePartition
                && sourceOffset == i.sourceOffset
                && Objects.equals(eventId, i.eventId)
                && Objects.equals(customerId, i.customerId)
                && channel == i.channel
                && priority == i.priority
                && Objects.equals(body, i.body)
                && Objects.equals(uri, i.uri)
                && Objects.equals(sourceTopic, i.sourceTopic);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, customerId, seq);
    }

    @Override
    public String toString() {
        // ids and positions only: no body or uri (customer content), no customer id (logs name a
        // customer only through CustomerNames)
        return "Interaction{"
                + eventId
                + " seq "
                + (hasSeqEpoch() ? "e" + seqEpoch + "." : "")
                + seq
                + " "
                + channel
                + "/"
                + priority
                + " @"
                + sourcePartition
                + ":"
                + sourceOffset
                + "}";
    }
}
