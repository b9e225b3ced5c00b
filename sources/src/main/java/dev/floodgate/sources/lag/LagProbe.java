package dev.floodgate.sources.lag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Measures a topic's lag for a consumer group from the broker alone: the topic's partitions and
 * real {@code retention.ms} (describeConfigs), the group's committed offsets, the earliest and the
 * last stable offsets (read_committed, as the jobs read), and the log timestamp of the first
 * visible record at each lagging partition's committed offset, read with a consumer that is
 * assigned, seeks and polls (it joins no group and commits nothing). A timestamp lookup by offset
 * has no admin API ({@code OffsetSpec.forTimestamp} maps the other way), hence the consumer. The
 * timestamp of a position already read is remembered, so a group that does not move costs no fetch.
 * Not thread-safe: one thread uses it.
 */
public final class LagProbe implements AutoCloseable {
    private final Admin admin;
    private final OldestEvents oldest;
    private final long timeoutMs;

    /**
     * @param clientProperties settings for every Kafka client (bootstrap servers, security)
     * @param clientId the clients' id, as brokers log and quota it
     * @param timeout for each request to the broker
     */
    public LagProbe(Map<String, String> clientProperties, String clientId, Duration timeout) {
        this.timeoutMs = timeout.toMillis();
        Properties a = new Properties();
        a.putAll(clientProperties);
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        this.admin = Admin.create(a);
        this.oldest = new OldestEvents(clientProperties, clientId, timeout);
    }

    /** The lag of {@code log} now. */
    public LogLag measure(MonitoredLog log)
            throws InterruptedException, ExecutionException, TimeoutException {
        String topic = log.topic();
        TopicDescription description =
                get(admin.describeTopics(List.of(topic)).topicNameValues().get(topic));
        List<TopicPartition> partitions = new ArrayList<>();
        description
                .partitions()
                .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        long retentionMs = retentionMs(topic);
        Map<TopicPartition, OffsetAndMetadata> committed = committed(log.groupId());
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            long start = earliest.get(tp);
            long position = c == null ? start : Math.max(c.offset(), start);
            if (position < end.get(tp)) {
                from.put(tp, position);
            }
        }
        Map<TopicPartition, Long> times = oldest.timestamps(topic, from, end);
        long now = System.currentTimeMillis();
        Map<Integer, PartitionLag> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            out.put(
                    tp.partition(),
                    PartitionLag.of(
                            tp.partition(),
                            c == null ? null : c.offset(),
                            earliest.get(tp),
                            end.get(tp),
                            times.getOrDefault(tp, -1L),
                            retentionMs,
                            now));
        }
        return new LogLag(log, retentionMs, out, now);
    }

    private long retentionMs(String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = get(admin.describeConfigs(List.of(resource)).values().get(resource));
        return Long.parseLong(config.get(TopicConfig.RETENTION_MS_CONFIG).value());
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String groupId)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            Map<TopicPartition, OffsetAndMetadata> all =
                    get(admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata());
            Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            all.forEach(
                    (tp, o) -> {
                        if (o != null && o.offset() >= 0) {
                            out.put(tp, o);
                        }
                    });
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return Map.of();
            }
            throw e;
        }
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResultInfo> result =
                get(
                        admin.listOffsets(
                                        request,
                                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                                .all());
        Map<TopicPartition, Long> out = new HashMap<>();
        result.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private <T> T get(KafkaFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Wakes a {@link #measure} blocked in the consumer, from another thread. */
    public void wakeup() {
        oldest.wakeup();
    }

    @Override
    public void close() {
        try {
            oldest.close();
        } finally {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
