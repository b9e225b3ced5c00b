package dev.floodgate.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.RawRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The test oracle for {@link ContractV1Reader}: {@link InteractionCodec#parse} as it was before the
 * reader replaced it, a strict UTF-8 check of the whole value followed by Jackson's streaming
 * parser (default {@link JsonFactory}), kept verbatim so the properties can check that the two
 * accept the same records with the same fields and reject the others for the same {@link
 * DeadLetterReason}, with what the contract gained since: the optional {@code seq_epoch} (read as
 * {@code seq} is), and a top-level field name given twice as {@link
 * DeadLetterReason#DUPLICATE_FIELD} (names kept in a set as the parser returns them, decoded, at
 * the {@code FIELD_NAME} token, by when Jackson has read a number or literal value after it; not
 * Jackson's {@code STRICT_DUPLICATE_DETECTION}, which would check nested objects too). It runs on
 * the Jackson the build pins: its limits (nesting, number, name and string lengths) changed in 2.15
 * and 2.16, so a Jackson upgrade can fail the properties without any change in production, and
 * should be read as a change of the oracle.
 *
 * <p>The contract is what Jackson 2.20 did. Where Jackson 2.21 to 2.22 differ from it and the
 * contract keeps 2.20's behaviour, the oracle says so here, for exactly those cases (the examples
 * are in {@link ContractV1ReaderTest}):
 *
 * <ul>
 *   <li>An escaped lone surrogate, or a broken pair, in a field name: 2.21+ rejects the record
 *       ("Unexpected low surrogate in field name", "Broken surrogate pair in field name"), the
 *       contract accepts it, as 2.20 did. The oracle hands Jackson the value with each such escape
 *       in a name replaced by an escape of a private-use character found nowhere in the value (same
 *       length, same 3 bytes of UTF-8 in the name's length, unpaired), and puts the surrogates back
 *       in the names and strings Jackson returns ({@link SurrogateNames}).
 *   <li>A literal run on into a non-ASCII character that is not a Java identifier part ({@code
 *       true} then U+00A0, U+2028 or U+1F600) as a top-level field's value: 2.22 ends the literal
 *       there (a contract field is then {@link DeadLetterReason#WRONG_TYPE}, a field given twice
 *       {@link DeadLetterReason#DUPLICATE_FIELD}), the contract rejects the unrecognized token as
 *       {@link DeadLetterReason#BAD_JSON}, as 2.20 did before any non-ASCII character and 2.22 does
 *       before {@code x} or U+00E9 ({@link #runsOnIntoNonAscii}). Nested in a value, or as the
 *       whole value, such a literal is bad JSON for 2.22 too.
 * </ul>
 *
 * The contract took the other change: a field name's 50,000-byte limit counts an escaped surrogate
 * pair as its 4 bytes of UTF-8 (2.21+), not 6 (2.20), which only accepts more.
 */
final class JacksonContractOracle {
    private static final int SCHEMA_VERSION = InteractionCodec.SCHEMA_VERSION;
    private static final JsonFactory JSON = new JsonFactory();

    private JacksonContractOracle() {}

    /** {@link InteractionCodec#parse} as it was, with Jackson. */
    static Interaction parse(RawRecord raw, int maxRecordBytes) throws InvalidRecordException {
        byte[] value = raw.value;
        if (value == null || value.length == 0) {
            throw new InvalidRecordException(DeadLetterReason.EMPTY_VALUE, "record has no value");
        }
        if (value.length > maxRecordBytes) {
            throw new InvalidRecordException(
                    DeadLetterReason.OVERSIZED,
                    "value is " + value.length + " bytes, the maximum is " + maxRecordBytes);
        }
        int bad = Utf8.firstInvalidByte(value);
        if (bad >= 0) {
            throw new InvalidRecordException(
                    DeadLetterReason.INVALID_UTF8, "invalid UTF-8 at byte " + bad);
        }
        Interaction in = parseJson(value, SurrogateNames.in(value));
        String key = raw.key == null ? null : new String(raw.key, StandardCharsets.UTF_8);
        if (!in.customerId.equals(key)) {
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

    private static Interaction parseJson(byte[] value, SurrogateNames surrogates)
            throws InvalidRecordException {
        Interaction in = new Interaction();
        Integer schema = null;
        String channel = null;
        String priority = null;
        String occurredAt = null;
        Set<String> names = new HashSet<>();
        try (JsonParser p = JSON.createParser(surrogates.value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRecordException(
                        DeadLetterReason.BAD_JSON, "value is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = surrogates.restore(p.currentName());
                // Jackson read the value's first token with its name: nextToken() only returns it
                JsonToken v = p.nextToken();
                if (runsOnIntoNonAscii(value, p, v)) {
                    throw new InvalidRecordException(
                            DeadLetterReason.BAD_JSON,
                            "unrecognized token: " + v + " run on into a non-ASCII character");
                }
                if (!names.add(field)) {
                    throw new InvalidRecordException(
                            DeadLetterReason.DUPLICATE_FIELD, "field '" + field + "' given twice");
                }
                switch (field) {
                    case "schema":
                        schema = v == JsonToken.VALUE_NULL ? null : intField(p, v, field);
                        break;
                    case "event_id":
                        in.eventId = surrogates.restore(stringField(p, v, field));
                        break;
                    case "customer_id":
                        in.customerId = surrogates.restore(stringField(p, v, field));
                        break;
                    case "seq":
                        in.seq =
                                v == JsonToken.VALUE_NULL
                                        ? Interaction.NO_SEQ
                                        : atLeastOneField(p, v, field);
                        break;
                    case "seq_epoch":
                        in.seqEpoch =
                                v == JsonToken.VALUE_NULL
                                        ? Interaction.NO_EPOCH
                                        : atLeastOneField(p, v, field);
                        break;
                    case "channel":
                        channel = surrogates.restore(stringField(p, v, field));
                        break;
                    case "priority":
                        priority = surrogates.restore(stringField(p, v, field));
                        break;
                    case "occurred_at":
                        occurredAt = surrogates.restore(stringField(p, v, field));
                        break;
                    case "body":
                        in.body = surrogates.restore(stringField(p, v, field));
                        break;
                    case "uri":
                        in.uri = surrogates.restore(stringField(p, v, field));
                        break;
                    default:
                        p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InvalidRecordException(
                        DeadLetterReason.BAD_JSON, "trailing content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new InvalidRecordException(DeadLetterReason.BAD_JSON, e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidRecordException(
                    DeadLetterReason.BAD_JSON, String.valueOf(e.getMessage()));
        }
        if (schema == null) {
            throw missing("schema");
        }
        if (schema != SCHEMA_VERSION) {
            throw new InvalidRecordException(
                    DeadLetterReason.UNSUPPORTED_SCHEMA,
                    "schema "
                            + schema
                            + " is not supported; this job reads schema "
                            + SCHEMA_VERSION);
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
        return in;
    }

    /**
     * Whether {@code v}, just read after a top-level field name, is a literal followed directly by
     * a non-ASCII character. Jackson 2.20 failed on the token there; 2.22 does only when the
     * character is a Java identifier part, and otherwise returns the literal. The contract: {@code
     * bad_json}, an unrecognized token.
     */
    private static boolean runsOnIntoNonAscii(byte[] value, JsonParser p, JsonToken v) {
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE && v != JsonToken.VALUE_NULL) {
            return false;
        }
        byte[] literal = v.asString().getBytes(StandardCharsets.US_ASCII);
        long start = p.currentTokenLocation().getByteOffset();
        int end = (int) start + literal.length;
        return start >= 0
                && end < value.length
                && Arrays.equals(value, (int) start, end, literal, 0, literal.length)
                && value[end] < 0;
    }

    /**
     * A value with its field names' escaped lone surrogates (and broken pairs) hidden from Jackson
     * 2.21+, which rejects them in names (and only there), while the contract accepts them: each
     * backslash-u escape of D800 to DFFF in a name that is not half of an escaped pair becomes an
     * escape of a private-use character (U+E000 on) that occurs nowhere in the value, raw or
     * escaped, one per distinct surrogate. The escape keeps its length, so byte offsets hold, and
     * the character its 3 bytes in the name's length; {@link #restore} puts the surrogates back. A
     * name is a string followed by a colon: a string value followed by one is bad JSON anyway.
     */
    static final class SurrogateNames {
        /** What Jackson reads. */
        final byte[] value;

        private final String surrogates;
        private final String standIns;

        private SurrogateNames(byte[] value, String surrogates, String standIns) {
            this.value = value;
            this.surrogates = surrogates;
            this.standIns = standIns;
        }

        static SurrogateNames in(byte[] value) {
            List<Integer> lone = new ArrayList<>(); // offsets of the escapes to replace
            List<Integer> inString = new ArrayList<>();
            boolean open = false;
            for (int i = 0; i < value.length; ) {
                byte c = value[i];
                if (!open) {
                    open = c == '"';
                    i++;
                } else if (c == '"') {
                    open = false;
                    i++;
                    int j = i;
                    while (j < value.length && " \t\n\r".indexOf(value[j]) >= 0) {
                        j++;
                    }
                    if (j < value.length && value[j] == ':') {
                        lone.addAll(inString);
                    }
                    inString.clear();
                } else if (c != '\\') {
                    i++;
                } else {
                    int u = unit(value, i);
                    if (u < 0) {
                        i += 2; // another escape, or a broken one
                    } else if (Character.isHighSurrogate((char) u)
                            && Character.isLowSurrogate((char) unit(value, i + 6))) {
                        i += 12; // a pair
                    } else {
                        if (Character.isSurrogate((char) u)) {
                            inString.add(i);
                        }
                        i += 6;
                    }
                }
            }
            if (lone.isEmpty()) {
                return new SurrogateNames(value, "", "");
            }
            Set<Character> used = new HashSet<>();
            for (char ch : new String(value, StandardCharsets.UTF_8).toCharArray()) {
                used.add(ch);
            }
            for (int i = 0; i < value.length; i++) {
                int u = unit(value, i);
                if (u >= 0) {
                    used.add((char) u);
                }
            }
            byte[] hidden = value.clone();
            StringBuilder surrogates = new StringBuilder();
            StringBuilder standIns = new StringBuilder();
            char next = '\uE000';
            for (int at : lone) {
                char surrogate = (char) unit(value, at);
                int k = surrogates.indexOf(String.valueOf(surrogate));
                if (k < 0) {
                    while (used.contains(next)) {
                        next++;
                    }
                    k = surrogates.length();
                    surrogates.append(surrogate);
                    standIns.append(next++);
                }
                byte[] hex =
                        String.format("%04X", (int) standIns.charAt(k))
                                .getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(hex, 0, hidden, at + 2, 4);
            }
            return new SurrogateNames(hidden, surrogates.toString(), standIns.toString());
        }

        /** The code unit of the backslash-u escape at value[i], or -1 if there is none. */
        private static int unit(byte[] value, int i) {
            if (i < 0 || i + 6 > value.length || value[i] != '\\' || value[i + 1] != 'u') {
                return -1;
            }
            int u = 0;
            for (int k = i + 2; k < i + 6; k++) {
                int d = Character.digit(value[k], 16);
                if (d < 0) {
                    return -1;
                }
                u = u << 4 | d;
            }
            return u;
        }

        /** {@code text} as read from the value itself: the stand-ins back to their surrogates. */
        String restore(String text) {
            if (text == null || surrogates.isEmpty()) {
                return text;
            }
            char[] chars = text.toCharArray();
            for (int i = 0; i < chars.length; i++) {
                int k = standIns.indexOf(chars[i]);
                if (k >= 0) {
                    chars[i] = surrogates.charAt(k);
                }
            }
            return new String(chars);
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

    private static String stringField(JsonParser p, JsonToken v, String field)
            throws IOException, InvalidRecordException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.VALUE_STRING) {
            p.skipChildren();
            throw wrongType(field, "a string", v);
        }
        return p.getText();
    }

    private static int intField(JsonParser p, JsonToken v, String field)
            throws IOException, InvalidRecordException {
        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            p.skipChildren();
            throw wrongType(field, "an integer", v);
        }
        return p.getIntValue();
    }

    private static long atLeastOneField(JsonParser p, JsonToken v, String field)
            throws IOException, InvalidRecordException {
        if (v != JsonToken.VALUE_NUMBER_INT
                || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            p.skipChildren();
            throw wrongType(field, "an integer", v);
        }
        long value = p.getLongValue();
        if (value < 1) {
            throw new InvalidRecordException(
                    DeadLetterReason.INVALID_VALUE, field + " " + value + " is below 1");
        }
        return value;
    }

    private static InvalidRecordException wrongType(
            String field, String expected, JsonToken actual) {
        return new InvalidRecordException(
                DeadLetterReason.WRONG_TYPE,
                "field '" + field + "' must be " + expected + ", was " + describe(actual));
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
                return "an integer";
            case VALUE_NUMBER_FLOAT:
                return "a decimal number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            default:
                return t.toString();
        }
    }
}
