package dev.floodgate.sinks;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.ProcessedEvent;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A processed result as JSON, keyed by customer_id (so one customer's results stay in order in one
 * partition).
 */
public class ProcessedRecordSerializer implements KafkaRecordSerializationSchema<ProcessedEvent> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    public ProcessedRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            ProcessedEvent p, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic, p.customerId.getBytes(StandardCharsets.UTF_8), OutputCodec.write(p));
    }
}
