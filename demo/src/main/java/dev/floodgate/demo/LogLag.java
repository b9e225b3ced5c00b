package dev.floodgate.demo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The interaction log and the live job's consumer lag: the log's end offsets minus the job's
 * position. The position is the offset its group committed (as {@code kafka-consumer-groups} shows
 * it; the Kafka source commits on each checkpoint, asynchronously, so this trails by a checkpoint
 * or more), or the source's own reading position when the caller knows a later one. A partition
 * with neither counts from where this probe started.
 */
final class LogLag implements AutoCloseable {
    /** One look: records written to the log since the probe started, and the group's lag. */
    record Reading(long arrived, long lag) {}

    private final Admin admin;
    private final String topic;
    private final String groupId;
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> startOffsets;

    LogLag(String bootstrap, String topic, String groupId)
            throws ExecutionException, InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(p);
        this.topic = topic;
        this.groupId = groupId;
        this.partitions =
                admin
                        .describeTopics(List.of(topic))
                        .allTopicNames()
                        .get()
                        .get(topic)
                        .partitions()
                        .stream()
                        .map(i -> new TopicPartition(topic, i.partition()))
                        .collect(Collectors.toList());
        this.startOffsets = endOffsets();
    }

    /**
     * @param readPositions the job's reading position by partition where known (may be empty)
     */
    Reading read(Map<Integer, Long> readPositions) throws ExecutionException, InterruptedException {
        Map<TopicPartition, Long> end = endOffsets();
        ListConsumerGroupOffsetsResult result = admin.listConsumerGroupOffsets(groupId);
        Map<TopicPartition, OffsetAndMetadata> committed =
                result.partitionsToOffsetAndMetadata().get();
        long arrived = 0;
        long lag = 0;
        for (TopicPartition tp : partitions) {
            long e = end.get(tp);
            OffsetAndMetadata c = committed.get(tp);
            long position =
                    Math.max(
                            c == null ? startOffsets.get(tp) : c.offset(),
                            readPositions.getOrDefault(tp.partition(), -1L));
            arrived += e - startOffsets.get(tp);
            lag += Math.max(0, e - position);
        }
        return new Reading(arrived, lag);
    }

    private Map<TopicPartition, Long> endOffsets() throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    String topic() {
        return topic;
    }

    @Override
    public void close() {
        admin.close();
    }
}
