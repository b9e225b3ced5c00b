package dev.floodgate.sinks;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A dead letter keyed by the original key; the value is a JSON envelope with the reason, the
 * position and the original bytes (base64, so invalid UTF-8 survives). The reason is also a header,
 * for filtering without parsing. The record always fits the producer's {@code max.request.size}
 * ({@link RecordLimits}): the envelope gets what the budget leaves after the key and the headers,
 * and carries a prefix of a value that does not fit whole, with its length and SHA-256; an original
 * key above {@link RecordLimits#MAX_DEAD_LETTER_KEY_BYTES} is not the record's key (the envelope
 * keeps its prefix). So no record, however large, can fail this sink.
 */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    public static final String HEADER_REASON = "floodgate.reason";

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter d, KafkaSinkContext context, Long timestamp) {
        List<Header> headers =
                List.of(
                        new RecordHeader(
                                HEADER_REASON,
                                d.reason.wireName().getBytes(StandardCharsets.UTF_8)));
        byte[] key =
                d.key != null && d.key.length <= RecordLimits.MAX_DEAD_LETTER_KEY_BYTES
                        ? d.key
                        : null;
        int budget =
                RecordLimits.RECORD_BUDGET_BYTES
                        - (key == null ? 0 : key.length)
                        - headerBytes(headers);
        return new ProducerRecord<>(topic, null, null, key, OutputCodec.write(d, budget), headers);
    }

    /**
     * At least what {@code headers} take in a Kafka record: per header two varint lengths (5 bytes
     * at most each), the name in UTF-8 and the value, and the count.
     */
    static int headerBytes(Iterable<Header> headers) {
        int n = 5;
        for (Header h : headers) {
            n += 10 + h.key().getBytes(StandardCharsets.UTF_8).length;
            n += h.value() == null ? 0 : h.value().length;
        }
        return n;
    }
}
