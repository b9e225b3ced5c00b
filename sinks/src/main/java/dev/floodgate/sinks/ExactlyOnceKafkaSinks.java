package dev.floodgate.sinks;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedEvent;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/**
 * The job's transactional Kafka sinks. Each sink of a job gets its own transactional id prefix
 * derived from the job's prefix, so two sinks (or two jobs) never fence each other's transactions.
 */
public final class ExactlyOnceKafkaSinks {
    private final String bootstrapServers;
    private final String transactionalIdPrefix;
    private final Duration transactionTimeout;

    public ExactlyOnceKafkaSinks(
            String bootstrapServers, String transactionalIdPrefix, Duration transactionTimeout) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalIdPrefix = transactionalIdPrefix;
        this.transactionTimeout = transactionTimeout;
    }

    public KafkaSink<ProcessedEvent> processed(String topic) {
        return build(new ProcessedRecordSerializer(topic), "processed");
    }

    public KafkaSink<ShedEvent> shed(String topic) {
        return build(new ShedRecordSerializer(topic), "shed");
    }

    /** {@code stage} tells apart the job's two dead-letter sinks (parse and process). */
    public KafkaSink<DeadLetter> deadLetters(String topic, String stage) {
        return build(new DeadLetterSerializer(topic), "dlq-" + stage);
    }

    private <T> KafkaSink<T> build(KafkaRecordSerializationSchema<T> serializer, String sinkName) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix + "-" + sinkName)
                // The connector's default (1 h) is above the broker's transaction.max.timeout.ms
                // (15 min) and
                // fails every start: always set it explicitly.
                .setProperty("transaction.timeout.ms", Long.toString(transactionTimeout.toMillis()))
                .setProperty("linger.ms", "20")
                .setProperty("batch.size", "262144")
                .setProperty("compression.type", "lz4")
                .setRecordSerializer(serializer)
                .build();
    }
}
