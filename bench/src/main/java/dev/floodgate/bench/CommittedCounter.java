package dev.floodgate.bench;

import dev.floodgate.sinks.ShedRecordSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts the records committed to some topics ({@code read_committed}), from their beginning, as
 * they become visible: the finish line of a throughput run. Keeps each partition's first and last
 * value (the earliest and latest results) and the range of the records' timestamps, nothing else.
 * One thread: the caller's.
 */
final class CommittedCounter implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, byte[]> first = new HashMap<>();
    private final Map<TopicPartition, byte[]> last = new HashMap<>();
    private long count;
    private final Map<String, Long> perTopic = new HashMap<>();
    private final Map<String, Long> shedReasons = new java.util.TreeMap<>();
    private final Map<String, String> firstShedDetail = new java.util.TreeMap<>();
    private long minTimestamp = Long.MAX_VALUE;
    private long maxTimestamp = Long.MIN_VALUE;

    CommittedCounter(String bootstrap, String... topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            partitionsOf(topic).forEach(i -> partitions.add(new TopicPartition(topic, i)));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * The partitions of a topic created just before: on a loaded machine its metadata can reach the
     * client after the creation returned (an empty answer, and a consumer assigned nothing).
     */
    private List<Integer> partitionsOf(String topic) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<Integer> found = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(i -> found.add(i.partition()));
            if (!found.isEmpty()) {
                return found;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + topic + " has no partitions after 30 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Polls until {@code expected} records are visible and returns {@link System#nanoTime()} at
     * that moment. Fails after {@code timeout}, or as soon as {@code failed} says the producing job
     * died.
     */
    long awaitCount(long expected, Duration timeout, BooleanSupplier failed) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextCheck = System.nanoTime();
        while (count < expected) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                first.putIfAbsent(tp, r.value());
                last.put(tp, r.value());
                minTimestamp = Math.min(minTimestamp, r.timestamp());
                maxTimestamp = Math.max(maxTimestamp, r.timestamp());
                count++;
                perTopic.merge(r.topic(), 1L, Long::sum);
                org.apache.kafka.common.header.Header reason =
                        r.headers().lastHeader(ShedRecordSerializer.HEADER_SHED_REASON);
                if (reason != null) {
                    shedReasons.merge(
                            new String(reason.value(), StandardCharsets.UTF_8), 1L, Long::sum);
                    org.apache.kafka.common.header.Header detail =
                            r.headers().lastHeader(ShedRecordSerializer.HEADER_SHED_DETAIL);
                    if (detail != null) {
                        firstShedDetail.putIfAbsent(
                                new String(reason.value(), StandardCharsets.UTF_8),
                                new String(detail.value(), StandardCharsets.UTF_8));
                    }
                }
            }
            long now = System.nanoTime();
            if (count < expected
                    && now > nextCheck) { // asking the cluster costs: once a second is enough
                nextCheck = now + 1_000_000_000L;
                if (now > deadline || failed.getAsBoolean()) {
                    throw new IllegalStateException(
                            "only "
                                    + count
                                    + " of "
                                    + expected
                                    + " records committed"
                                    + (now > deadline ? " within " + timeout : ": the job failed"));
                }
            }
        }
        return System.nanoTime();
    }

    long count() {
        return count;
    }

    /**
     * The shed records seen so far by reason (header {@code floodgate.shed-reason}), and the first
     * detail of each reason: what a throughput run shed, and why.
     */
    String shedReasons() {
        return shedReasons.isEmpty()
                ? "none"
                : shedReasons + ", the first of each: " + firstShedDetail;
    }

    /** The records seen so far in {@code topic}. */
    long count(String topic) {
        return perTopic.getOrDefault(topic, 0L);
    }

    /**
     * Seconds between the smallest and the largest record timestamp seen: on a LogAppendTime topic,
     * the span in which the broker appended them.
     */
    double timestampSpanSeconds() {
        return count == 0 ? 0 : (maxTimestamp - minTimestamp) / 1000.0;
    }

    /** The first and the last value seen in each partition of {@code topic}. */
    List<byte[]> edges(String topic) {
        List<byte[]> out = new ArrayList<>();
        first.forEach(
                (tp, v) -> {
                    if (tp.topic().equals(topic)) {
                        out.add(v);
                        out.add(last.get(tp));
                    }
                });
        return out;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
