package dev.floodgate.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InteractionCodecTest {
    private static final int MAX = 4096;
    private static final String VALID =
            "{\"schema\":1,\"event_id\":\"e-1\",\"customer_id\":\"88213\",\"seq\":41,"
                    + "\"channel\":\"chat\",\"priority\":\"high\",\"occurred_at\":\"2026-11-23T09:00:01.123Z\","
                    + "\"body\":\"payment failed again\"}";

    private static RawRecord raw(String key, byte[] value) {
        return new RawRecord(
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value,
                "interactions",
                3,
                90412L,
                1_700_000_000_000L);
    }

    private static RawRecord raw(String key, String value) {
        return raw(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static DeadLetterReason reasonFor(RawRecord record) {
        try {
            InteractionCodec.parse(record, MAX);
        } catch (InvalidRecordException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.reason();
        }
        throw new AssertionError("expected a dead letter for " + record);
    }

    @Test
    void validRecordParsesWithItsLogPosition() throws Exception {
        Interaction in = InteractionCodec.parse(raw("88213", VALID), MAX);
        assertThat(in.eventId).isEqualTo("e-1");
        assertThat(in.customerId).isEqualTo("88213");
        assertThat(in.seq).isEqualTo(41);
        assertThat(in.channel).isEqualTo(Channel.CHAT);
        assertThat(in.priority).isEqualTo(Priority.HIGH);
        assertThat(in.occurredAt)
                .isEqualTo(java.time.Instant.parse("2026-11-23T09:00:01.123Z").toEpochMilli());
        assertThat(in.body).isEqualTo("payment failed again");
        assertThat(in.uri).isNull();
        assertThat(in.sourcePartition).isEqualTo(3);
        assertThat(in.sourceOffset).isEqualTo(90412L);
        assertThat(in.logTimestamp).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void validRecordsRoundTrip() throws Exception {
        Interaction voice =
                InteractionCodec.parse(
                        raw(
                                "7",
                                "{\"schema\":1,\"event_id\":\"v\",\"customer_id\":\"7\","
                                        + "\"channel\":\"voice\",\"priority\":\"low\",\"occurred_at\":\"2026-11-23T09:00:00Z\","
                                        + "\"uri\":\"s3://raw/audio/7/1.wav\",\"extra\":{\"ignored\":[1,2]}}"),
                        MAX);
        assertThat(voice.hasSeq()).isFalse();
        for (Interaction in :
                new Interaction[] {voice, InteractionCodec.parse(raw("88213", VALID), MAX)}) {
            RawRecord again = raw(in.customerId, InteractionCodec.write(in));
            again.partition = in.sourcePartition;
            again.offset = in.sourceOffset;
            again.timestamp = in.logTimestamp;
            assertThat(InteractionCodec.parse(again, MAX)).isEqualTo(in);
        }
    }

    @Test
    void seqEpochIsWrittenAfterSeqAndRoundTrips() throws Exception {
        String withEpoch = VALID.replace("\"seq\":41,", "\"seq\":41,\"seq_epoch\":3,");
        Interaction in = InteractionCodec.parse(raw("88213", withEpoch), MAX);
        assertThat(in.seqEpoch).isEqualTo(3L);
        assertThat(in.hasSeqEpoch()).isTrue();
        byte[] written = InteractionCodec.write(in);
        assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(withEpoch);
        RawRecord again = raw(in.customerId, written);
        assertThat(InteractionCodec.parse(again, MAX)).isEqualTo(in);

        // an epoch without a seq is kept too, and no epoch writes no field
        in.seq = Interaction.NO_SEQ;
        String noSeq = new String(InteractionCodec.write(in), StandardCharsets.UTF_8);
        assertThat(noSeq).contains("\"customer_id\":\"88213\",\"seq_epoch\":3,\"channel\"");
        assertThat(InteractionCodec.parse(raw("88213", noSeq), MAX).seqEpoch).isEqualTo(3L);
        in.seqEpoch = Interaction.NO_EPOCH;
        assertThat(new String(InteractionCodec.write(in), StandardCharsets.UTF_8))
                .doesNotContain("seq_epoch");
        assertThat(InteractionCodec.parse(raw("88213", VALID), MAX).seqEpoch)
                .isEqualTo(Interaction.NO_EPOCH);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "two different seqs   | \"seq\":41,\"seq\":42, | seq",
                "the same seq twice   | \"seq\":41,\"seq\":41, | seq",
                "an unknown field twice | \"x\":1,\"seq\":41,\"x\":1, | x",
            })
    void aFieldGivenTwiceIsADeadLetter(String name, String seqPart, String field) {
        String value = VALID.replace("\"seq\":41,", seqPart.trim());
        InvalidRecordException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        InvalidRecordException.class,
                        () -> InteractionCodec.parse(raw("88213", value), MAX));
        assertThat(e.reason()).isEqualTo(DeadLetterReason.DUPLICATE_FIELD);
        assertThat(e.reason().wireName()).isEqualTo("duplicate_field");
        assertThat(e.getMessage()).isEqualTo("field '" + field.trim() + "' given twice");
    }

    @Test
    void aNameTwiceInsideAnUnknownFieldIsFine() throws Exception {
        String value = VALID.replace("\"seq\":41,", "\"seq\":41,\"x\":{\"a\":1,\"a\":2},");
        assertThat(InteractionCodec.parse(raw("88213", value), MAX).seq).isEqualTo(41L);
    }

    @Test
    void emptyValue() {
        assertThat(reasonFor(raw("1", new byte[0]))).isEqualTo(DeadLetterReason.EMPTY_VALUE);
        assertThat(reasonFor(raw("1", (byte[]) null))).isEqualTo(DeadLetterReason.EMPTY_VALUE);
    }

    @Test
    void oversized() {
        String big = VALID.replace("payment failed again", "x".repeat(MAX));
        assertThat(reasonFor(raw("88213", big))).isEqualTo(DeadLetterReason.OVERSIZED);
    }

    @Test
    void invalidUtf8() {
        byte[] v = VALID.getBytes(StandardCharsets.UTF_8);
        v[v.length - 5] = (byte) 0xFF;
        assertThat(reasonFor(raw("88213", v))).isEqualTo(DeadLetterReason.INVALID_UTF8);
        byte[] overlong = VALID.replace("again", "ag\u0000in").getBytes(StandardCharsets.UTF_8);
        // 0xC0 0x80 is an overlong NUL: valid-looking, forbidden by UTF-8.
        byte[] withOverlong =
                new String(overlong, StandardCharsets.UTF_8)
                        .replace("\u0000", "@")
                        .getBytes(StandardCharsets.UTF_8);
        int at = new String(withOverlong, StandardCharsets.UTF_8).indexOf('@');
        byte[] patched = new byte[withOverlong.length + 1];
        System.arraycopy(withOverlong, 0, patched, 0, at);
        patched[at] = (byte) 0xC0;
        patched[at + 1] = (byte) 0x80;
        System.arraycopy(withOverlong, at + 1, patched, at + 2, withOverlong.length - at - 1);
        assertThat(reasonFor(raw("88213", patched))).isEqualTo(DeadLetterReason.INVALID_UTF8);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not json at all     | hello",
                "truncated object    | {\"schema\":1,\"event_id\":\"e\"",
                "array not object    | [1,2,3]",
                "trailing garbage    | {\"schema\":1} {}",
            })
    void badJson(String name, String value) {
        assertThat(reasonFor(raw("88213", value))).isEqualTo(DeadLetterReason.BAD_JSON);
    }

    @ParameterizedTest(name = "missing {0}")
    @CsvSource({"schema", "event_id", "customer_id", "channel", "priority", "occurred_at", "body"})
    void missingField(String field) {
        String value =
                VALID.replaceAll("\"" + field + "\":(\"[^\"]*\"|\\d+),?", "").replace(",}", "}");
        assertThat(reasonFor(raw("88213", value))).isEqualTo(DeadLetterReason.MISSING_FIELD);
    }

    @Test
    void missingUriForVoice() {
        String value = VALID.replace("\"chat\"", "\"voice\"");
        assertThat(reasonFor(raw("88213", value))).isEqualTo(DeadLetterReason.MISSING_FIELD);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "seq as string        | \"seq\":41             | \"seq\":\"41\"",
                "seq as decimal       | \"seq\":41             | \"seq\":41.5",
                "seq_epoch as string  | \"seq\":41             | \"seq\":41,\"seq_epoch\":\"2\"",
                "seq_epoch as decimal | \"seq\":41             | \"seq\":41,\"seq_epoch\":2.0",
                "schema as string     | \"schema\":1           | \"schema\":\"1\"",
                "customer_id as number| \"customer_id\":\"88213\" | \"customer_id\":88213",
                "body as object       | \"body\":\"payment failed again\" | \"body\":{\"t\":1}",
                "channel as array     | \"channel\":\"chat\"   | \"channel\":[\"chat\"]",
            })
    void wrongType(String name, String from, String to) {
        assertThat(reasonFor(raw("88213", VALID.replace(from.trim(), to.trim()))))
                .isEqualTo(DeadLetterReason.WRONG_TYPE);
    }

    @Test
    void invalidValues() {
        assertThat(reasonFor(raw("88213", VALID.replace("\"seq\":41", "\"seq\":0"))))
                .isEqualTo(DeadLetterReason.INVALID_VALUE);
        assertThat(
                        reasonFor(
                                raw(
                                        "88213",
                                        VALID.replace("\"seq\":41", "\"seq\":41,\"seq_epoch\":0"))))
                .isEqualTo(DeadLetterReason.INVALID_VALUE);
        assertThat(reasonFor(raw("88213", VALID.replace("2026-11-23T09:00:01.123Z", "yesterday"))))
                .isEqualTo(DeadLetterReason.INVALID_VALUE);
        assertThat(reasonFor(raw("88213", VALID.replace("\"e-1\"", "\"\""))))
                .isEqualTo(DeadLetterReason.INVALID_VALUE);
    }

    @Test
    void unknownChannelAndPriority() {
        assertThat(reasonFor(raw("88213", VALID.replace("\"chat\"", "\"fax\""))))
                .isEqualTo(DeadLetterReason.UNKNOWN_CHANNEL);
        assertThat(reasonFor(raw("88213", VALID.replace("\"high\"", "\"urgent\""))))
                .isEqualTo(DeadLetterReason.UNKNOWN_PRIORITY);
    }

    @Test
    void unsupportedSchema() {
        assertThat(reasonFor(raw("88213", VALID.replace("\"schema\":1", "\"schema\":2"))))
                .isEqualTo(DeadLetterReason.UNSUPPORTED_SCHEMA);
    }

    @Test
    void keyMustEqualCustomerId() {
        assertThat(reasonFor(raw("99999", VALID))).isEqualTo(DeadLetterReason.KEY_MISMATCH);
        assertThat(reasonFor(raw(null, VALID))).isEqualTo(DeadLetterReason.KEY_MISMATCH);
    }

    @Test
    void deadLetterEnvelopeKeepsTheOriginalBytes() throws Exception {
        byte[] value = {'{', (byte) 0xFF, '}'};
        DeadLetter d =
                DeadLetter.of(
                        raw("k", value),
                        DeadLetterReason.INVALID_UTF8,
                        "invalid UTF-8 at byte 1",
                        5L);
        DeadLetter back = OutputCodec.readDeadLetter(OutputCodec.write(d));
        assertThat(back.value).isEqualTo(value);
        assertThat(back.key).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
        assertThat(back.reason).isEqualTo(DeadLetterReason.INVALID_UTF8);
        assertThat(back.offset).isEqualTo(90412L);
        assertThat(back.partition).isEqualTo(3);
        assertThat(back.stage).isEqualTo("parse");
        assertThatThrownBy(() -> InteractionCodec.parse(raw("k", value), MAX))
                .isInstanceOf(InvalidRecordException.class);
    }
}
