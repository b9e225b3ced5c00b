package dev.floodgate.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Gap;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;

/**
 * JSON forms of the job's outputs: processed results, dead letters and gaps (documented in
 * docs/contracts.md). Written with {@link JsonWriter} (for results, on the live job's hot path, one
 * reused per thread), read back with Jackson.
 */
public final class OutputCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OutputCodec() {}

    private static final JsonWriter.Name EVENT_ID = new JsonWriter.Name("event_id");
    private static final JsonWriter.Name CUSTOMER_ID = new JsonWriter.Name("customer_id");
    private static final JsonWriter.Name SEQ = new JsonWriter.Name("seq");
    private static final JsonWriter.Name CHANNEL = new JsonWriter.Name("channel");
    private static final JsonWriter.Name PRIORITY = new JsonWriter.Name("priority");
    private static final JsonWriter.Name LANE = new JsonWriter.Name("lane");
    private static final JsonWriter.Name OCCURRED_AT = new JsonWriter.Name("occurred_at");
    private static final JsonWriter.Name LOGGED_AT = new JsonWriter.Name("logged_at");
    private static final JsonWriter.Name PROCESSED_AT = new JsonWriter.Name("processed_at");
    private static final JsonWriter.Name AGE_MS = new JsonWriter.Name("age_ms");
    private static final JsonWriter.Name PROCESSOR = new JsonWriter.Name("processor");
    private static final JsonWriter.Name RESULT = new JsonWriter.Name("result");
    private static final JsonWriter.Name SOURCE_PARTITION = new JsonWriter.Name("source_partition");
    private static final JsonWriter.Name SOURCE_OFFSET = new JsonWriter.Name("source_offset");

    /** The enums' wire names, encoded once, by ordinal. */
    private static final JsonWriter.Literal[] CHANNELS =
            literals(Channel.values(), Channel::wireName);

    private static final JsonWriter.Literal[] PRIORITIES =
            literals(Priority.values(), Priority::wireName);
    private static final JsonWriter.Literal[] LANES = literals(Lane.values(), Lane::wireName);

    /**
     * One writer per thread for results, emptied for each: a fresh buffer for every record, besides
     * the array returned, was a third of the time of writing one in a timing loop.
     */
    private static final ThreadLocal<JsonWriter> RESULT_WRITER =
            ThreadLocal.withInitial(() -> new JsonWriter(1024));

    public static byte[] write(ProcessedEvent p) {
        JsonWriter g = RESULT_WRITER.get().reset();
        g.field(EVENT_ID, p.eventId).field(CUSTOMER_ID, p.customerId);
        if (p.seq != Interaction.NO_SEQ) {
            g.field(SEQ, p.seq);
        }
        return g.field(CHANNEL, CHANNELS[p.channel.ordinal()])
                .field(PRIORITY, PRIORITIES[p.priority.ordinal()])
                .field(LANE, LANES[p.lane.ordinal()])
                .instantField(OCCURRED_AT, p.occurredAt)
                .instantField(LOGGED_AT, p.logTimestamp)
                .instantField(PROCESSED_AT, p.processedAt)
                .field(AGE_MS, p.ageMillis())
                .field(PROCESSOR, p.processor)
                .field(RESULT, p.result)
                .field(SOURCE_PARTITION, p.sourcePartition)
                .field(SOURCE_OFFSET, p.sourceOffset)
                .toBytes();
    }

    private static <E extends Enum<E>> JsonWriter.Literal[] literals(
            E[] values, Function<E, String> wireName) {
        return Arrays.stream(values)
                .map(e -> new JsonWriter.Literal(wireName.apply(e)))
                .toArray(JsonWriter.Literal[]::new);
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
        JsonWriter g =
                new JsonWriter(512)
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
        d.reason =
                DeadLetterReason.valueOf(
                        n.path("reason").asText().toUpperCase(java.util.Locale.ROOT));
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
