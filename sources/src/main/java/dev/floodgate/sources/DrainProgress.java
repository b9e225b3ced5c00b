package dev.floodgate.sources;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Where a drain run starts: the latest committed drain mark of its group per shed partition, read
 * {@code read_committed} from the drain-progress topic (written by the drain's marks sink, see
 * {@code DrainMarkSerializer}). Only marks whose transaction committed count, and a run commits a
 * mark together with its checkpoint: so every record before a mark has its output, and none after
 * it has. Partitions without a mark start where the group's committed offset is (drains before the
 * marks existed) or at the earliest offset.
 */
public final class DrainProgress {
    private static final Pattern NEXT_OFFSET = Pattern.compile("\"next_offset\":(\\d+)");
    private static final Duration IDLE_LIMIT = Duration.ofSeconds(60);

    private DrainProgress() {}

    /**
     * Creates the progress topic (compacted, one partition, the broker's default replication) when
     * it does not exist, so a drain never fails on its first mark; deployments create it with the
     * other topics (k8s/topics.yaml, scripts/cluster.sh).
     */
    public static void ensureTopic(
            String bootstrapServers, Map<String, String> clientProperties, String progressTopic)
            throws Exception {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(p)) {
            if (admin.listTopics().names().get().contains(progressTopic)) {
                return;
            }
            try {
                admin.createTopics(
                                List.of(
                                        new org.apache.kafka.clients.admin.NewTopic(
                                                        progressTopic,
                                                        java.util.Optional.of(1),
                                                        java.util.Optional.empty())
                                                .configs(
                                                        Map.of(
                                                                "cleanup.policy",
                                                                "compact",
                                                                "message.timestamp.type",
                                                                "LogAppendTime"))))
                        .all()
                        .get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause()
                        instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    /** The marks of {@code group} for {@code shedTopic}: partition -> next offset. */
    public static Map<TopicPartition, Long> read(
            String bootstrapServers,
            Map<String, String> clientProperties,
            String progressTopic,
            String group,
            String shedTopic) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        String prefix = group + "|" + shedTopic + "|";
        Map<TopicPartition, Long> marks = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(progressTopic, Duration.ofSeconds(30)).stream()
                            .map(i -> new TopicPartition(progressTopic, i.partition()))
                            .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long lastProgress = System.currentTimeMillis();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                int n = 0;
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    n++;
                    apply(r, prefix, shedTopic, marks);
                }
                if (n > 0) {
                    lastProgress = System.currentTimeMillis();
                } else if (System.currentTimeMillis() - lastProgress > IDLE_LIMIT.toMillis()) {
                    throw new IllegalStateException(
                            "drain progress: no records from "
                                    + progressTopic
                                    + " for "
                                    + IDLE_LIMIT.toSeconds()
                                    + " s before its end offsets "
                                    + end);
                }
            }
        }
        return marks;
    }

    /** A mark of another group or topic is skipped; the latest mark of a partition wins. */
    static void apply(
            ConsumerRecord<byte[], byte[]> r,
            String prefix,
            String shedTopic,
            Map<TopicPartition, Long> marks) {
        if (r.key() == null || r.value() == null) {
            return; // a tombstone: compaction's business
        }
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (!key.startsWith(prefix)) {
            return;
        }
        int partition = Integer.parseInt(key.substring(prefix.length()));
        Matcher m = NEXT_OFFSET.matcher(new String(r.value(), StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IllegalStateException(
                    "drain progress: mark "
                            + key
                            + " at offset "
                            + r.offset()
                            + " has no next_offset");
        }
        marks.put(new TopicPartition(shedTopic, partition), Long.parseLong(m.group(1)));
    }
}
