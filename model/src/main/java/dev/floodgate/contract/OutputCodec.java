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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
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
    private static final JsonWriter.Name SEQ_EPOCH = new JsonWriter.Name("seq_epoch");
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
        if (p.seqEpoch != Interaction.NO_EPOCH) {
            g.field(SEQ_EPOCH, p.seqEpoch);
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

    /**
     * Whether the processed record of {@code result} for {@code event} (its key, the customer id,
     * and its value) fits {@link RecordLimits#RECORD_BUDGET_BYTES} in any lane: a result that does
     * not would fail the processed sink, so a processor rejects it as a permanent failure (a dead
     * letter). Exact to within 64 bytes; a result short enough to fit even if every character took
     * a 6-byte escape is let through without being written.
     */
    public static boolean processedRecordFits(Interaction event, String processor, String result) {
        long chars =
                (long) length(result)
                        + length(event.eventId)
                        + 2L * length(event.customerId)
                        + length(processor);
        if (chars * 6 + 1024 <= RecordLimits.RECORD_BUDGET_BYTES) {
            return true;
        }
        // the longest lane name and a timestamp as wide as any this century
        ProcessedEvent p =
                ProcessedEvent.of(
                        event, Lane.BACKFILL, result, processor, System.currentTimeMillis());
        long key = event.customerId.getBytes(StandardCharsets.UTF_8).length;
        // 64 bytes for the processing time the sink will really write (the age's digits)
        return key + write(p).length + 64 <= RecordLimits.RECORD_BUDGET_BYTES;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
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
        p.seqEpoch = n.path("seq_epoch").asLong(Interaction.NO_EPOCH);
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

    /**
     * The smallest budget {@link #write(DeadLetter, int)} takes: room for every field but the
     * original bytes (an error cut to {@link RecordLimits#MAX_ERROR_CHARS}, an event id of at most
     * {@link #MAX_EVENT_ID_CHARS}, a topic name, even if all needed 6-byte escapes) and a 4 KiB
     * key.
     */
    public static final int MIN_DEAD_LETTER_BYTES = 40 * 1024;

    /** A longer event id is left out of a dead letter (the value, or its prefix, still has it). */
    public static final int MAX_EVENT_ID_CHARS = 1024;

    /** A dead letter, its whole key and value carried if they fit the record budget. */
    public static byte[] write(DeadLetter d) {
        return write(d, RecordLimits.RECORD_BUDGET_BYTES);
    }

    /**
     * A dead letter as a JSON envelope of at most {@code maxBytes} (at least {@link
     * #MIN_DEAD_LETTER_BYTES}). The original key and value are base64; each is described by its
     * length and SHA-256 ({@code value_bytes}, {@code value_sha256}, {@code value_truncated}, the
     * same for the key). When both do not fit, the key keeps at most {@link
     * RecordLimits#MAX_DEAD_LETTER_KEY_BYTES} and the value the longest prefix that fits (a
     * multiple of 3 bytes, so the base64 has no padding); {@code value_truncated} is then true and
     * the original is found at {@code topic}, {@code partition}, {@code offset} while the log
     * retains it. The error text is cut to {@link RecordLimits#MAX_ERROR_CHARS} characters.
     */
    public static byte[] write(DeadLetter d, int maxBytes) {
        if (maxBytes < MIN_DEAD_LETTER_BYTES) {
            throw new IllegalArgumentException(
                    "a dead letter needs at least "
                            + MIN_DEAD_LETTER_BYTES
                            + " bytes, not "
                            + maxBytes);
        }
        byte[] key = d.key;
        byte[] value = d.value;
        int keyKept = key == null ? 0 : key.length;
        int valueKept = value == null ? 0 : value.length;
        // Everything but the base64 text, with "false" (the longer flag) for both: the room left is
        // what the two base64 strings may take.
        String keySha = key == null ? null : sha256(key);
        String valueSha = value == null ? null : sha256(value);
        int fixed = deadLetter(d, key, keySha, 0, false, value, valueSha, 0, false).length();
        long room = (long) maxBytes - fixed;
        if (base64Length(keyKept) + base64Length(valueKept) > room) {
            keyKept = Math.min(keyKept, RecordLimits.MAX_DEAD_LETTER_KEY_BYTES);
            long valueRoom = Math.max(0, room - base64Length(keyKept));
            valueKept = (int) Math.min(valueKept, valueRoom / 4 * 3);
        }
        return deadLetter(
                        d,
                        key,
                        keySha,
                        keyKept,
                        key != null && keyKept < key.length,
                        value,
                        valueSha,
                        valueKept,
                        value != null && valueKept < value.length)
                .toBytes();
    }

    private static long base64Length(int bytes) {
        return (bytes + 2L) / 3 * 4;
    }

    /** The envelope with the first {@code keyKept} and {@code valueKept} bytes, still open. */
    private static JsonWriter deadLetter(
            DeadLetter d,
            byte[] key,
            String keySha,
            int keyKept,
            boolean keyTruncated,
            byte[] value,
            String valueSha,
            int valueKept,
            boolean valueTruncated) {
        JsonWriter g =
                new JsonWriter(512 + (int) base64Length(keyKept) + (int) base64Length(valueKept))
                        .field("reason", d.reason.wireName())
                        .field("error", cut(d.error))
                        .field("stage", d.stage);
        if (d.eventId != null && d.eventId.length() <= MAX_EVENT_ID_CHARS) {
            g.field("event_id", d.eventId);
        }
        g.field("topic", d.topic)
                .field("partition", d.partition)
                .field("offset", d.offset)
                .field("logged_at", IsoInstant.format(d.logTimestamp))
                .field("failed_at", IsoInstant.format(d.failedAt));
        original(g, "key", key, keySha, keyKept, keyTruncated);
        original(g, "value", value, valueSha, valueKept, valueTruncated);
        return g;
    }

    private static void original(
            JsonWriter g, String name, byte[] bytes, String sha, int kept, boolean truncated) {
        if (bytes == null) {
            return;
        }
        g.field(name + "_bytes", bytes.length)
                .field(name + "_sha256", sha)
                .field(name + "_truncated", truncated)
                .field(
                        name + "_base64",
                        Base64.getEncoder()
                                .encodeToString(
                                        kept == bytes.length ? bytes : Arrays.copyOf(bytes, kept)));
    }

    /** The error text, cut to its first {@link RecordLimits#MAX_ERROR_CHARS} characters. */
    private static String cut(String error) {
        int max = RecordLimits.MAX_ERROR_CHARS;
        if (error == null || error.length() <= max) {
            return error;
        }
        int end = Character.isHighSurrogate(error.charAt(max - 1)) ? max - 1 : max;
        return error.substring(0, end) + "... (" + error.length() + " characters)";
    }

    /** The SHA-256 of {@code bytes}, lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Reads a dead letter back: the original bytes, or their prefix when {@link
     * DeadLetter#valueTruncated} (or {@link DeadLetter#keyTruncated}).
     */
    public static DeadLetter readDeadLetter(byte[] json) throws IOException {
        JsonNode n = MAPPER.readTree(json);
        Base64.Decoder b64 = Base64.getDecoder();
        DeadLetter d = new DeadLetter();
        d.reason =
                DeadLetterReason.valueOf(
                        n.path("reason").asText().toUpperCase(java.util.Locale.ROOT));
        d.error = n.path("error").asText();
        d.stage = n.path("stage").asText();
        d.eventId = n.hasNonNull("event_id") ? n.get("event_id").asText() : null;
        d.topic = n.path("topic").asText();
        d.partition = n.path("partition").asInt();
        d.offset = n.path("offset").asLong();
        d.logTimestamp = IsoInstant.parseMillis(n.path("logged_at").asText());
        d.failedAt = IsoInstant.parseMillis(n.path("failed_at").asText());
        d.key = n.hasNonNull("key_base64") ? b64.decode(n.get("key_base64").asText()) : null;
        d.value = n.hasNonNull("value_base64") ? b64.decode(n.get("value_base64").asText()) : null;
        if (d.key != null) {
            d.keyBytes = n.path("key_bytes").asLong(d.key.length);
            d.keySha256 = n.hasNonNull("key_sha256") ? n.get("key_sha256").asText() : null;
            d.keyTruncated = n.path("key_truncated").asBoolean(false);
        }
        if (d.value != null) {
            d.valueBytes = n.path("value_bytes").asLong(d.value.length);
            d.valueSha256 = n.hasNonNull("value_sha256") ? n.get("value_sha256").asText() : null;
            d.valueTruncated = n.path("value_truncated").asBoolean(false);
        }
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
