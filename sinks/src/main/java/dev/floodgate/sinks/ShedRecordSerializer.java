package dev.floodgate.sinks;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.model.Interaction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A shed event in its original contract v1 form, keyed by customer_id, so the backfill job reads
 * the shed lane with the same parser as the live log. Headers keep where it came from in the
 * interaction log.
 */
public class ShedRecordSerializer implements KafkaRecordSerializationSchema<Interaction> {
    private static final long serialVersionUID = 1L;

    public static final String HEADER_SOURCE = "floodgate.source";
    public static final String HEADER_LOGGED_AT = "floodgate.logged-at";

    private final String topic;

    public ShedRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            Interaction in, KafkaSinkContext context, Long timestamp) {
        List<Header> headers =
                List.of(
                        new RecordHeader(
                                HEADER_SOURCE,
                                (in.sourceTopic + "-" + in.sourcePartition + "@" + in.sourceOffset)
                                        .getBytes(StandardCharsets.UTF_8)),
                        new RecordHeader(
                                HEADER_LOGGED_AT,
                                Long.toString(in.logTimestamp).getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(
                topic,
                null,
                null,
                in.customerId.getBytes(StandardCharsets.UTF_8),
                InteractionCodec.write(in),
                headers);
    }
}
