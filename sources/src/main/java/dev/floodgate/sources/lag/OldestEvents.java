package dev.floodgate.sources.lag;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The log time of the oldest unprocessed event of partitions: a read_committed consumer is assigned
 * the partitions, seeks to each position and polls until it has each partition's first visible
 * record (it joins no group and commits nothing). Kafka has no admin API from an offset to its
 * record's time ({@code OffsetSpec.forTimestamp} maps the other way), hence the consumer. The time
 * of a position already read is remembered, so a group that does not move costs no fetch. Not
 * thread-safe except {@link #wakeup}.
 */
final class OldestEvents implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long timeoutMs;

    /** Per partition: the position whose oldest timestamp is known, and that timestamp. */
    private final Map<TopicPartition, long[]> known = new HashMap<>();

    OldestEvents(Map<String, String> clientProperties, String clientId, Duration timeout) {
        this.timeoutMs = timeout.toMillis();
        Properties c = new Properties();
        c.putAll(clientProperties);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // a position deleted meanwhile: the oldest event still there is the oldest unprocessed one
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // one record per partition is needed; the broker still sends at least one whole batch
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "65536");
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer =
                new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The log timestamp of the first record a read_committed reader sees at or after each position:
     * none for a partition whose records up to its end are all aborted or transaction markers
     * (nothing visible is unprocessed there), nor for one not read within the timeout.
     */
    Map<TopicPartition, Long> timestamps(
            String topic, Map<TopicPartition, Long> from, Map<TopicPartition, Long> end) {
        // positions of this topic no longer lagging are forgotten
        known.keySet().removeIf(tp -> tp.topic().equals(topic) && !from.containsKey(tp));
        Map<TopicPartition, Long> out = new HashMap<>();
        Set<TopicPartition> open = new HashSet<>();
        from.forEach(
                (tp, position) -> {
                    long[] k = known.get(tp);
                    if (k != null && k[0] == position) {
                        out.put(tp, k[1]);
                    } else {
                        open.add(tp);
                    }
                });
        if (open.isEmpty()) {
            return out;
        }
        consumer.assign(open);
        open.forEach(tp -> consumer.seek(tp, from.get(tp)));
        long deadline = System.currentTimeMillis() + timeoutMs;
        try {
            while (!open.isEmpty() && System.currentTimeMillis() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (TopicPartition tp : records.partitions()) {
                    if (open.remove(tp)) {
                        ConsumerRecord<byte[], byte[]> first = records.records(tp).get(0);
                        out.put(tp, first.timestamp());
                        known.put(tp, new long[] {from.get(tp), first.timestamp()});
                        consumer.pause(List.of(tp));
                    }
                }
                open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
            }
        } finally {
            consumer.assign(List.of());
        }
        return out;
    }

    void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
