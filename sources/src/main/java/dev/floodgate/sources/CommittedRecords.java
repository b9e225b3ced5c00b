package dev.floodgate.sources;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads topics outside Flink, for the reconcile tool and the tests: which topics exist, and the
 * records committed to one.
 */
public final class CommittedRecords {
    private CommittedRecords() {}

    /**
     * Everything committed to {@code topic} right now, read with {@code
     * isolation.level=read_committed}: reads each partition up to its last stable offset.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, String topic) {
        return readAll(bootstrapServers, Map.of(), topic);
    }

    /**
     * The same with client settings (security, from {@code --kafka-config}) applied to the
     * consumer.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, Map<String, String> clientProperties, String topic) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 60_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(
                            "could not read " + topic + " to its end offsets " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /**
     * The names among {@code names} that are not topics of the cluster; waits at most {@code
     * timeout}.
     */
    public static List<String> missingTopics(
            String bootstrapServers, Duration timeout, List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        return missingTopics(bootstrapServers, Map.of(), timeout, names);
    }

    /** The same with client settings (security) applied to the admin client. */
    public static List<String> missingTopics(
            String bootstrapServers,
            Map<String, String> clientProperties,
            Duration timeout,
            List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing =
                    admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return names.stream().filter(n -> !existing.contains(n)).toList();
        }
    }
}
