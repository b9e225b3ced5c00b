package dev.floodgate.sinks;

import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DrainOutput;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.sinks.commit.AuditedKafkaSink;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;

/**
 * The job's transactional Kafka sinks. Each sink of a job gets its own transactional id prefix
 * derived from the job's prefix, so two sinks (or two jobs) never fence each other's transactions.
 * Every producer's {@code max.request.size} is {@link RecordLimits#MAX_REQUEST_BYTES}, and every
 * serializer writes records within {@link RecordLimits#RECORD_BUDGET_BYTES}: valid events because
 * {@code --max-record-bytes} is at most {@link RecordLimits#MAX_RECORD_BYTES_LIMIT}, dead letters
 * because their envelope is cut to fit. Every commit the connector gives up on is looked up and
 * counted ({@link AuditedKafkaSink}): committed before a restore, or lost.
 */
public final class ExactlyOnceKafkaSinks {
    private final String bootstrapServers;
    private final String transactionalIdPrefix;
    private final Duration transactionTimeout;
    private final Map<String, String> clientProperties;
    private final TransactionNamingStrategy naming;

    /**
     * The producer properties of every sink besides its transactional ones. {@code
     * max.request.size} is set, not left to the client's default: the record budget every
     * serializer keeps to ({@link RecordLimits}, checked against {@code --max-record-bytes} at
     * start) is derived from it.
     */
    public static Map<String, String> producerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("max.request.size", Integer.toString(RecordLimits.MAX_REQUEST_BYTES));
        p.put("linger.ms", "20");
        p.put("batch.size", "262144");
        p.put("compression.type", "lz4");
        return p;
    }

    public ExactlyOnceKafkaSinks(
            String bootstrapServers, String transactionalIdPrefix, Duration transactionTimeout) {
        this(bootstrapServers, transactionalIdPrefix, transactionTimeout, Map.of());
    }

    /**
     * Sinks whose producers also get {@code clientProperties} (security, from {@code
     * --kafka-config}), applied over the tuning of {@link #producerProperties()}; the transactional
     * settings and {@code max.request.size} stay the sinks' own.
     */
    public ExactlyOnceKafkaSinks(
            String bootstrapServers,
            String transactionalIdPrefix,
            Duration transactionTimeout,
            Map<String, String> clientProperties) {
        this(
                bootstrapServers,
                transactionalIdPrefix,
                transactionTimeout,
                clientProperties,
                TransactionNamingStrategy.INCREMENTING);
    }

    private ExactlyOnceKafkaSinks(
            String bootstrapServers,
            String transactionalIdPrefix,
            Duration transactionTimeout,
            Map<String, String> clientProperties,
            TransactionNamingStrategy naming) {
        this.bootstrapServers = bootstrapServers;
        this.transactionalIdPrefix = transactionalIdPrefix;
        this.transactionTimeout = transactionTimeout;
        this.clientProperties = Map.copyOf(clientProperties);
        this.naming = naming;
    }

    /**
     * The same sinks with the connector's transaction naming {@code naming}. The jobs run with
     * INCREMENTING, a new transactional id per checkpoint, sink and subtask (docs/operating.md,
     * "Transactional ids"): the commit audit's reading of a refused commit assumes one transaction
     * per id, and POOLING (ids reused) has an open bug that can leave a transaction open and hold
     * read_committed readers (FLINK-40626). POOLING is here for the measurement and tests that
     * compare the two; it cannot be switched back to INCREMENTING on restore.
     */
    public ExactlyOnceKafkaSinks withNaming(TransactionNamingStrategy naming) {
        return new ExactlyOnceKafkaSinks(
                bootstrapServers,
                transactionalIdPrefix,
                transactionTimeout,
                clientProperties,
                naming);
    }

    /** The prefix of the transactional ids of the sink named {@code sinkName} ("processed"...). */
    public String transactionalIdPrefix(String sinkName) {
        return transactionalIdPrefix + "-" + sinkName;
    }

    public AuditedKafkaSink<ProcessedEvent> processed(String topic) {
        return build(new ProcessedRecordSerializer(topic), topic, "processed");
    }

    public AuditedKafkaSink<ShedEvent> shed(String topic) {
        return build(new ShedRecordSerializer(topic), topic, "shed");
    }

    /** {@code stage} tells apart the job's two dead-letter sinks (parse and process). */
    public AuditedKafkaSink<DeadLetter> deadLetters(String topic, String stage) {
        return build(new DeadLetterSerializer(topic), topic, "dlq-" + stage);
    }

    /**
     * The drain's one sink: results, dead letters, events shed again and the progress marks of
     * consumer group {@code group}, each to its topic, in one transaction per checkpoint and
     * subtask ({@link DrainOutputSerializer}).
     */
    public AuditedKafkaSink<DrainOutput> drainOutputs(
            String processedTopic,
            String deadLetterTopic,
            String shedTopic,
            String progressTopic,
            String group) {
        return build(
                new DrainOutputSerializer(
                        processedTopic, deadLetterTopic, shedTopic, progressTopic, group),
                DRAIN_OUTPUTS);
    }

    /**
     * The sink name of {@link #drainOutputs} (its transactional ids: {@link
     * #transactionalIdPrefix}).
     */
    public static final String DRAIN_OUTPUTS = "outputs";

    private <T> AuditedKafkaSink<T> build(
            KafkaRecordSerializationSchema<T> serializer, String topic, String sinkName) {
        // POOLING lists the open transactions on the sink's topics at start: it must know them
        return build(
                naming == TransactionNamingStrategy.POOLING
                        ? new KnownTopics<>(serializer, topic)
                        : serializer,
                sinkName);
    }

    private <T> AuditedKafkaSink<T> build(
            KafkaRecordSerializationSchema<T> records, String sinkName) {
        KafkaSinkBuilder<T> b =
                KafkaSink.<T>builder()
                        .setBootstrapServers(bootstrapServers)
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(transactionalIdPrefix(sinkName))
                        .setTransactionNamingStrategy(naming);
        producerProperties().forEach(b::setProperty);
        // the client settings (security, tuning) apply over the tuning, never over the record
        // budget and the transaction timeout below
        clientProperties.forEach(b::setProperty);
        b.setProperty("max.request.size", Integer.toString(RecordLimits.MAX_REQUEST_BYTES));
        // The connector's default (1 h) is above the broker's transaction.max.timeout.ms (15 min)
        // and fails every start: always set it explicitly.
        b.setProperty("transaction.timeout.ms", Long.toString(transactionTimeout.toMillis()));
        Map<String, String> admin = new LinkedHashMap<>(clientProperties);
        admin.put("bootstrap.servers", bootstrapServers);
        return new AuditedKafkaSink<>(b.setRecordSerializer(records).build(), admin);
    }
}
