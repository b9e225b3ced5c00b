package dev.floodgate.contract;

import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * Reads and validates the value of one record of contract v1 straight from its bytes, field by
 * field: the live job's per-record parse. It accepts and rejects what the Jackson parser it
 * replaced did, with the same {@link DeadLetterReason} and, for every reason but {@link
 * DeadLetterReason#BAD_JSON}, the same message: a field of the wrong type (and {@code seq} below 1)
 * is rejected as soon as it is read, even if the JSON breaks later; the other checks run on the
 * whole object in a fixed order. Duplicate fields are allowed, the last one wins; unknown fields
 * are skipped (and checked as JSON). The caller checks the value's size and key, and looks for
 * invalid UTF-8 in the rest of a rejected value (the reader checks only the bytes before the point
 * where it stopped).
 */
final class ContractV1Reader {
    private static final int SCHEMA = 0;
    private static final int EVENT_ID = 1;
    private static final int CUSTOMER_ID = 2;
    private static final int SEQ = 3;
    private static final int CHANNEL = 4;
    private static final int PRIORITY = 5;
    private static final int OCCURRED_AT = 6;
    private static final int BODY = 7;
    private static final int URI = 8;

    /** Indexed by the constants above. */
    private static final String[] FIELDS = {
        "schema",
        "event_id",
        "customer_id",
        "seq",
        "channel",
        "priority",
        "occurred_at",
        "body",
        "uri"
    };

    private static final byte[][] FIELD_BYTES = ascii(FIELDS);

    private static final String[] CHANNELS =
            Arrays.stream(Channel.values()).map(Channel::wireName).toArray(String[]::new);
    private static final byte[][] CHANNEL_BYTES = ascii(CHANNELS);
    private static final String[] PRIORITIES =
            Arrays.stream(Priority.values()).map(Priority::wireName).toArray(String[]::new);
    private static final byte[][] PRIORITY_BYTES = ascii(PRIORITIES);

    private ContractV1Reader() {}

    /** The interaction in {@code value}, without its log position. */
    static Interaction read(byte[] value) throws InvalidRecordException {
        JsonCursor json = new JsonCursor(value);
        Interaction in = new Interaction();
        Integer schema = null;
        String channel = null;
        String priority = null;
        String occurredAt = null;
        if (json.skipBomAndWhitespace() != '{') {
            throw json.fail("'{': the value is not a JSON object");
        }
        json.enter();
        int c = json.skipWhitespace();
        boolean more = c != '}';
        int field = -1;
        while (more) {
            if (c != '"') {
                throw json.fail("'\"' to open a field name");
            }
            field = field(json, field + 1);
            if (json.skipWhitespace() != ':') {
                throw json.fail("':' after the field name");
            }
            json.advance();
            json.skipWhitespace();
            int token = json.valueToken();
            switch (field) {
                case SCHEMA:
                    schema = token == JsonCursor.NULL ? null : schema(json, token);
                    break;
                case EVENT_ID:
                    in.eventId = text(json, token, field, null, null);
                    break;
                case CUSTOMER_ID:
                    in.customerId = text(json, token, field, null, null);
                    break;
                case SEQ:
                    in.seq = token == JsonCursor.NULL ? Interaction.NO_SEQ : seq(json, token);
                    break;
                case CHANNEL:
                    channel = text(json, token, field, CHANNELS, CHANNEL_BYTES);
                    break;
                case PRIORITY:
                    priority = text(json, token, field, PRIORITIES, PRIORITY_BYTES);
                    break;
                case OCCURRED_AT:
                    occurredAt = text(json, token, field, null, null);
                    break;
                case BODY:
                    in.body = text(json, token, field, null, null);
                    break;
                case URI:
                    in.uri = text(json, token, field, null, null);
                    break;
                default:
                    json.skipValue(token);
            }
            c = json.skipWhitespace();
            more = c == ',';
            if (more) {
                json.advance();
                c = json.skipWhitespace();
            } else if (c != '}') {
                throw json.fail("',' or '}' after a field value");
            }
        }
        json.advance();
        if (json.skipWhitespace() != -1) {
            throw json.fail("the end of the value after the JSON object");
        }
        validate(in, schema, channel, priority, occurredAt);
        return in;
    }

    private static void validate(
            Interaction in, Integer schema, String channel, String priority, String occurredAt)
            throws InvalidRecordException {
        if (schema == null) {
            throw missing("schema");
        }
        if (schema != InteractionCodec.SCHEMA_VERSION) {
            throw new InvalidRecordException(
                    DeadLetterReason.UNSUPPORTED_SCHEMA,
                    "schema "
                            + schema
                            + " is not supported; this job reads schema "
                            + InteractionCodec.SCHEMA_VERSION);
        }
        requireText(in.eventId, "event_id");
        requireText(in.customerId, "customer_id");
        requireText(channel, "channel");
        requireText(priority, "priority");
        requireText(occurredAt, "occurred_at");
        in.channel = Channel.fromWire(channel);
        if (in.channel == null) {
            throw new InvalidRecordException(
                    DeadLetterReason.UNKNOWN_CHANNEL, "unknown channel '" + channel + "'");
        }
        in.priority = Priority.fromWire(priority);
        if (in.priority == null) {
            throw new InvalidRecordException(
                    DeadLetterReason.UNKNOWN_PRIORITY, "unknown priority '" + priority + "'");
        }
        try {
            in.occurredAt = IsoInstant.parseMillis(occurredAt);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidRecordException(
                    DeadLetterReason.INVALID_VALUE,
                    "occurred_at '" + occurredAt + "' is not an ISO-8601 instant");
        }
        if (in.channel == Channel.CHAT) {
            requireText(in.body, "body");
        } else {
            requireText(in.uri, "uri");
        }
    }

    private static InvalidRecordException missing(String field) {
        return new InvalidRecordException(
                DeadLetterReason.MISSING_FIELD, "missing field '" + field + "'");
    }

    private static void requireText(String value, String field) throws InvalidRecordException {
        if (value == null) {
            throw missing(field);
        }
        if (value.isEmpty()) {
            throw new InvalidRecordException(
                    DeadLetterReason.INVALID_VALUE, "field '" + field + "' is empty");
        }
    }

    /**
     * The field whose name is next, or -1 for an unknown one. FIELDS are in the order producers
     * (and {@link InteractionCodec#write}) write them, so it is most likely {@code likely}, the one
     * after the last.
     */
    private static int field(JsonCursor json, int likely) throws InvalidRecordException {
        if (likely < FIELDS.length && json.skipStringIf(FIELD_BYTES[likely])) {
            return likely;
        }
        json.scanName();
        for (int f = 0; f < FIELDS.length; f++) {
            if (json.stringIs(FIELD_BYTES[f])) {
                return f;
            }
        }
        return -1;
    }

    /**
     * A string field's value, or null. When it is one of the {@code known} texts (ASCII, as {@code
     * knownBytes}) that instance is returned: the channel and priority cost no allocation.
     */
    private static String text(
            JsonCursor json, int token, int field, String[] known, byte[][] knownBytes)
            throws InvalidRecordException {
        if (token == JsonCursor.NULL) {
            return null;
        }
        if (token != JsonCursor.STRING) {
            throw wrongType(json, token, FIELDS[field], "a string");
        }
        for (int k = 0; known != null && k < known.length; k++) {
            if (json.skipStringIf(knownBytes[k])) {
                return known[k];
            }
        }
        json.scanString();
        return json.string();
    }

    private static int schema(JsonCursor json, int token) throws InvalidRecordException {
        if (token != JsonCursor.INT || !json.numberFitsInt()) {
            throw wrongType(json, token, "schema", "an integer");
        }
        return (int) json.numberValue();
    }

    private static long seq(JsonCursor json, int token) throws InvalidRecordException {
        if (token != JsonCursor.INT || !json.numberFitsLong()) {
            throw wrongType(json, token, "seq", "an integer");
        }
        long seq = json.numberValue();
        if (seq < 1) {
            throw new InvalidRecordException(
                    DeadLetterReason.INVALID_VALUE, "seq " + seq + " is below 1");
        }
        return seq;
    }

    /**
     * Jackson skipped an object or array of the wrong type before the error (so broken JSON inside
     * it is BAD_JSON), and never read a string of the wrong type (so a broken string there is
     * WRONG_TYPE).
     */
    private static InvalidRecordException wrongType(
            JsonCursor json, int token, String field, String expected)
            throws InvalidRecordException {
        if (token == JsonCursor.OBJECT || token == JsonCursor.ARRAY) {
            json.skipValue(token);
        }
        return new InvalidRecordException(
                DeadLetterReason.WRONG_TYPE,
                "field '" + field + "' must be " + expected + ", was " + describe(token));
    }

    private static String describe(int token) {
        switch (token) {
            case JsonCursor.STRING:
                return "a string";
            case JsonCursor.INT:
                return "an integer";
            case JsonCursor.FLOAT:
                return "a decimal number";
            case JsonCursor.TRUE:
            case JsonCursor.FALSE:
                return "a boolean";
            case JsonCursor.OBJECT:
                return "an object";
            default:
                return "an array";
        }
    }

    private static byte[][] ascii(String[] texts) {
        return Arrays.stream(texts)
                .map(t -> t.getBytes(StandardCharsets.US_ASCII))
                .toArray(byte[][]::new);
    }
}
