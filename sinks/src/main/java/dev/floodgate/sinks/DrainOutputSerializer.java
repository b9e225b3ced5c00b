package dev.floodgate.sinks;

import dev.floodgate.model.DrainOutput;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The drain's one serializer: each {@link DrainOutput} goes to its topic in the form the separate
 * sinks write it (results, dead letters, events shed again, progress marks), so one producer, and
 * so one transaction per checkpoint and subtask, holds them all. It names its topics (the
 * connector's POOLING naming lists open transactions on them).
 */
public class DrainOutputSerializer
        implements KafkaRecordSerializationSchema<DrainOutput>, KafkaDatasetFacetProvider {
    private static final long serialVersionUID = 1L;

    private final ProcessedRecordSerializer processed;
    private final DeadLetterSerializer deadLetters;
    private final ShedRecordSerializer shed;
    private final DrainMarkSerializer marks;
    private final List<String> topics;

    public DrainOutputSerializer(
            String processedTopic,
            String deadLetterTopic,
            String shedTopic,
            String progressTopic,
            String group) {
        this.processed = new ProcessedRecordSerializer(processedTopic);
        this.deadLetters = new DeadLetterSerializer(deadLetterTopic);
        this.shed = new ShedRecordSerializer(shedTopic);
        this.marks = new DrainMarkSerializer(progressTopic, group);
        this.topics = List.of(processedTopic, deadLetterTopic, shedTopic, progressTopic);
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws Exception {
        processed.open(context, sinkContext);
        deadLetters.open(context, sinkContext);
        shed.open(context, sinkContext);
        marks.open(context, sinkContext);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DrainOutput out, KafkaSinkContext context, Long timestamp) {
        if (out.processed != null) {
            return processed.serialize(out.processed, context, timestamp);
        }
        if (out.deadLetter != null) {
            return deadLetters.serialize(out.deadLetter, context, timestamp);
        }
        if (out.shedAgain != null) {
            return shed.serialize(out.shedAgain, context, timestamp);
        }
        if (out.mark != null) {
            return marks.serialize(out.mark, context, timestamp);
        }
        throw new IllegalArgumentException("an empty drain output");
    }

    @Override
    public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
        return Optional.of(
                new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(topics)));
    }
}
