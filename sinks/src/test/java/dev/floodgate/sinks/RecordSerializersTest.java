package dev.floodgate.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The Kafka records the three sinks write, as docs/contracts.md describes them: topic, key (what
 * keeps one customer's records in one partition), headers and a value that reads back. Sizes are
 * {@link SinkRecordSizeTest}'s.
 */
class RecordSerializersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long LOGGED_AT = 1_790_000_000_123L;

    // --- processed ----------------------------------------------------------------------------

    @Test
    void aResultIsKeyedByCustomerAndReadsBack() throws Exception {
        Interaction in = chat("c-88213", 41);
        ProcessedEvent p =
                ProcessedEvent.of(
                        in, Lane.LIVE, "{\"summary\":\"ok\"}", "http-v1", LOGGED_AT + 1520);

        ProducerRecord<byte[], byte[]> r =
                new ProcessedRecordSerializer("interactions.processed").serialize(p, null, 7L);

        assertThat(r.topic()).isEqualTo("interactions.processed");
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("c-88213");
        assertThat(r.partition()).as("the producer partitions by the key").isNull();
        assertThat(r.timestamp()).as("the topic's LogAppendTime decides").isNull();
        assertThat(r.headers().toArray()).isEmpty();

        ProcessedEvent back = OutputCodec.readProcessed(r.value());
        assertThat(back).usingRecursiveComparison().isEqualTo(p);
        JsonNode n = JSON.readTree(r.value());
        assertThat(n.get("age_ms").asLong()).isEqualTo(1520);
        assertThat(n.get("lane").asText()).isEqualTo("live");
        assertThat(n.get("channel").asText()).isEqualTo("chat");
        assertThat(n.get("priority").asText()).isEqualTo("high");
    }

    @Test
    void aResultWithoutSeqLeavesSeqOut() throws Exception {
        ProcessedEvent p =
                ProcessedEvent.of(
                        chat("c-1", Interaction.NO_SEQ), Lane.BACKFILL, "r", "p", LOGGED_AT);
        ProducerRecord<byte[], byte[]> r =
                new ProcessedRecordSerializer("out").serialize(p, null, null);
        assertThat(JSON.readTree(r.value()).has("seq")).isFalse();
        assertThat(OutputCodec.readProcessed(r.value()).seq).isEqualTo(Interaction.NO_SEQ);
    }

    @Test
    void aNonAsciiCustomerIdIsTheUtf8Key() {
        ProcessedEvent p =
                ProcessedEvent.of(chat("kunde-ü-東京", 1), Lane.REPLAY, "r", "p", LOGGED_AT);
        ProducerRecord<byte[], byte[]> r =
                new ProcessedRecordSerializer("out").serialize(p, null, null);
        assertThat(r.key()).isEqualTo("kunde-ü-東京".getBytes(StandardCharsets.UTF_8));
    }

    // --- shed -----------------------------------------------------------------------------------

    @Test
    void aShedRecordIsTheEventInContractV1KeyedByCustomerWithWhereAndWhy() throws Exception {
        Interaction in = chat("c-88213", 41);
        ProducerRecord<byte[], byte[]> r =
                new ShedRecordSerializer("interactions.shed")
                        .serialize(
                                ShedEvent.of(in, ShedReason.PREDICTED_WAIT, "wait 12.5s > 10s"),
                                null,
                                null);

        assertThat(r.topic()).isEqualTo("interactions.shed");
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("c-88213");
        assertThat(r.partition()).isNull();
        assertThat(r.timestamp()).isNull();
        assertThat(headers(r))
                .containsExactly(
                        "floodgate.source=interactions-3@1234",
                        "floodgate.logged-at=" + LOGGED_AT,
                        "floodgate.shed-reason=predicted_wait",
                        "floodgate.shed-detail=wait 12.5s > 10s");

        // the drain reads it with the live job's parser: the key is the customer id, the value v1
        Interaction back =
                InteractionCodec.parse(
                        new RawRecord(r.key(), r.value(), "interactions.shed", 0, 9, 99),
                        RecordLimits.DEFAULT_MAX_RECORD_BYTES);
        assertThat(back.eventId).isEqualTo(in.eventId);
        assertThat(back.customerId).isEqualTo(in.customerId);
        assertThat(back.seq).isEqualTo(in.seq);
        assertThat(back.channel).isEqualTo(in.channel);
        assertThat(back.priority).isEqualTo(in.priority);
        assertThat(back.occurredAt).isEqualTo(in.occurredAt);
        assertThat(back.body).isEqualTo(in.body);
        assertThat(back.uri).isEqualTo(in.uri);
    }

    @Test
    void everyShedReasonIsItsWireName() {
        ShedRecordSerializer s = new ShedRecordSerializer("shed");
        for (ShedReason reason : ShedReason.values()) {
            ProducerRecord<byte[], byte[]> r =
                    s.serialize(ShedEvent.of(chat("c-1", 1), reason, null), null, null);
            assertThat(header(r, ShedRecordSerializer.HEADER_SHED_REASON))
                    .isEqualTo(reason.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Test
    void aShedRecordWithoutDetailHasNoDetailHeader() {
        ProducerRecord<byte[], byte[]> r =
                new ShedRecordSerializer("shed")
                        .serialize(ShedEvent.of(chat("c-1", 1), ShedReason.LATE, null), null, null);
        assertThat(headers(r))
                .extracting(h -> h.substring(0, h.indexOf('=')))
                .containsExactly(
                        "floodgate.source", "floodgate.logged-at", "floodgate.shed-reason");
    }

    @Test
    void theDetailIsCutTo256Characters() {
        ShedRecordSerializer s = new ShedRecordSerializer("shed");
        String exactly = "d".repeat(256);
        assertThat(detail(s, exactly)).isEqualTo(exactly);
        assertThat(detail(s, exactly + "e")).isEqualTo(exactly);
        assertThat(detail(s, "503 " + "x".repeat(10_000))).hasSize(256).startsWith("503 xxx");
        assertThat(detail(s, "")).isEmpty();
        // characters, not bytes: 256 three-byte characters stay whole
        String wide = "東".repeat(300);
        assertThat(detail(s, wide)).isEqualTo("東".repeat(256));
    }

    @Test
    void theDetailIsNotCutInsideACharacter() {
        // an emoji is two chars: one straddling the bound is left out, not half-written as '?'
        String detail = "x".repeat(255) + "\uD83D\uDE00" + "tail";
        String cut = detail(new ShedRecordSerializer("shed"), detail);
        assertThat(cut).isEqualTo("x".repeat(255));
        assertThat(cut).doesNotContain("?");
    }

    @Test
    void aVoiceEventKeepsItsUriAndSourceOfAnotherPartition() throws Exception {
        Interaction in = chat("c-2", 7);
        in.channel = Channel.VOICE;
        in.priority = Priority.LOW;
        in.body = null;
        in.uri = "s3://calls/2026/11/23/c-2-7.opus";
        in.sourceTopic = "interactions.eu";
        in.sourcePartition = 11;
        in.sourceOffset = 0;
        ProducerRecord<byte[], byte[]> r =
                new ShedRecordSerializer("shed")
                        .serialize(ShedEvent.of(in, ShedReason.CIRCUIT_OPEN, null), null, null);
        assertThat(header(r, ShedRecordSerializer.HEADER_SOURCE)).isEqualTo("interactions.eu-11@0");
        Interaction back =
                InteractionCodec.parse(
                        new RawRecord(r.key(), r.value(), "shed", 0, 0, 0),
                        RecordLimits.DEFAULT_MAX_RECORD_BYTES);
        assertThat(back.uri).isEqualTo(in.uri);
        assertThat(back.body).isNull();
        assertThat(back.channel).isEqualTo(Channel.VOICE);
    }

    // --- dead letters ---------------------------------------------------------------------------

    @Test
    void aParseDeadLetterKeepsTheOriginalKeyAndCarriesTheEnvelope() throws Exception {
        byte[] key = "c-88213".getBytes(StandardCharsets.UTF_8);
        byte[] value = {'{', '"', (byte) 0xc3, (byte) 0x28, '"'}; // invalid UTF-8
        DeadLetter d =
                DeadLetter.of(
                        new RawRecord(key, value, "interactions", 2, 1234, LOGGED_AT),
                        DeadLetterReason.INVALID_UTF8,
                        "invalid UTF-8 at byte 2",
                        LOGGED_AT + 50);

        ProducerRecord<byte[], byte[]> r =
                new DeadLetterSerializer("interactions.dlq").serialize(d, null, null);

        assertThat(r.topic()).isEqualTo("interactions.dlq");
        assertThat(r.key()).isEqualTo(key);
        assertThat(r.partition()).isNull();
        assertThat(r.timestamp()).isNull();
        assertThat(headers(r)).containsExactly("floodgate.reason=invalid_utf8");

        JsonNode n = JSON.readTree(r.value());
        assertThat(n.get("reason").asText()).isEqualTo("invalid_utf8");
        assertThat(n.get("error").asText()).isEqualTo("invalid UTF-8 at byte 2");
        assertThat(n.get("stage").asText()).isEqualTo("parse");
        assertThat(n.has("event_id")).as("stage parse has no event id").isFalse();
        assertThat(n.get("topic").asText()).isEqualTo("interactions");
        assertThat(n.get("partition").asInt()).isEqualTo(2);
        assertThat(n.get("offset").asLong()).isEqualTo(1234);
        assertThat(n.get("logged_at").asText()).isEqualTo("2026-09-21T14:13:20.123Z");
        assertThat(n.get("failed_at").asText()).isEqualTo("2026-09-21T14:13:20.173Z");
        assertThat(n.get("key_bytes").asInt()).isEqualTo(key.length);
        assertThat(n.get("key_sha256").asText()).isEqualTo(OutputCodec.sha256(key));
        assertThat(n.get("key_truncated").asBoolean()).isFalse();
        assertThat(Base64.getDecoder().decode(n.get("key_base64").asText())).isEqualTo(key);
        assertThat(n.get("value_bytes").asInt()).isEqualTo(value.length);
        assertThat(n.get("value_sha256").asText()).isEqualTo(OutputCodec.sha256(value));
        assertThat(n.get("value_truncated").asBoolean()).isFalse();
        assertThat(Base64.getDecoder().decode(n.get("value_base64").asText()))
                .as("invalid UTF-8 survives")
                .isEqualTo(value);

        DeadLetter back = OutputCodec.readDeadLetter(r.value());
        assertThat(back.key).isEqualTo(key);
        assertThat(back.value).isEqualTo(value);
        assertThat(back.reason).isEqualTo(DeadLetterReason.INVALID_UTF8);
        assertThat(back.logTimestamp).isEqualTo(LOGGED_AT);
        assertThat(back.failedAt).isEqualTo(LOGGED_AT + 50);
    }

    @Test
    void aTombstoneWithoutKeyIsADeadLetterWithoutKeyOrValueFields() throws Exception {
        DeadLetter d =
                DeadLetter.of(
                        new RawRecord(null, null, "interactions", 0, 5, LOGGED_AT),
                        DeadLetterReason.EMPTY_VALUE,
                        "record has no value",
                        LOGGED_AT);
        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("dlq").serialize(d, null, null);
        assertThat(r.key()).isNull();
        assertThat(header(r, DeadLetterSerializer.HEADER_REASON)).isEqualTo("empty_value");
        JsonNode n = JSON.readTree(r.value());
        for (String absent :
                List.of(
                        "key_bytes",
                        "key_sha256",
                        "key_truncated",
                        "key_base64",
                        "value_bytes",
                        "value_sha256",
                        "value_truncated",
                        "value_base64")) {
            assertThat(n.has(absent)).as(absent).isFalse();
        }
        assertThat(n.get("offset").asLong()).isEqualTo(5);
    }

    @Test
    void aKeyUpTo4KiBIsTheRecordsKeyALongerOneOnlyInTheEnvelope() throws Exception {
        DeadLetterSerializer s = new DeadLetterSerializer("dlq");
        byte[] atLimit =
                "k".repeat(RecordLimits.MAX_DEAD_LETTER_KEY_BYTES).getBytes(StandardCharsets.UTF_8);
        byte[] over =
                "k"
                        .repeat(RecordLimits.MAX_DEAD_LETTER_KEY_BYTES + 1)
                        .getBytes(StandardCharsets.UTF_8);

        assertThat(s.serialize(keyMismatch(atLimit), null, null).key()).isEqualTo(atLimit);

        ProducerRecord<byte[], byte[]> r = s.serialize(keyMismatch(over), null, null);
        assertThat(r.key()).isNull();
        DeadLetter back = OutputCodec.readDeadLetter(r.value());
        assertThat(back.key).as("small enough to be carried whole").isEqualTo(over);
        assertThat(back.keyTruncated).isFalse();
    }

    @Test
    void aProcessingDeadLetterIsKeyedByCustomerAndNamesTheEvent() throws Exception {
        Interaction in = chat("c-7", 3);
        DeadLetter d = new DeadLetter();
        d.key = in.customerId.getBytes(StandardCharsets.UTF_8);
        d.value = InteractionCodec.write(in);
        d.eventId = in.eventId;
        d.topic = in.sourceTopic;
        d.partition = in.sourcePartition;
        d.offset = in.sourceOffset;
        d.logTimestamp = in.logTimestamp;
        d.reason = DeadLetterReason.PROCESSING_FAILED;
        d.error = "HTTP 400: unsupported codec";
        d.failedAt = LOGGED_AT + 9_000;
        d.stage = "process";

        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("dlq").serialize(d, null, null);

        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("c-7");
        assertThat(header(r, DeadLetterSerializer.HEADER_REASON)).isEqualTo("processing_failed");
        JsonNode n = JSON.readTree(r.value());
        assertThat(n.get("stage").asText()).isEqualTo("process");
        assertThat(n.get("event_id").asText()).isEqualTo(in.eventId);
        // the value is the event in contract v1: it can be re-sent to the log as it is
        DeadLetter back = OutputCodec.readDeadLetter(r.value());
        Interaction resent =
                InteractionCodec.parse(
                        new RawRecord(back.key, back.value, "interactions", 0, 0, 0),
                        RecordLimits.DEFAULT_MAX_RECORD_BYTES);
        assertThat(resent.eventId).isEqualTo(in.eventId);
        assertThat(resent.body).isEqualTo(in.body);
    }

    @Test
    void everyReasonIsItsWireNameInHeaderAndEnvelope() throws Exception {
        DeadLetterSerializer s = new DeadLetterSerializer("dlq");
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            DeadLetter d =
                    DeadLetter.of(
                            new RawRecord(new byte[] {'k'}, new byte[] {'v'}, "t", 0, 0, 0),
                            reason,
                            "e",
                            0);
            ProducerRecord<byte[], byte[]> r = s.serialize(d, null, null);
            assertThat(header(r, DeadLetterSerializer.HEADER_REASON)).isEqualTo(reason.wireName());
            assertThat(JSON.readTree(r.value()).get("reason").asText())
                    .isEqualTo(reason.wireName());
            assertThat(OutputCodec.readDeadLetter(r.value()).reason).isEqualTo(reason);
        }
    }

    @Test
    void theSerializersSurviveJavaSerialization() throws Exception {
        // they travel to the task managers inside the sinks
        ShedRecordSerializer shed = InstantiationUtil.clone(new ShedRecordSerializer("shed-x"));
        assertThat(
                        shed.serialize(
                                        ShedEvent.of(chat("c-1", 1), ShedReason.HOT_KEY, null),
                                        null,
                                        null)
                                .topic())
                .isEqualTo("shed-x");
        ProcessedRecordSerializer processed =
                InstantiationUtil.clone(new ProcessedRecordSerializer("processed-x"));
        assertThat(
                        processed
                                .serialize(
                                        ProcessedEvent.of(chat("c-1", 1), Lane.LIVE, "r", "p", 0),
                                        null,
                                        null)
                                .topic())
                .isEqualTo("processed-x");
        DeadLetterSerializer dlq = InstantiationUtil.clone(new DeadLetterSerializer("dlq-x"));
        assertThat(dlq.serialize(keyMismatch(new byte[] {'k'}), null, null).topic())
                .isEqualTo("dlq-x");
    }

    // --- helpers --------------------------------------------------------------------------------

    private static Interaction chat(String customer, long seq) {
        Interaction in = new Interaction();
        in.eventId = "e-" + customer + "-" + seq;
        in.customerId = customer;
        in.seq = seq;
        in.channel = Channel.CHAT;
        in.priority = Priority.HIGH;
        in.occurredAt = LOGGED_AT - 2_000;
        in.body = "Hallo, \"mein\" Paket ist nicht da 📦\n";
        in.logTimestamp = LOGGED_AT;
        in.sourceTopic = "interactions";
        in.sourcePartition = 3;
        in.sourceOffset = 1234;
        return in;
    }

    private static DeadLetter keyMismatch(byte[] key) {
        return DeadLetter.of(
                new RawRecord(key, "{}".getBytes(StandardCharsets.UTF_8), "t", 0, 1, LOGGED_AT),
                DeadLetterReason.KEY_MISMATCH,
                "key disagrees",
                LOGGED_AT);
    }

    private static String detail(ShedRecordSerializer s, String detail) {
        ProducerRecord<byte[], byte[]> r =
                s.serialize(
                        ShedEvent.of(chat("c-1", 1), ShedReason.SERVICE_UNAVAILABLE, detail),
                        null,
                        null);
        return header(r, ShedRecordSerializer.HEADER_SHED_DETAIL);
    }

    /** The record's headers in order, as {@code name=value} (values as UTF-8). */
    private static List<String> headers(ProducerRecord<byte[], byte[]> r) {
        List<String> out = new ArrayList<>();
        for (Header h : r.headers()) {
            out.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The one header called {@code name}, as UTF-8 text. */
    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        Header[] found = r.headers().toArray();
        List<String> values = new ArrayList<>();
        for (Header h : found) {
            if (h.key().equals(name)) {
                values.add(new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        assertThat(values).as("header %s once", name).hasSize(1);
        return values.get(0);
    }
}
