package dev.floodgate.job.cluster;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.sinks.ShedRecordSerializer;
import dev.floodgate.testkit.events.InteractionRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code read_committed} reader of the processed and shed topics that runs beside a cluster test,
 * as a downstream consumer does: every result with the wall-clock time this reader saw it (output
 * becomes visible when the checkpoint that commits it completes), and every shed record with its
 * reason and detail (the {@link ShedRecordSerializer} headers), so that a test can tell when output
 * resumed after a fault, when the backlog was gone, and why anything was shed. Records of a
 * partition arrive in offset order, so {@link #processed()} holds each customer's results in the
 * order a reader sees them.
 */
final class CommittedOutput implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedOutput.class);

    /** A result and when this reader saw it (epoch millis). */
    record Seen(ProcessedEvent event, long seenAt) {}

    /** A shed record: the event, why, and when it was appended to the shed topic. */
    record Shed(Interaction event, String reason, String detail, long loggedAt, long shedAt) {
        /** The event's age when the lane shed it (its log time to its append to the shed topic). */
        long ageMillis() {
            return shedAt - loggedAt;
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String processedTopic;
    private final Thread thread;
    private volatile boolean running = true;
    private final List<Seen> processed = new ArrayList<>();
    private final Set<String> processedIds = new HashSet<>();
    private final List<Shed> shed = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    CommittedOutput(String bootstrap, String processedTopic, String shedTopic) {
        this.processedTopic = processedTopic;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(processedTopic, shedTopic)) {
            for (PartitionInfo info : consumer.partitionsFor(t, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(t, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "committed-output-reader");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            try {
                consumer.poll(Duration.ofMillis(50)).forEach(batch::add);
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // a broker that does not answer for a moment: the next poll retries
                LOG.warn("committed output reader: {}", e.toString());
            }
            long now = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                try {
                    accept(r, now);
                } catch (Exception e) {
                    // a record that cannot be read is a failure the test reports
                    synchronized (this) {
                        failures.add(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e);
                    }
                }
            }
        }
    }

    private synchronized void accept(ConsumerRecord<byte[], byte[]> r, long now) throws Exception {
        if (r.topic().equals(processedTopic)) {
            ProcessedEvent e = OutputCodec.readProcessed(r.value());
            processed.add(new Seen(e, now));
            processedIds.add(e.eventId);
            return;
        }
        shed.add(
                new Shed(
                        InteractionRecords.read(r),
                        header(r, ShedRecordSerializer.HEADER_SHED_REASON),
                        header(r, ShedRecordSerializer.HEADER_SHED_DETAIL),
                        Long.parseLong(header(r, ShedRecordSerializer.HEADER_LOGGED_AT)),
                        r.timestamp()));
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The distinct event ids of the results seen so far. */
    synchronized int distinctProcessed() {
        return processedIds.size();
    }

    /** The results seen so far, in the order seen (per partition: offset order). */
    synchronized List<Seen> processed() {
        return new ArrayList<>(processed);
    }

    synchronized List<Shed> shed() {
        return new ArrayList<>(shed);
    }

    /** Records this reader could not read (none in a good run). */
    synchronized List<String> failures() {
        return new ArrayList<>(failures);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
        consumer.close(Duration.ofSeconds(5));
    }
}
