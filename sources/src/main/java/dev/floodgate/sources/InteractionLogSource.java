package dev.floodgate.sources;

import dev.floodgate.model.RawRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/** Builds the Kafka sources that read Floodgate's topics as {@link RawRecord}s. */
public final class InteractionLogSource {
    /**
     * A partition without records this long stops holding back the log clock (time backpressured
     * excluded).
     */
    public static final Duration IDLE_PARTITION = Duration.ofSeconds(5);

    private InteractionLogSource() {}

    /**
     * The log clock: watermarks from the records' append timestamps (topics use LogAppendTime, so
     * they increase per partition), generated per partition by the Kafka source, the minimum over
     * partitions. A partition idle for {@link #IDLE_PARTITION} is left out; the idleness clock
     * pauses while the source is backpressured, so a backlog never counts as idle. Ordering's gap
     * waits run on this clock.
     */
    public static WatermarkStrategy<RawRecord> logClock() {
        return WatermarkStrategy.<RawRecord>forMonotonousTimestamps().withIdleness(IDLE_PARTITION);
    }

    /**
     * The live job's unbounded source. Offsets are committed to {@code groupId} on each checkpoint:
     * not for recovery (that uses the checkpoint) but so that consumer lag is visible to Kafka
     * tooling.
     *
     * @param startingOffsets {@code committed} (falls back to earliest), {@code earliest}, {@code
     *     latest} or {@code timestamp:<epoch ms>}
     */
    public static KafkaSource<RawRecord> unbounded(
            String bootstrapServers,
            String topic,
            String groupId,
            String startingOffsets,
            Duration retention) {
        return unbounded(bootstrapServers, topic, groupId, startingOffsets, retention, Map.of());
    }

    /**
     * The same with client settings (security, from {@code --kafka-config}) applied to the source's
     * consumers and admin client.
     */
    public static KafkaSource<RawRecord> unbounded(
            String bootstrapServers,
            String topic,
            String groupId,
            String startingOffsets,
            Duration retention,
            Map<String, String> clientProperties) {
        return unbounded(
                bootstrapServers,
                topic,
                groupId,
                startingPosition(startingOffsets),
                retention,
                clientProperties);
    }

    /** The same from a parsed starting position (the job's {@code --starting-offsets}). */
    public static KafkaSource<RawRecord> unbounded(
            String bootstrapServers,
            String topic,
            String groupId,
            StartingOffsets startingOffsets,
            Duration retention,
            Map<String, String> clientProperties) {
        return base(bootstrapServers, topic, groupId, retention, clientProperties)
                .setStartingOffsets(startingOffsets.initializer())
                .build();
    }

    /**
     * A bounded source from a starting position to the end offsets found when the job starts: it
     * reads what was there at start and then finishes (the shed-lane drain, tests).
     */
    public static KafkaSource<RawRecord> toEndOffsets(
            String bootstrapServers,
            String topic,
            String groupId,
            String startingOffsets,
            Duration retention) {
        return toEndOffsets(bootstrapServers, topic, groupId, startingOffsets, retention, Map.of());
    }

    /** The same with client settings (security, from {@code --kafka-config}). */
    public static KafkaSource<RawRecord> toEndOffsets(
            String bootstrapServers,
            String topic,
            String groupId,
            String startingOffsets,
            Duration retention,
            Map<String, String> clientProperties) {
        return base(bootstrapServers, topic, groupId, retention, clientProperties)
                .setStartingOffsets(startingPosition(startingOffsets).initializer())
                .setBounded(OffsetsInitializer.latest())
                .build();
    }

    /**
     * The drain's source: from the drain's marks ({@link DrainProgress}; partitions without one at
     * the group's committed offset, else the earliest) to the end offsets found at start, or with
     * {@code follow} on, unbounded: every record that appears.
     */
    public static KafkaSource<RawRecord> fromMarks(
            String bootstrapServers,
            String topic,
            String groupId,
            Map<TopicPartition, Long> marks,
            Duration retention,
            Map<String, String> clientProperties,
            boolean follow) {
        KafkaSourceBuilder<RawRecord> b =
                base(bootstrapServers, topic, groupId, retention, clientProperties)
                        .setStartingOffsets(
                                new ResolvedOffsets(
                                        ResolvedOffsets.From.COMMITTED_OR_EARLIEST, marks));
        return follow ? b.build() : b.setBounded(OffsetsInitializer.latest()).build();
    }

    /**
     * A bounded source from explicit offsets per partition (a savepoint's positions; partitions it
     * does not name start at the earliest offset) to a stop point: the end offsets found at start
     * ({@code untilMillis < 0}) or the first record logged at or after {@code untilMillis}.
     */
    public static KafkaSource<RawRecord> bounded(
            String bootstrapServers,
            String topic,
            String groupId,
            Map<TopicPartition, Long> startOffsets,
            long untilMillis,
            Duration retention) {
        return bounded(
                bootstrapServers, topic, groupId, startOffsets, untilMillis, retention, Map.of());
    }

    /** The same with client settings (security, from {@code --kafka-config}). */
    public static KafkaSource<RawRecord> bounded(
            String bootstrapServers,
            String topic,
            String groupId,
            Map<TopicPartition, Long> startOffsets,
            long untilMillis,
            Duration retention,
            Map<String, String> clientProperties) {
        return base(bootstrapServers, topic, groupId, retention, clientProperties)
                .setStartingOffsets(
                        OffsetsInitializer.offsets(startOffsets, OffsetResetStrategy.EARLIEST))
                .setBounded(
                        untilMillis < 0
                                ? OffsetsInitializer.latest()
                                : OffsetsInitializer.timestamp(untilMillis))
                .build();
    }

    private static KafkaSourceBuilder<RawRecord> base(
            String bootstrapServers,
            String topic,
            String groupId,
            Duration retention,
            Map<String, String> clientProperties) {
        Properties props = new Properties();
        props.setProperty("partition.discovery.interval.ms", "60000");
        // Up to 5,000 records per poll (Kafka's default is 500): the fetcher thread hands the
        // reader a tenth as many batches when catching up; the reader's queue holds two, about
        // 3 MB of 300-byte events.
        props.setProperty("max.poll.records", "5000");
        // The client settings (security, tuning) apply over the defaults above, never over the
        // keys below, which exactly once depends on.
        props.putAll(clientProperties);
        // Read only what producers committed: a gateway that writes transactionally never leaks
        // aborted events.
        props.setProperty("isolation.level", "read_committed");
        props.setProperty("commit.offsets.on.checkpoint", "true");
        props.setProperty("client.id.prefix", groupId);
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId)
                .setProperties(props)
                .setDeserializer(new RawRecordDeserializer(retention.toMillis()));
    }

    static StartingOffsets startingPosition(String spec) {
        return StartingOffsets.parse(spec);
    }
}
