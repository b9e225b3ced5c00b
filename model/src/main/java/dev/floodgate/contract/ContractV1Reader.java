package dev.floodgate.contract;

import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads and validates the value of one record of contract v1 straight from its bytes, field by
 * field: the live job's per-record parse. It accepts and rejects what the Jackson parser it
 * replaced did, Jackson 2.20's default {@code JsonFactory} (with the duplicate check below added to
 * both), with the same {@link DeadLetterReason} and, for every reason but {@link
 * DeadLetterReason#BAD_JSON}, the same message. That behaviour is the contract, not whatever
 * Jackson the build has: where Jackson 2.21+ differs, only one change was taken, because it accepts
 * more. A field name's length (at most 50,000 bytes of UTF-8) counts an escaped surrogate pair as
 * the 4 bytes of its code point, as 2.21+ does, not 6 as 2.20 did. An escaped lone surrogate, or a
 * broken pair, in a field name is still accepted (as in a string value), although 2.21+ rejects it:
 * records the contract accepted must not become dead letters because a library changed. A literal
 * run on into any non-ASCII character ({@code true} then U+00A0 or U+1F600) is still {@link
 * DeadLetterReason#BAD_JSON}, an unrecognized token, as {@code truex} and {@code true} then U+00E9
 * are (for 2.22 too), although 2.22 ends the literal before a character that is not a Java
 * identifier part and so reports a contract field there as {@link DeadLetterReason#WRONG_TYPE}.
 * Otherwise: a field of the wrong type (and {@code seq} or {@code seq_epoch} below 1) is rejected
 * as soon as it is read, even if the JSON breaks later; the other checks run on the whole object in
 * a fixed order. A field name given twice in the object, known or unknown (compared as decoded
 * text), is {@link DeadLetterReason#DUPLICATE_FIELD}, as soon as the second one is read (with its
 * number or literal, like a type): the known ones tracked in a bitmask, the unknown ones in a set
 * made only for a record that has two or more. Names inside the values of unknown fields are not
 * checked. Unknown fields are skipped (and checked as JSON). The caller checks the value's size and
 * key, and looks for invalid UTF-8 in the rest of a rejected value (the reader checks only the
 * bytes before the point where it stopped).
 */
final class ContractV1Reader {
    private static final int SCHEMA = 0;
    private static final int EVENT_ID = 1;
    private static final int CUSTOMER_ID = 2;
    private static final int SEQ = 3;
    private static final int SEQ_EPOCH = 4;
    private static final int CHANNEL = 5;
    private static final int PRIORITY = 6;
    private static final int OCCURRED_AT = 7;
    private static final int BODY = 8;
    private static final int URI = 9;

    /** Indexed by the constants above (at most 32: the fields seen are bits of an int). */
    private static final String[] FIELDS = {
        "schema",
        "event_id",
        "customer_id",
        "seq",
        "seq_epoch",
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
        int seen = 0; // bit f: FIELDS[f] was read
        String firstUnknown = null; // the first unknown name read
        Set<String> unknown = null; // all the unknown names read, once there are two
        while (more) {
            if (c != '"') {
                throw json.fail("'\"' to open a field name");
            }
            field = field(json, field + 1);
            String unknownName = field < 0 ? json.string() : null;
            if (json.skipWhitespace() != ':') {
                throw json.fail("':' after the field name");
            }
            json.advance();
            json.skipWhitespace();
            int token = json.valueToken();
            if (field >= 0) {
                if ((seen & 1 << field) != 0) {
                    throw duplicate(FIELDS[field]);
                }
                seen |= 1 << field;
            } else if (firstUnknown == null) {
                firstUnknown = unknownName;
            } else {
                if (unknown == null) {
                    unknown = new HashSet<>();
                    unknown.add(firstUnknown);
                }
                if (!unknown.add(unknownName)) {
                    throw duplicate(unknownName);
                }
            }
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
                    in.seq =
                            token == JsonCursor.NULL
                                    ? Interaction.NO_SEQ
                                    : atLeastOne(json, token, field);
                    break;
                case SEQ_EPOCH:
                    in.seqEpoch =
                            token == JsonCursor.NULL
                                    ? Interaction.NO_EPOCH
                                    : atLeastOne(json, token, field);
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
     * after the last, or the one after that when an optional field is left out ({@code seq_epoch},
     * {@code seq}, {@code body} of a voice call).
     */
    private static int field(JsonCursor json, int likely) throws InvalidRecordException {
        for (int f = likely; f < likely + 2 && f < FIELDS.length; f++) {
            if (json.skipStringIf(FIELD_BYTES[f])) {
                return f;
            }
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

    /** {@code seq} and {@code seq_epoch}: an integer that fits a long, at least 1. */
    private static long atLeastOne(JsonCursor json, int token, int field)
            throws InvalidRecordException {
        if (token != JsonCursor.INT || !json.numberFitsLong()) {
            throw wrongType(json, token, FIELDS[field], "an integer");
        }
        long value = json.numberValue();
        if (value < 1) {
            throw new InvalidRecordException(
                    DeadLetterReason.INVALID_VALUE, FIELDS[field] + " " + value + " is below 1");
        }
        return value;
    }

    private static InvalidRecordException duplicate(String field) {
        return new InvalidRecordException(
                DeadLetterReason.DUPLICATE_FIELD, "field '" + field + "' given twice");
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
