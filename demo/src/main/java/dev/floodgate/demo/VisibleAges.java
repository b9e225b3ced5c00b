package dev.floodgate.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Freshness as the copilot sees it (issue 30, section 5): a {@code read_committed} reader of the
 * processed topic, as the README tells a reader to be, on its own thread polling all the time. The
 * visible age of a live result is this reader's wall clock when the result arrives minus the
 * event's log time (its append timestamp in the interaction log, the same clock as the processing
 * age): a result becomes visible only when the checkpoint whose transaction holds it completes, so
 * visible age = processing age + the wait for that commit.
 *
 * <p>{@link OutputTail} reads {@code read_uncommitted} for the live view and cannot see this wait.
 * The summary takes the same events as the processing ages of {@link FreshnessStats} (processed
 * during the flood), so the two figures compare event for event.
 */
final class VisibleAges implements AutoCloseable {
    private record Seen(Channel channel, Priority priority, long processedAt, long visibleAge) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Seen> seen = new ArrayList<>();
    private final Thread reader;
    private volatile boolean running = true;
    private volatile Exception failure;

    VisibleAges(String bootstrap, String processedTopic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        // a fetch returns as soon as a commit makes records readable: the arrival time is the
        // reader's, not a polling period's
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(processedTopic)
                .forEach(i -> partitions.add(new TopicPartition(processedTopic, i.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions); // this run's results only
        partitions.forEach(consumer::position);
        reader = new Thread(this::read, "demo-visible-ages");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                List<Seen> batch = new ArrayList<>(records.count());
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    ProcessedEvent e = OutputCodec.readProcessed(r.value());
                    if (e.lane == Lane.LIVE) {
                        batch.add(
                                new Seen(
                                        e.channel,
                                        e.priority,
                                        e.processedAt,
                                        now - e.logTimestamp));
                    }
                }
                synchronized (seen) {
                    seen.addAll(batch);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
    }

    /**
     * Adds {@code visible_p99_age_s} (per channel and priority, null where none) to {@code
     * summary}: the events processed in {@code [from, to)} (epoch ms), as {@code p99_age_s}.
     */
    void summarize(ObjectNode summary, long from, long to) {
        if (failure != null) {
            throw new IllegalStateException("the read_committed reader failed", failure);
        }
        List<Seen> all;
        synchronized (seen) {
            all = new ArrayList<>(seen);
        }
        ObjectNode ages = summary.putObject("visible_p99_age_s");
        for (Channel c : Channel.values()) {
            ObjectNode byPriority = ages.putObject(c.wireName());
            for (Priority p : Priority.values()) {
                List<Long> a = new ArrayList<>();
                for (Seen s : all) {
                    if (s.channel == c
                            && s.priority == p
                            && s.processedAt >= from
                            && s.processedAt < to) {
                        a.add(s.visibleAge);
                    }
                }
                long p99 = Progress.percentile(a, 0.99);
                if (p99 < 0) {
                    byPriority.putNull(p.wireName());
                } else {
                    byPriority.put(p.wireName(), p99 / 1000.0);
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        reader.join(10_000);
        consumer.close();
    }
}
