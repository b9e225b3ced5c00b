package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.sources.CommittedRecords;
import dev.floodgate.sources.lag.LagPoller;
import dev.floodgate.sources.lag.LagProbe;
import dev.floodgate.sources.lag.LogLag;
import dev.floodgate.sources.lag.MonitoredLog;
import dev.floodgate.sources.lag.PartitionLag;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LagProbe} against a real broker whose topics keep records 30 s and whose retention check
 * runs every 500 ms: the lag in records and in time of a group that lags, from its committed
 * offsets; the headroom from the topic's real retention.ms; and, while the group stays behind, the
 * headroom crossing the alert's threshold (a quarter of the retention, as
 * FloodgateRetentionHeadroomLow in k8s/monitoring/rules.yaml) while every unprocessed event is
 * still readable, before retention deletes them (then counted as aged out).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LagProbeITCase {
    private static final Logger LOG = LoggerFactory.getLogger(LagProbeITCase.class);

    @RegisterExtension
    static final KafkaBroker KAFKA =
            new KafkaBroker(
                    Map.of(
                            "log.retention.check.interval.ms", "500",
                            "log.initial.task.delay.ms", "0"));

    private static final long RETENTION_MS = 30_000;

    /**
     * FloodgateRetentionHeadroomLow's threshold, a fraction of the topic's retention, read from
     * k8s/monitoring/rules.yaml: this test and the alert use the same one.
     */
    static final double ALERT_FRACTION = alertFraction("FloodgateRetentionHeadroomLow");

    private static Admin admin;
    private static LagProbe probe;

    @BeforeAll
    static void clients() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        admin = Admin.create(p);
        probe =
                new LagProbe(
                        Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                        "lag-probe-test",
                        Duration.ofSeconds(10));
    }

    @AfterAll
    static void close() {
        if (probe != null) {
            probe.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void lagInRecordsAndTimeFromTheCommittedOffsetsAndHeadroomFromTheRealRetention()
            throws Exception {
        String topic = "lag-records";
        createTopic(topic, 2, RETENTION_MS);
        List<Long> p0 = produce(topic, 0, 10);
        List<Long> p1 = produce(topic, 1, 5);
        // the group processed 4 events of partition 0 and never committed on partition 1
        commit("live", topic, Map.of(0, 4L));

        LogLag lag = probe.measure(new MonitoredLog("input", topic, "live"));
        assertThat(lag.retentionMs()).isEqualTo(RETENTION_MS);
        PartitionLag first = lag.partitions().get(0);
        assertThat(first.lagRecords()).isEqualTo(6);
        assertThat(first.committedOffset()).isEqualTo(4);
        assertThat(first.endOffset()).isEqualTo(10);
        // the oldest unprocessed event is the one at the committed offset
        assertThat(first.lagMs()).isEqualTo(lag.measuredAtMs() - p0.get(4)).isPositive();
        assertThat(first.retentionHeadroomMs()).isEqualTo(RETENTION_MS - first.lagMs());
        assertThat(first.agedOutRecords()).isZero();
        PartitionLag second = lag.partitions().get(1);
        assertThat(second.lagRecords()).as("no commit: from the earliest offset").isEqualTo(5);
        assertThat(second.committedOffset()).isEqualTo(-1);
        assertThat(second.lagMs()).isEqualTo(lag.measuredAtMs() - p1.get(0));

        // a group that never ran (no drain yet) is behind by everything in the log
        LogLag never = probe.measure(new MonitoredLog("shed", topic, "never-ran"));
        assertThat(never.partitions().get(0).lagRecords()).isEqualTo(10);
        assertThat(never.partitions().get(0).lagMs()).isEqualTo(never.measuredAtMs() - p0.get(0));

        // caught up: no lag, and the next event has the whole retention ahead of it
        commit("live", topic, Map.of(0, 10L, 1, 5L));
        LogLag caughtUp = probe.measure(new MonitoredLog("input", topic, "live"));
        for (PartitionLag p : caughtUp.partitions().values()) {
            assertThat(p.lagRecords()).isZero();
            assertThat(p.lagMs()).isZero();
            assertThat(p.retentionHeadroomMs()).isEqualTo((double) RETENTION_MS);
        }
    }

    @Test
    void infiniteRetentionHasInfiniteHeadroom() throws Exception {
        String topic = "lag-forever";
        createTopic(topic, 1, -1);
        produce(topic, 0, 3);
        LogLag lag = probe.measure(new MonitoredLog("input", topic, "live"));
        assertThat(lag.retentionMs()).isEqualTo(-1);
        assertThat(lag.partitions().get(0).lagRecords()).isEqualTo(3);
        assertThat(lag.partitions().get(0).retentionHeadroomMs())
                .isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void onlyWhatAReadCommittedReaderSeesCounts() throws Exception {
        String topic = "lag-transactions";
        createTopic(topic, 1, RETENTION_MS);
        try (KafkaProducer<byte[], byte[]> tx = transactional("lag-tx");
                KafkaProducer<byte[], byte[]> open = transactional("lag-open")) {
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(record(topic, 0, "aborted"));
            tx.flush();
            tx.abortTransaction();
            Thread.sleep(200);
            tx.beginTransaction();
            long committedAt = tx.send(record(topic, 0, "committed")).get().timestamp();
            tx.commitTransaction();
            // the group is at 0: the aborted record and its marker come first, then the event
            LogLag lag = probe.measure(new MonitoredLog("input", topic, "live"));
            PartitionLag p = lag.partitions().get(0);
            assertThat(p.lagMs())
                    .as("age of the committed event, not the aborted one before it")
                    .isEqualTo(lag.measuredAtMs() - committedAt);
            // an open transaction is not readable yet: the end is the last stable offset
            open.initTransactions();
            open.beginTransaction();
            open.send(record(topic, 0, "open"));
            open.flush();
            LogLag withOpen = probe.measure(new MonitoredLog("input", topic, "live"));
            assertThat(withOpen.partitions().get(0).endOffset()).isEqualTo(p.endOffset());
            open.abortTransaction();
        }
    }

    @Test
    void theHeadroomCrossesTheAlertThresholdWhileTheEventsAreStillThere() throws Exception {
        String topic = "lag-retention";
        createTopic(topic, 1, RETENTION_MS);
        List<Long> appended = produce(topic, 0, 20);
        // the group processed 5 events, then stopped
        commit("stalled", topic, Map.of(0, 5L));
        MonitoredLog log = new MonitoredLog("input", topic, "stalled");
        long threshold = (long) (ALERT_FRACTION * RETENTION_MS);

        Long crossedAt = null;
        LogLag lost = null;
        long deadline = System.currentTimeMillis() + 3 * RETENTION_MS;
        while (lost == null && System.currentTimeMillis() < deadline) {
            LogLag lag = probe.measure(log);
            PartitionLag p = lag.partitions().get(0);
            if (p.agedOutRecords() > 0) {
                lost = lag;
                break;
            }
            // nothing is lost while the headroom is positive
            assertThat(p.lagRecords()).isEqualTo(15);
            assertThat(p.lagMs()).isEqualTo(lag.measuredAtMs() - appended.get(5));
            if (crossedAt == null && p.retentionHeadroomMs() < threshold) {
                crossedAt = lag.measuredAtMs();
                LOG.info("headroom {} ms < threshold {} ms", p.retentionHeadroomMs(), threshold);
                assertThat(p.retentionHeadroomMs()).isPositive();
                List<ConsumerRecord<byte[], byte[]>> still =
                        CommittedRecords.readAll(KAFKA.bootstrapServers(), topic);
                assertThat(still)
                        .as("every unprocessed event is still in the log when the alert fires")
                        .extracting(ConsumerRecord::offset)
                        .contains(5L, 10L, 19L);
            }
            Thread.sleep(250);
        }
        assertThat(crossedAt).as("the headroom went below the threshold").isNotNull();
        assertThat(lost).as("retention deleted the unprocessed events").isNotNull();
        PartitionLag p = lost.partitions().get(0);
        assertThat(p.agedOutRecords()).isEqualTo(15);
        assertThat(p.lagRecords()).isZero();
        assertThat(CommittedRecords.readAll(KAFKA.bootstrapServers(), topic)).isEmpty();
        long lead = lost.measuredAtMs() - crossedAt;
        LOG.info(
                "the threshold was crossed {} ms before the loss was seen (events aged {} ms)",
                lead,
                lost.measuredAtMs() - appended.get(5));
        // the deletion came no earlier than the retention allows: the alert had its lead
        assertThat(lost.measuredAtMs() - appended.get(5)).isGreaterThanOrEqualTo(RETENTION_MS);
        assertThat(lead).isGreaterThanOrEqualTo(threshold - 1_000);
    }

    @Test
    void thePollerMeasuresEveryLogUntilClosedAndCountsFailures() throws Exception {
        String topic = "lag-poller";
        createTopic(topic, 1, RETENTION_MS);
        produce(topic, 0, 2);
        List<LogLag> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger failures =
                new java.util.concurrent.atomic.AtomicInteger();
        List<MonitoredLog> logs =
                List.of(
                        new MonitoredLog("input", topic, "live"),
                        new MonitoredLog("shed", "no-such-topic", "drain"));
        LagPoller poller =
                new LagPoller(
                                Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                                "lag-poller-test",
                                logs,
                                Duration.ofMillis(200),
                                seen::add,
                                failures::incrementAndGet)
                        .start();
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while ((seen.size() < 3 || failures.get() < 3)
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
        } finally {
            poller.close();
        }
        assertThat(seen).hasSizeGreaterThanOrEqualTo(3);
        assertThat(seen).allSatisfy(l -> assertThat(l.log().name()).isEqualTo("input"));
        assertThat(seen.get(0).partitions().get(0).lagRecords()).isEqualTo(2);
        assertThat(failures.get()).as("the missing topic is a failed measurement").isGreaterThan(2);
        assertThat(Thread.getAllStackTraces().keySet())
                .as("closed: its thread is gone")
                .noneMatch(t -> t.getName().equals("floodgate-broker-lag") && t.isAlive());
    }

    /** The fraction of the retention in {@code alert}'s expression ("< on (...) ... 0.25 *"). */
    static double alertFraction(String alert) {
        try {
            String rules = Files.readString(Path.of("..", "k8s", "monitoring", "rules.yaml"));
            Matcher m =
                    Pattern.compile(
                                    "- alert: "
                                            + alert
                                            + "\\n\\s*expr: \\|\\n[^\\n]*\\n\\s*< on \\(namespace,"
                                            + " job_name, log\\) group_left \\(\\)\\n\\s*([0-9.]+) \\*")
                            .matcher(rules);
            if (!m.find()) {
                throw new AssertionError("no retention fraction in " + alert + " of rules.yaml");
            }
            return Double.parseDouble(m.group(1));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void createTopic(String topic, int partitions, long retentionMs)
            throws Exception {
        admin.createTopics(
                        List.of(
                                new NewTopic(topic, partitions, (short) 1)
                                        .configs(
                                                Map.of(
                                                        "message.timestamp.type",
                                                        "LogAppendTime",
                                                        "retention.ms",
                                                        Long.toString(retentionMs),
                                                        "segment.ms",
                                                        "5000"))))
                .all()
                .get();
    }

    /** Writes {@code n} records to a partition; their log append times, by offset. */
    private static List<Long> produce(String topic, int partition, int n) throws Exception {
        List<Long> times = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaIO.producer(KAFKA.bootstrapServers())) {
            for (int i = 0; i < n; i++) {
                times.add(producer.send(record(topic, partition, "e" + i)).get().timestamp());
                Thread.sleep(2);
            }
        }
        return times;
    }

    private static void commit(String group, String topic, Map<Integer, Long> offsets)
            throws Exception {
        Map<TopicPartition, OffsetAndMetadata> o = new HashMap<>();
        offsets.forEach(
                (p, off) -> o.put(new TopicPartition(topic, p), new OffsetAndMetadata(off)));
        admin.alterConsumerGroupOffsets(group, o).all().get();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String v) {
        return new ProducerRecord<>(topic, partition, null, v.getBytes(StandardCharsets.UTF_8));
    }

    private static KafkaProducer<byte[], byte[]> transactional(String id) {
        Properties p = new Properties();
        p.put("bootstrap.servers", KAFKA.bootstrapServers());
        p.put("transactional.id", id);
        p.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
        p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }
}
