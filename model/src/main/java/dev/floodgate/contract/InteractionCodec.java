package dev.floodgate.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes record contract v1. Reading is strict and never throws anything but {@link
 * InvalidRecordException}: every way a record can be wrong maps to one {@link DeadLetterReason}.
 * Unknown fields are ignored, so producers can add fields without breaking the job. Reading is
 * {@link ContractV1Reader}'s, straight from the bytes (it is the live job's per-record parse);
 * writing, off the hot path, uses Jackson.
 */
public final class InteractionCodec {
    public static final int SCHEMA_VERSION = 1;

    private static final JsonFactory JSON = new JsonFactory();

    private InteractionCodec() {}

    /** Parses and validates one log record; the key must equal {@code customer_id}. */
    public static Interaction parse(RawRecord raw, int maxRecordBytes)
            throws InvalidRecordException {
        byte[] value = raw.value;
        if (value == null || value.length == 0) {
            throw new InvalidRecordException(DeadLetterReason.EMPTY_VALUE, "record has no value");
        }
        if (value.length > maxRecordBytes) {
            throw new InvalidRecordException(
                    DeadLetterReason.OVERSIZED,
                    "value is " + value.length + " bytes, the maximum is " + maxRecordBytes);
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

    /** Writes the event as a contract v1 record (the form the shed topic and the archive hold). */
    public static byte[] write(Interaction in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("schema", SCHEMA_VERSION);
            g.writeStringField("event_id", in.eventId);
            g.writeStringField("customer_id", in.customerId);
            if (in.hasSeq()) {
                g.writeNumberField("seq", in.seq);
            }
            g.writeStringField("channel", in.channel.wireName());
            g.writeStringField("priority", in.priority.wireName());
            g.writeStringField("occurred_at", IsoInstant.format(in.occurredAt));
            if (in.body != null) {
                g.writeStringField("body", in.body);
            }
            if (in.uri != null) {
                g.writeStringField("uri", in.uri);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
