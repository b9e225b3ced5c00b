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
import java.util.HashSet;
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
 * the Jackson the build pins (2.18): its limits (nesting, number, name and string lengths) changed
 * in 2.15 and 2.16, so a Jackson upgrade can fail the properties without any change in production,
 * and should be read as a change of the oracle.
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
        Interaction in = parseJson(value);
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

    private static Interaction parseJson(byte[] value) throws InvalidRecordException {
        Interaction in = new Interaction();
        Integer schema = null;
        String channel = null;
        String priority = null;
        String occurredAt = null;
        Set<String> names = new HashSet<>();
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRecordException(
                        DeadLetterReason.BAD_JSON, "value is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                if (!names.add(field)) {
                    throw new InvalidRecordException(
                            DeadLetterReason.DUPLICATE_FIELD, "field '" + field + "' given twice");
                }
                JsonToken v = p.nextToken();
                switch (field) {
                    case "schema":
                        schema = v == JsonToken.VALUE_NULL ? null : intField(p, v, field);
                        break;
                    case "event_id":
                        in.eventId = stringField(p, v, field);
                        break;
                    case "customer_id":
                        in.customerId = stringField(p, v, field);
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
                        channel = stringField(p, v, field);
                        break;
                    case "priority":
                        priority = stringField(p, v, field);
                        break;
                    case "occurred_at":
                        occurredAt = stringField(p, v, field);
                        break;
                    case "body":
                        in.body = stringField(p, v, field);
                        break;
                    case "uri":
                        in.uri = stringField(p, v, field);
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
