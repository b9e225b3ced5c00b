package dev.floodgate.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.RawRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, section 2, at the default limits: no record can make a dead letter or a re-encoded
 * event larger than the sinks' budget ({@link RecordLimits}). A dead letter that does not fit
 * carries a prefix with the original length, SHA-256 and position; contract v1 is re-encoded no
 * larger than it was read (Jackson made each emoji 12 bytes).
 */
class RecordSizeTest {
    private static final int MAX = RecordLimits.DEFAULT_MAX_RECORD_BYTES;
    private static final int BUDGET = RecordLimits.RECORD_BUDGET_BYTES;

    @Test
    void theLimitsLeaveRoomForEveryRecordBelowTheProducersRequestSize() {
        assertThat(RecordLimits.MAX_REQUEST_BYTES).isEqualTo(1_048_576);
        assertThat(RecordLimits.MAX_RECORD_BYTES_LIMIT).isEqualTo(1_024_000);
        assertThat(MAX).isLessThanOrEqualTo(RecordLimits.MAX_RECORD_BYTES_LIMIT);
        assertThat(RecordLimits.maxRecordBytesProblem(MAX)).isNull();
        assertThat(RecordLimits.maxRecordBytesProblem(1 << 20))
                .contains("--max-record-bytes 1048576 is above 1024000")
                .contains("max.request.size is 1048576");
    }

    @Test
    void aRecordOverOneMebibyteIsAnOversizedDeadLetterCarriedTruncatedWithItsLengthAndHash()
            throws Exception {
        byte[] value = validJson("c-1", "e-big", randomText(new Random(1), 1_100_000));
        assertThat(value.length).isGreaterThan(1 << 20);
        RawRecord raw = raw("c-1", value);
        DeadLetter d = rejected(raw, DeadLetterReason.OVERSIZED);

        byte[] envelope = OutputCodec.write(d);
        assertThat(envelope.length).isLessThanOrEqualTo(BUDGET).isGreaterThan(BUDGET - 8);
        DeadLetter back = OutputCodec.readDeadLetter(envelope);
        assertTruncatedCopyOf(back, raw);
        assertThat(back.error).contains("the maximum is 1000000");
    }

    @Test
    void aMalformedRecordOf900KbIsABadRecordDeadLetterThatFits() throws Exception {
        // random bytes: invalid UTF-8, and base64 that no compression shrinks
        byte[] value = new byte[900_000];
        new Random(2).nextBytes(value);
        value[0] = '{';
        RawRecord raw = raw("c-2", value);
        DeadLetter d = rejected(raw, DeadLetterReason.INVALID_UTF8);

        byte[] envelope = OutputCodec.write(d);
        assertThat(envelope.length).isLessThanOrEqualTo(BUDGET);
        assertTruncatedCopyOf(OutputCodec.readDeadLetter(envelope), raw);

        // not JSON, but valid UTF-8
        byte[] text = ("not json " + "x".repeat(900_000)).getBytes(StandardCharsets.UTF_8);
        RawRecord notJson = raw("c-2", text);
        byte[] bad = OutputCodec.write(rejected(notJson, DeadLetterReason.BAD_JSON));
        assertThat(bad.length).isLessThanOrEqualTo(BUDGET);
        assertTruncatedCopyOf(OutputCodec.readDeadLetter(bad), notJson);
    }

    @Test
    void aSmallDeadLetterCarriesTheWholeRecordWithItsLengthAndHash() throws Exception {
        RawRecord raw = raw("c-3", "{\"schema\":2}".getBytes(StandardCharsets.UTF_8));
        DeadLetter back =
                OutputCodec.readDeadLetter(
                        OutputCodec.write(rejected(raw, DeadLetterReason.UNSUPPORTED_SCHEMA)));
        assertThat(back.value).isEqualTo(raw.value);
        assertThat(back.key).isEqualTo(raw.key);
        assertThat(back.valueTruncated).isFalse();
        assertThat(back.keyTruncated).isFalse();
        assertThat(back.valueBytes).isEqualTo(raw.value.length);
        assertThat(back.valueSha256).isEqualTo(OutputCodec.sha256(raw.value));
        assertThat(back.keySha256).isEqualTo(OutputCodec.sha256(raw.key));
        assertThat(back.eventId).isNull();
    }

