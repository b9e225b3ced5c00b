package dev.floodgate.sinks;

import dev.floodgate.contract.OutputCodec;
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
 * for filtering without parsing.
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
        return new ProducerRecord<>(topic, null, null, d.key, OutputCodec.write(d), headers);
    }
}
