package dev.floodgate.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.InvalidRecordException;
import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * Every sink's serializer, fed the largest records the job can meet at the default limits, writes a
 * record the producer accepts (its own size check, against the {@code max.request.size} the sinks
 * set) and the broker accepts (the lz4 batch against the default {@code message.max.bytes},
 * 1,048,588): so no record can fail a sink. The records are made as incompressible as their kind
 * allows (random bytes, random emoji).
 */
class SinkRecordSizeTest {
    private static final int BROKER_MESSAGE_MAX_BYTES = 1_048_588;
    private static final int MAX = RecordLimits.DEFAULT_MAX_RECORD_BYTES;

    /** The longest topic name Kafka allows, for the shed lane's source header. */
    private static final String TOPIC = "t".repeat(249);

    @Test
    void theSinksSetTheRequestSizeTheBudgetIsDerivedFrom() {
        assertThat(ExactlyOnceKafkaSinks.producerProperties())
                .containsEntry("max.request.size", "1048576")
                .containsEntry("compression.type", "lz4");
        assertThat(RecordLimits.MAX_REQUEST_BYTES).isEqualTo(1_048_576);
    }

    @Test
    void deadLettersOfTheLargestRecordsFit() {
        DeadLetterSerializer dlq = new DeadLetterSerializer("interactions.dlq");
        Random random = new Random(11);

        byte[] oversized = validJson("c-1", "e-1", emoji(random, 1_100_000));
        assertFits(dlq.serialize(parseRejected(raw("c-1", oversized)), null, null));

        byte[] malformed = new byte[900_000];
        random.nextBytes(malformed);
        assertFits(dlq.serialize(parseRejected(raw("c-2", malformed)), null, null));

        // a key as large as the value: the record's key is left out, the envelope keeps a prefix
        byte[] key = new byte[900_000];
        random.nextBytes(key);
        ProducerRecord<byte[], byte[]> hugeKey =
                dlq.serialize(
                        DeadLetter.of(
                                new RawRecord(key, malformed, TOPIC, 0, 1, 2),
                                DeadLetterReason.INVALID_UTF8,
                                "x",
                                3),
                        null,
                        null);
        assertThat(hugeKey.key()).isNull();
        assertFits(hugeKey);

        Interaction largest = largestValidEvent(random);
        DeadLetter processing = processingDeadLetter(largest);
        ProducerRecord<byte[], byte[]> r = dlq.serialize(processing, null, null);
        assertThat(r.key()).isEqualTo(largest.customerId.getBytes(StandardCharsets.UTF_8));
        assertFits(r);
    }

    @Test
    void theLargestValidEventFitsTheShedLaneWhole() throws Exception {
        Interaction largest = largestValidEvent(new Random(12));
        ProducerRecord<byte[], byte[]> r =
                new ShedRecordSerializer("interactions.shed")
                        .serialize(
                                ShedEvent.of(
                                        largest,
                                        ShedReason.SERVICE_UNAVAILABLE,
                                        "x".repeat(10_000)), // the detail is cut to its bound
                                null,
                                null);
        Interaction back = InteractionCodec.parse(raw(r.key(), r.value()), MAX);
        assertThat(back.body).as("whole, and still within the limit").isEqualTo(largest.body);
        assertThat(back.eventId).isEqualTo(largest.eventId);
        assertFits(r);
    }

    @Test
    void aPassThroughResultOfTheLargestValidEventFits() {
        Interaction largest = largestValidEvent(new Random(13));
        ProcessedEvent p =
                ProcessedEvent.of(
                        largest,
                        Lane.BACKFILL,
                        largest.body,
                        "passthrough-v1",
                        System.currentTimeMillis());
        assertFits(
                new ProcessedRecordSerializer("interactions.processed").serialize(p, null, null));
    }

    /** The producer's check and the broker's, as the client computes them. */
    private static void assertFits(ProducerRecord<byte[], byte[]> r) {
        Header[] headers = r.headers().toArray();
        int estimate =
                AbstractRecords.estimateSizeInBytesUpperBound(
                        RecordBatch.CURRENT_MAGIC_VALUE,
                        CompressionType.LZ4,
                        r.key(),
                        r.value(),
                        headers);
        assertThat(estimate)
                .as("the producer's size of the record (max.request.size)")
                .isLessThanOrEqualTo(RecordLimits.MAX_REQUEST_BYTES);
        MemoryRecords batch =
                MemoryRecords.withRecords(
                        Compression.lz4().build(),
                        new SimpleRecord(System.currentTimeMillis(), r.key(), r.value(), headers));
        assertThat(batch.sizeInBytes())
                .as("the broker's size of the batch (message.max.bytes)")
                .isLessThanOrEqualTo(BROKER_MESSAGE_MAX_BYTES);
    }

    /**
     * A valid event whose key and value are within the default limit, made of random emoji (the
     * least compressible text, and 12 bytes each as Jackson wrote them), read from the longest
     * topic name.
     */
    private static Interaction largestValidEvent(Random random) {
        String customer = "c-" + "9".repeat(60);
        byte[] value = validJson(customer, "e-" + "7".repeat(60), emoji(random, MAX - 400));
        assertThat(value.length + customer.length()).isLessThanOrEqualTo(MAX);
        try {
            return InteractionCodec.parse(
                    new RawRecord(
                            customer.getBytes(StandardCharsets.UTF_8),
                            value,
                            TOPIC,
                            Integer.MAX_VALUE,
                            Long.MAX_VALUE,
                            Long.MAX_VALUE / 2),
                    MAX);
        } catch (InvalidRecordException e) {
            throw new AssertionError(e);
        }
    }

    private static DeadLetter processingDeadLetter(Interaction in) {
        DeadLetter d = new DeadLetter();
        d.key = in.customerId.getBytes(StandardCharsets.UTF_8);
        d.value = InteractionCodec.write(in);
        d.eventId = in.eventId;
        d.topic = in.sourceTopic;
        d.partition = in.sourcePartition;
        d.offset = in.sourceOffset;
        d.logTimestamp = in.logTimestamp;
        d.reason = DeadLetterReason.PROCESSING_FAILED;
        d.error = "ProcessingException: " + "e".repeat(100_000);
        d.failedAt = System.currentTimeMillis();
        d.stage = "process";
        return d;
    }

    private static DeadLetter parseRejected(RawRecord raw) {
        try {
            InteractionCodec.parse(raw, MAX);
            throw new AssertionError("expected a dead letter");
        } catch (InvalidRecordException e) {
            return DeadLetter.of(raw, e.reason(), e.getMessage(), System.currentTimeMillis());
        }
    }

    private static String emoji(Random random, int bytes) {
        StringBuilder s = new StringBuilder();
        for (int n = 0; n + 4 <= bytes; n += 4) {
            s.appendCodePoint(0x1F300 + random.nextInt(0x350));
        }
        return s.toString();
    }

    private static byte[] validJson(String customer, String eventId, String body) {
        return ("{\"schema\":1,\"event_id\":\""
                        + eventId
                        + "\",\"customer_id\":\""
                        + customer
                        + "\",\"seq\":1,\"channel\":\"chat\",\"priority\":\"low\","
                        + "\"occurred_at\":\"2026-11-23T09:00:01.123Z\",\"body\":\""
                        + body
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static RawRecord raw(String key, byte[] value) {
        return raw(key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static RawRecord raw(byte[] key, byte[] value) {
        return new RawRecord(key, value, TOPIC, 3, 90412L, 1_700_000_000_000L);
    }
}
