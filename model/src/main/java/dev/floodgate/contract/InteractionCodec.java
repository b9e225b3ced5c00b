package dev.floodgate.contract;

import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.RawRecord;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes record contract v1. Reading is strict and never throws anything but {@link
 * InvalidRecordException}: every way a record can be wrong maps to one {@link DeadLetterReason}.
 * Unknown fields are ignored, so producers can add fields without breaking the job. Reading is
 * {@link ContractV1Reader}'s, straight from the bytes (it is the live job's per-record parse);
 * writing is {@link JsonWriter}'s.
 */
public final class InteractionCodec {
    public static final int SCHEMA_VERSION = 1;

    private InteractionCodec() {}

    /**
     * Parses and validates one log record; the key must equal {@code customer_id}, and key and
     * value together are at most {@code maxRecordBytes}.
     */
    public static Interaction parse(RawRecord raw, int maxRecordBytes)
            throws InvalidRecordException {
        byte[] value = raw.value;
        if (value == null || value.length == 0) {
            throw new InvalidRecordException(DeadLetterReason.EMPTY_VALUE, "record has no value");
        }
        // The key counts too: it is the customer_id, written again with the event (the shed
        // record's key, a result's key and field), so a record within the limit is one whose every
        // output fits the sinks' budget (RecordLimits).
        long size = (long) value.length + (raw.key == null ? 0 : raw.key.length);
        if (size > maxRecordBytes) {
            throw new InvalidRecordException(
                    DeadLetterReason.OVERSIZED,
                    (raw.key == null || raw.key.length == 0
                                    ? "value is " + value.length + " bytes"
                                    : "key and value are "
                                            + size
                                            + " bytes (value "
                                            + value.length
                                            + ")")
                            + ", the maximum is "
                            + maxRecordBytes);
        }
        Interaction in;
        try {
            in = ContractV1Reader.read(value);
        } catch (InvalidRecordException e) {
            // Invalid UTF-8 anywhere in the value comes before every other reason. The reader
            // checked the bytes
            // up to where it stopped; a rejected value is checked whole.
            int bad = Utf8.firstInvalidByte(value);
            if (bad >= 0) {
                throw new InvalidRecordException(
                        DeadLetterReason.INVALID_UTF8, "invalid UTF-8 at byte " + bad);
            }
            throw e;
        }
        if (raw.key == null || !sameText(raw.key, in.customerId)) {
            String key = raw.key == null ? null : new String(raw.key, StandardCharsets.UTF_8);
            throw new InvalidRecordException(
                    DeadLetterReason.KEY_MISMATCH,
                    key == null
                            ? "record has no key; expected customer_id " + in.customerId
                            : "key '"
                                    + key
                                    + "' disagrees with customer_id '"
                                    + in.customerId
                                    + "'");
        }
        in.logTimestamp = raw.timestamp;
        in.sourceTopic = raw.topic;
        in.sourcePartition = raw.partition;
        in.sourceOffset = raw.offset;
        return in;
    }

    /**
     * Whether {@code utf8}, decoded, equals {@code text}; without decoding when it is ASCII, as
     * keys are.
     */
    private static boolean sameText(byte[] utf8, String text) {
        for (byte c : utf8) {
            if (c < 0) {
                return text.equals(new String(utf8, StandardCharsets.UTF_8));
            }
        }
        if (utf8.length != text.length()) {
            return false;
        }
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static final JsonWriter.Name SCHEMA = new JsonWriter.Name("schema");
    private static final JsonWriter.Name EVENT_ID = new JsonWriter.Name("event_id");
    private static final JsonWriter.Name CUSTOMER_ID = new JsonWriter.Name("customer_id");
    private static final JsonWriter.Name SEQ = new JsonWriter.Name("seq");
    private static final JsonWriter.Name SEQ_EPOCH = new JsonWriter.Name("seq_epoch");
    private static final JsonWriter.Name CHANNEL = new JsonWriter.Name("channel");
    private static final JsonWriter.Name PRIORITY = new JsonWriter.Name("priority");
    private static final JsonWriter.Name OCCURRED_AT = new JsonWriter.Name("occurred_at");
    private static final JsonWriter.Name BODY = new JsonWriter.Name("body");
    private static final JsonWriter.Name URI = new JsonWriter.Name("uri");

    /**
     * Writes the event as a contract v1 record (the form the shed topic, the archive and processing
     * dead letters hold). Written with {@link JsonWriter}, not Jackson: non-ASCII text stays UTF-8
     * and every escape is the shortest, so the record is never larger than the one it was read from
     * but for a canonical {@code occurred_at} (a few bytes; Jackson wrote each emoji as 12).
     */
    public static byte[] write(Interaction in) {
        int text = length(in.eventId) + length(in.customerId) + length(in.body) + length(in.uri);
        JsonWriter g = new JsonWriter(Math.min(160 + text, 1 << 16)).field(SCHEMA, SCHEMA_VERSION);
        g.field(EVENT_ID, in.eventId).field(CUSTOMER_ID, in.customerId);
        if (in.hasSeq()) {
            g.field(SEQ, in.seq);
        }
        if (in.hasSeqEpoch()) {
            g.field(SEQ_EPOCH, in.seqEpoch);
        }
        g.field(CHANNEL, in.channel.wireName())
                .field(PRIORITY, in.priority.wireName())
                .instantField(OCCURRED_AT, in.occurredAt);
        if (in.body != null) {
            g.field(BODY, in.body);
        }
        if (in.uri != null) {
            g.field(URI, in.uri);
        }
        return g.toBytes();
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