    @Test
    void aHugeKeyAndAHugeErrorAreCutToo() throws Exception {
        byte[] key = new byte[900_000];
        byte[] value = new byte[900_000];
        new Random(3).nextBytes(key);
        new Random(4).nextBytes(value);
        RawRecord raw = new RawRecord(key, value, "interactions", 1, 7, 1_700_000_000_000L);
        DeadLetter d =
                DeadLetter.of(raw, DeadLetterReason.INVALID_UTF8, "\u0001".repeat(50_000), 1);

        byte[] envelope = OutputCodec.write(d);
        assertThat(envelope.length).isLessThanOrEqualTo(BUDGET);
        DeadLetter back = OutputCodec.readDeadLetter(envelope);
        assertThat(back.keyTruncated).isTrue();
        assertThat(back.key).hasSize(RecordLimits.MAX_DEAD_LETTER_KEY_BYTES);
        assertThat(back.keyBytes).isEqualTo(900_000);
        assertThat(back.keySha256).isEqualTo(OutputCodec.sha256(key));
        assertThat(back.valueTruncated).isTrue();
        assertThat(back.error).hasSizeLessThan(RecordLimits.MAX_ERROR_CHARS + 40);
        assertThat(back.error).endsWith("(50000 characters)");
    }

    @Test
    void anyBudgetFromTheMinimumUpIsKept() throws Exception {
        byte[] value = new byte[300_000];
        new Random(5).nextBytes(value);
        DeadLetter d =
                DeadLetter.of(
                        raw("c-4", value), DeadLetterReason.INVALID_UTF8, "x".repeat(5_000), 9);
        for (int budget = OutputCodec.MIN_DEAD_LETTER_BYTES; budget < 420_000; budget += 9_973) {
            byte[] envelope = OutputCodec.write(d, budget);
            assertThat(envelope.length).as("budget %d", budget).isLessThanOrEqualTo(budget);
            DeadLetter back = OutputCodec.readDeadLetter(envelope);
            // a cut prefix uses the budget: at most one base64 group (and "false" for "true")
            if (back.valueTruncated) {
                assertThat(envelope.length).isGreaterThanOrEqualTo(budget - 4);
            }
            assertThat(back.value).isEqualTo(Arrays.copyOf(value, back.value.length));
        }
        assertThatThrownBy(() -> OutputCodec.write(d, OutputCodec.MIN_DEAD_LETTER_BYTES - 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmojiHeavy400KbEventIsReencodedNoLargerThanItCameAndItsDeadLetterFitsWhole()
            throws Exception {
        String body = randomText(new Random(6), 400_000);
        byte[] value = validJson("c-5", "e-emoji", body);
        Interaction in = InteractionCodec.parse(raw("c-5", value), MAX);

        byte[] again = InteractionCodec.write(in);
        byte[] jackson = jacksonWrite(in);
        assertThat(again.length).isLessThanOrEqualTo(value.length + 64);
        assertThat(jackson.length)
                .as("what Jackson wrote: each emoji as two 6-byte escapes")
                .isGreaterThan(2 * value.length);
        assertThat(InteractionCodec.parse(raw("c-5", again), MAX)).isEqualTo(in);

        // the processing dead letter's value is the event in contract v1 form: 4/3 of 400 KB fits
        DeadLetter d = processingDeadLetter(in, again);
        byte[] envelope = OutputCodec.write(d);
        assertThat(envelope.length).isLessThanOrEqualTo(BUDGET);
        DeadLetter back = OutputCodec.readDeadLetter(envelope);
        assertThat(back.valueTruncated).isFalse();
        assertThat(back.value).isEqualTo(again);
        assertThat(back.eventId).isEqualTo("e-emoji");
    }

    @Test
    void theLargestValidEventIsReencodedWithinTheLimitAndItsProcessingDeadLetterIsCut()
            throws Exception {
        String customer = "c-6";
        String body = randomText(new Random(7), MAX - 200);
        byte[] value = validJson(customer, "e-max", body);
        assertThat(value.length + customer.length()).isLessThanOrEqualTo(MAX);
        Interaction in = InteractionCodec.parse(raw(customer, value), MAX);
        byte[] again = InteractionCodec.write(in);
        assertThat(again.length + customer.length())
                .isLessThanOrEqualTo(MAX + 64)
                .isLessThan(RecordLimits.MAX_RECORD_BYTES_LIMIT);

        DeadLetter back =
                OutputCodec.readDeadLetter(OutputCodec.write(processingDeadLetter(in, again)));
        assertThat(back.valueTruncated).isTrue();
        assertThat(back.valueBytes).isEqualTo(again.length);
        assertThat(back.valueSha256).isEqualTo(OutputCodec.sha256(again));
        assertThat(back.eventId).as("readable without the whole value").isEqualTo("e-max");
        assertThat(back.topic + "-" + back.partition + "@" + back.offset)
                .isEqualTo("interactions-3@90412");
    }

    @Test
    void keyAndValueTogetherAreBoundedByTheLimit() {
        byte[] value = validJson("k", "e", "x".repeat(MAX - 200));
        byte[] key = new byte[300];
        Arrays.fill(key, (byte) 'k');
        assertThatThrownBy(() -> InteractionCodec.parse(raw(key, value), MAX))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("key and value are")
                .extracting(e -> ((InvalidRecordException) e).reason())
                .isEqualTo(DeadLetterReason.OVERSIZED);
    }

    @Property(tries = 300)
    void anyEventIsReencodedNoLargerThanJacksonWroteIt(@ForAll String body, @ForAll String id)
            throws Exception {
        // chat: body required, and not empty
        String text = body.isEmpty() ? "b" : body;
        Interaction in = event(id.isEmpty() ? "e" : id, text);
        byte[] jackson = jacksonWrite(in);
        byte[] ours = InteractionCodec.write(in);
        assertThat(ours.length).isLessThanOrEqualTo(jackson.length);
        Interaction back = InteractionCodec.parse(raw(in.customerId, ours), Integer.MAX_VALUE);
        assertThat(back.body).isEqualTo(text);
        assertThat(back.eventId).isEqualTo(in.eventId);
    }

    @Test
    void shortEscapesAreWrittenForEveryControlCharacterThatHasOne() {
        Interaction in = event("e", "\b\f\n\r\t\"\\");
        assertThat(new String(InteractionCodec.write(in), StandardCharsets.UTF_8))
                .contains("\"body\":\"\\b\\f\\n\\r\\t\\\"\\\\\"");
    }

    @Test
    void aResultThatWouldNotFitAProcessedRecordIsRecognised() {
        Interaction in = event("e", "hi");
        assertThat(OutputCodec.processedRecordFits(in, "http-v1", "ok")).isTrue();
        assertThat(OutputCodec.processedRecordFits(in, "http-v1", "x".repeat(BUDGET - 1_000)))
                .isTrue();
        assertThat(OutputCodec.processedRecordFits(in, "http-v1", "x".repeat(BUDGET))).isFalse();
        // 200,000 quotes are 400,000 bytes escaped: fits; 600,000 do not
        assertThat(OutputCodec.processedRecordFits(in, "http-v1", "\"".repeat(200_000))).isTrue();
        assertThat(OutputCodec.processedRecordFits(in, "http-v1", "\"".repeat(600_000))).isFalse();
    }

    private static void assertTruncatedCopyOf(DeadLetter back, RawRecord raw) {
        assertThat(back.valueTruncated).isTrue();
        assertThat(back.valueBytes).isEqualTo(raw.value.length);
        assertThat(back.valueSha256).isEqualTo(OutputCodec.sha256(raw.value));
        assertThat(back.value.length).isGreaterThan(700_000).isLessThan(raw.value.length);
        assertThat(back.value).isEqualTo(Arrays.copyOf(raw.value, back.value.length));
        assertThat(back.key).isEqualTo(raw.key);
        assertThat(back.keyTruncated).isFalse();
        assertThat(back.topic).isEqualTo(raw.topic);
        assertThat(back.partition).isEqualTo(raw.partition);
        assertThat(back.offset).isEqualTo(raw.offset);
    }

    private static DeadLetter rejected(RawRecord raw, DeadLetterReason expected) {
        try {
            InteractionCodec.parse(raw, MAX);
        } catch (InvalidRecordException e) {
            assertThat(e.reason()).isEqualTo(expected);
            return DeadLetter.of(raw, e.reason(), e.getMessage(), 1_700_000_001_000L);
        }
        throw new AssertionError("expected a dead letter");
    }

    /** As ProcessEvents.deadLetter makes it (operators is not visible from here). */
    private static DeadLetter processingDeadLetter(Interaction in, byte[] contractForm) {
        DeadLetter d = new DeadLetter();
        d.key = in.customerId.getBytes(StandardCharsets.UTF_8);
        d.value = contractForm;
        d.eventId = in.eventId;
        d.topic = in.sourceTopic;
        d.partition = in.sourcePartition;
        d.offset = in.sourceOffset;
        d.logTimestamp = in.logTimestamp;
        d.reason = DeadLetterReason.PROCESSING_FAILED;
        d.error = "ProcessingException: HTTP 400";
        d.failedAt = 1_700_000_002_000L;
        d.stage = "process";
        return d;
    }

    private static Interaction event(String id, String body) {
        Interaction in = new Interaction();
        in.eventId = id;
        in.customerId = "c-\u00fc";
        in.seq = 5;
        in.channel = Channel.CHAT;
        in.priority = Priority.LOW;
        in.occurredAt = 1_700_000_000_123L;
        in.body = body;
        return in;
    }

    /** How InteractionCodec wrote contract v1 before: Jackson's generator, defaults. */
    private static byte[] jacksonWrite(Interaction in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
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
        }
        return out.toByteArray();
    }

    /**
     * About {@code bytes} of UTF-8 text, mostly emoji (4 bytes), with CJK, accents, quotes and
     * newlines (escaped in JSON).
     */
    static String randomText(Random random, int bytes) {
        StringBuilder s = new StringBuilder();
        int n = 0;
        while (n < bytes - 4) {
            int r = random.nextInt(100);
            if (r < 80) {
                s.appendCodePoint(0x1F300 + random.nextInt(0x350));
                n += 4;
            } else if (r < 90) {
                s.append((char) (0x4E00 + random.nextInt(0x5000)));
                n += 3;
            } else if (r < 95) {
                s.append('\u00e9');
                n += 2;
            } else if (r < 97) {
                s.append('"');
                n += 2;
            } else {
                s.append('\n');
                n += 2;
            }
        }
        return s.toString();
    }

    /** A valid contract v1 chat event holding {@code body}, as a producer would write it. */
    static byte[] validJson(String customer, String eventId, String body) {
        String escaped = body.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        return ("{\"schema\":1,\"event_id\":\""
                        + eventId
                        + "\",\"customer_id\":\""
                        + customer
                        + "\",\"seq\":1,\"channel\":\"chat\",\"priority\":\"low\","
                        + "\"occurred_at\":\"2026-11-23T09:00:01.123Z\",\"body\":\""
                        + escaped
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static RawRecord raw(String key, byte[] value) {
        return raw(key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static RawRecord raw(byte[] key, byte[] value) {
        return new RawRecord(key, value, "interactions", 3, 90412L, 1_700_000_000_000L);
    }
}
