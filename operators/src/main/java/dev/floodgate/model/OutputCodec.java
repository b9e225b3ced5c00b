package dev.floodgate.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;

/**
 * JSON forms of the job's outputs: processed results, dead letters and gaps (documented in the README). Written
 * with {@link JsonWriter} (one per record, on the live job's hot path), read back with Jackson.
 */
public final class OutputCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OutputCodec() {}

    public static byte[] write(ProcessedEvent p) {
        JsonWriter g = new JsonWriter(192 + length(p.eventId) + length(p.customerId) + length(p.processor)
                + length(p.result));
        g.field("event_id", p.eventId).field("customer_id", p.customerId);
        if (p.seq != Interaction.NO_SEQ) {
            g.field("seq", p.seq);
        }
        return g.field("channel", p.channel.wireName())
                .field("priority", p.priority.wireName())
                .field("lane", p.lane.wireName())
                .field("occurred_at", IsoInstant.format(p.occurredAt))
                .field("logged_at", IsoInstant.format(p.logTimestamp))
                .field("processed_at", IsoInstant.format(p.processedAt))
                .field("age_ms", p.ageMillis())
                .field("processor", p.processor)
                .field("result", p.result)
                .field("source_partition", p.sourcePartition)
                .field("source_offset", p.sourceOffset)
                .toBytes();
    }

    private static int length(String s) {
        return s == null ? 4 : s.length() + 2;
    }

    /** Reads a processed record back (used by the reconcile tool and the tests). */
    public static ProcessedEvent readProcessed(byte[] json) throws IOException {
        JsonNode n = MAPPER.readTree(json);
        ProcessedEvent p = new ProcessedEvent();
        p.eventId = n.path("event_id").asText();
        p.customerId = n.path("customer_id").asText();
        p.seq = n.path("seq").asLong(Interaction.NO_SEQ);
        p.channel = Channel.fromWire(n.path("channel").asText());
        p.priority = Priority.fromWire(n.path("priority").asText());
        p.lane = Lane.fromWire(n.path("lane").asText());
        p.occurredAt = IsoInstant.parseMillis(n.path("occurred_at").asText());
        p.logTimestamp = IsoInstant.parseMillis(n.path("logged_at").asText());
        p.processedAt = IsoInstant.parseMillis(n.path("processed_at").asText());
        p.processor = n.path("processor").asText();
        p.result = n.path("result").asText();
        p.sourcePartition = n.path("source_partition").asInt();
        p.sourceOffset = n.path("source_offset").asLong();
        return p;
    }

    public static byte[] write(DeadLetter d) {
        Base64.Encoder b64 = Base64.getEncoder();
        JsonWriter g = new JsonWriter(512)
                .field("reason", d.reason.wireName())
                .field("error", d.error)
                .field("stage", d.stage)
                .field("topic", d.topic)
                .field("partition", d.partition)
                .field("offset", d.offset)
                .field("logged_at", IsoInstant.format(d.logTimestamp))
                .field("failed_at", IsoInstant.format(d.failedAt));
        if (d.key != null) {
            g.field("key_base64", b64.encodeToString(d.key));
        }
        if (d.value != null) {
            g.field("value_base64", b64.encodeToString(d.value));
        }
        return g.toBytes();
    }

    /** Reads a dead letter back, original bytes included. */
    public static DeadLetter readDeadLetter(byte[] json) throws IOException {
        JsonNode n = MAPPER.readTree(json);
        Base64.Decoder b64 = Base64.getDecoder();
        DeadLetter d = new DeadLetter();
        d.reason = DeadLetterReason.valueOf(n.path("reason").asText().toUpperCase(java.util.Locale.ROOT));
        d.error = n.path("error").asText();
        d.stage = n.path("stage").asText();
        d.topic = n.path("topic").asText();
        d.partition = n.path("partition").asInt();
        d.offset = n.path("offset").asLong();
        d.logTimestamp = IsoInstant.parseMillis(n.path("logged_at").asText());
        d.failedAt = IsoInstant.parseMillis(n.path("failed_at").asText());
        d.key = n.hasNonNull("key_base64") ? b64.decode(n.get("key_base64").asText()) : null;
        d.value = n.hasNonNull("value_base64") ? b64.decode(n.get("value_base64").asText()) : null;
        return d;
    }

    public static byte[] write(Gap gap) {
        return new JsonWriter(128)
                .field("customer_id", gap.customerId)
                .field("from_seq", gap.fromSeq)
                .field("to_seq", gap.toSeq)
                .field("waited_ms", gap.waitedMillis)
                .field("cause", gap.cause)
                .toBytes();
    }
}
