package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.sinks.commit.AuditedKafkaSink;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.EmbeddedKafka;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two cases behind the Kafka committer's "producer is already fenced ... most likely signals
 * data loss" line, on a real broker (Kafka transactions V2, the 4.x default) and a local cluster
 * scraped over HTTP, told apart by the commit audit ({@link AuditedKafkaSink}):
 *
 * <ul>
 *   <li>Harmless: a job restored from a savepoint commits the savepoint's transaction again. It was
 *       committed when the savepoint completed, and that commit bumped the producer epoch, so the
 *       recommit is refused as fenced. Nothing is lost: {@code commitsAlreadyDone} counts it.
 *   <li>Loss: a checkpoint that completes after the sink's transaction timeout (here: another
 *       operator's snapshot stalls). The coordinator aborts the pre-committed transaction, the
 *       commit is refused, the connector drops it and the job runs on without its records: {@code
 *       commitsLost} counts it (the alert {@code FloodgateCommitLost} fires on it). The jobs' start
 *       check ({@code TransactionBudget}) refuses configurations that allow this.
 * </ul>
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CommitAuditITCase {
    private static final Logger LOG = LoggerFactory.getLogger(CommitAuditITCase.class);
    private static final String AUDIT = "flink_taskmanager_job_task_operator_commits";
    private static EmbeddedKafka kafka;

    @TempDir Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        // the coordinator looks for timed-out transactions every 200 ms instead of every 10 s
        kafka =
                EmbeddedKafka.start(
                        Map.of(
                                "transaction.abort.timed.out.transaction.cleanup.interval.ms",
                                "200"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }

    @Test
    void aRecommitAfterARestoreIsCountedAsAlreadyDoneAndLosesNothing() throws Exception {
        String in = "restore.in";
        String out = "restore.out";
        Topics.create(kafka.bootstrapServers(), 1, Duration.ofDays(1), in, out);
        Counting.SEEN.set(0);
        write(in, "a", 50);
        try (LocalFlinkCluster flink = LocalFlinkCluster.startOnFreePorts(true, 2, conf())) {
            // no periodic checkpoint: the savepoint's transaction holds all 50 records
            JobClient first = submit(flink, job(flink, in, out, "restore", Duration.ofHours(1)));
            awaitSeen(50);
            String savepoint =
                    first.stopWithSavepoint(
                                    false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                            .get(60, TimeUnit.SECONDS);
            assertThat(values(out)).hasSize(50);

            write(in, "b", 50);
            Configuration restore = new Configuration();
            restore.setString("execution.state-recovery.path", savepoint);
            StreamExecutionEnvironment env = flink.environment(restore);
            env.enableCheckpointing(500);
            job(env, in, out, "restore");
            JobClient second;
            try (Consumer<byte[], byte[]> tail = committedTail(out)) {
                Counting.FIRST_AFTER.set(0);
                Counting.MARK.set(Counting.SEEN.get() + 1);
                second = submit(flink, env);
                long running = awaitRunning(second);
                long firstOutput = awaitFirstRecord(tail);
                // what the issue measures: the restored tasks' start (the recommit and its
                // audit among it) until the first new record is committed, and until the first
                // record is processed (the task thread free again; the output waits for the
                // next checkpoint, 500 ms)
                LOG.info(
                        "restore to first output: {} ms (job RUNNING after the restore from the"
                                + " savepoint to the first new record read read_committed); to the"
                                + " first record processed: {} ms",
                        TimeUnit.NANOSECONDS.toMillis(firstOutput - running),
                        TimeUnit.NANOSECONDS.toMillis(Counting.FIRST_AFTER.get() - running));
            }
            awaitOutput(out, 100);
            Map<String, Double> audit = awaitAudit(flink, "AlreadyDone");
            second.cancel().get(30, TimeUnit.SECONDS);

            assertThat(values(out)).doesNotHaveDuplicates().hasSize(100);
            assertThat(audit.get("AlreadyDone")).as("the recommit of the savepoint").isEqualTo(1.0);
            assertThat(audit.get("Lost")).isZero();
            assertThat(audit.get("Unconfirmed")).isZero();
        }
    }

    @Test
    void aTransactionAbortedBeforeItsCommitIsCountedAsLost() throws Exception {
        String in = "expire.in";
        String out = "expire.out";
        Topics.create(kafka.bootstrapServers(), 1, Duration.ofDays(1), in, out);
        Counting.SEEN.set(0);
        StallOnce.STALLED.set(0);
        write(in, "c", 50);
        try (LocalFlinkCluster flink = LocalFlinkCluster.startOnFreePorts(true, 2, conf())) {
            StreamExecutionEnvironment env = flink.environment(new Configuration());
            env.enableCheckpointing(Duration.ofHours(1).toMillis());
            env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(1).toMillis());
            DataStream<String> events = job(env, in, out, "expire");
            // a second branch whose snapshot stalls past the sink's 5 s transaction timeout once
            // it has seen every record: the checkpoint completes, and the commit comes, too late
            events.map(new StallOnce(50, Duration.ofSeconds(12)))
                    .name("stall")
                    .sinkTo(new DiscardingSink<>());
            JobClient job = submit(flink, env);
            awaitSeen(50);
            flink.miniCluster().triggerCheckpoint(job.getJobID()).get(90, TimeUnit.SECONDS);
            assertThat(StallOnce.STALLED.get()).isEqualTo(1);
            Map<String, Double> audit = awaitAudit(flink, "Lost");
            // what the connector alone does: the job runs on, the records are not in the output
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
            job.cancel().get(30, TimeUnit.SECONDS);

            assertThat(values(out)).as("the aborted transaction's records").isEmpty();
            assertThat(audit.get("Lost")).isEqualTo(1.0);
            assertThat(audit.get("AlreadyDone")).isZero();
        }
    }

    private static Configuration conf() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return c;
    }

    private static StreamExecutionEnvironment job(
            LocalFlinkCluster flink, String in, String out, String prefix, Duration interval) {
        StreamExecutionEnvironment env = flink.environment(new Configuration());
        env.enableCheckpointing(interval.toMillis());
        job(env, in, out, prefix);
        return env;
    }

    /** Input strings, counted, into an audited exactly-once sink with a 5 s transaction timeout. */
    private static DataStream<String> job(
            StreamExecutionEnvironment env, String in, String out, String prefix) {
        env.setParallelism(1);
        DataStream<String> events =
                env.fromSource(
                                KafkaSource.<String>builder()
                                        .setBootstrapServers(kafka.bootstrapServers())
                                        .setTopics(in)
                                        .setGroupId(prefix)
                                        .setStartingOffsets(OffsetsInitializer.earliest())
                                        .setValueOnlyDeserializer(new SimpleStringSchema())
                                        .build(),
                                WatermarkStrategy.noWatermarks(),
                                "in")
                        .uid("in")
                        .map(new Counting())
                        .name("count")
                        .uid("count");
        KafkaSink<String> sink =
                KafkaSink.<String>builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(prefix)
                        .setProperty("transaction.timeout.ms", "5000")
                        .setRecordSerializer(
                                KafkaRecordSerializationSchema.builder()
                                        .setTopic(out)
                                        .setValueSerializationSchema(new SimpleStringSchema())
                                        .build())
                        .build();
        events.sinkTo(
                        new AuditedKafkaSink<>(
                                sink, Map.of("bootstrap.servers", kafka.bootstrapServers())))
                .name("out")
                .uid("out");
        return events;
    }

    private static JobClient submit(LocalFlinkCluster flink, StreamExecutionEnvironment env)
            throws Exception {
        return env.executeAsync("commit-audit");
    }

    private static void write(String topic, String prefix, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(new ProducerRecord<>(topic, (prefix + i).getBytes(StandardCharsets.UTF_8)));
        }
        KafkaIO.produce(kafka.bootstrapServers(), records);
    }

    private static List<String> values(String topic) {
        return KafkaIO.readCommitted(kafka.bootstrapServers(), topic).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList();
    }

    /** A read_committed consumer of {@code topic}'s only partition, at its end. */
    private static Consumer<byte[], byte[]> committedTail(String topic) {
        Map<String, Object> p =
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition only = new TopicPartition(topic, 0);
        c.assign(List.of(only));
        c.seekToEnd(List.of(only));
        c.position(only);
        return c;
    }

    /** When (nanoTime) the job first reports RUNNING. */
    private static long awaitRunning(JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (job.getJobStatus().get(10, TimeUnit.SECONDS) != JobStatus.RUNNING) {
            assertThat(System.nanoTime()).as("job RUNNING").isLessThan(deadline);
            Thread.sleep(5);
        }
        return System.nanoTime();
    }

    /** When (nanoTime) {@code tail} first reads a record. */
    private static long awaitFirstRecord(Consumer<byte[], byte[]> tail) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tail.poll(Duration.ofMillis(10)).isEmpty()) {
            assertThat(System.nanoTime()).as("a new committed record").isLessThan(deadline);
        }
        return System.nanoTime();
    }

    private static void awaitSeen(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Counting.SEEN.get() < n) {
            assertThat(System.nanoTime())
                    .as("records seen: %s", Counting.SEEN)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void awaitOutput(String topic, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (values(topic).size() < n) {
            assertThat(System.nanoTime()).as("committed in %s", topic).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The three audit counters of the sink's committer, once {@code which} is above zero. */
    private static Map<String, Double> awaitAudit(LocalFlinkCluster flink, String which)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Map<String, List<String>> scrape = ExportedMetricsITCase.scrape(flink.prometheusUrl());
            Map<String, Double> audit =
                    Map.of(
                            "AlreadyDone", sum(scrape, "AlreadyDone"),
                            "Lost", sum(scrape, "Lost"),
                            "Unconfirmed", sum(scrape, "Unconfirmed"));
            if (audit.get(which) > 0 || System.nanoTime() > deadline) {
                return audit;
            }
            Thread.sleep(200);
        }
    }

    private static double sum(Map<String, List<String>> scrape, String counter) {
        return scrape.getOrDefault(AUDIT + counter, List.of()).stream()
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /**
     * Counts the records it passes (the test runs the cluster in its own JVM), and notes when
     * (nanoTime) it passed record number {@code MARK}.
     */
    static final class Counting implements MapFunction<String, String> {
        static final AtomicInteger SEEN = new AtomicInteger();
        static final AtomicInteger MARK = new AtomicInteger(Integer.MAX_VALUE);
        static final AtomicLong FIRST_AFTER = new AtomicLong();

        @Override
        public String map(String value) {
            if (SEEN.incrementAndGet() == MARK.get()) {
                FIRST_AFTER.set(System.nanoTime());
            }
            return value;
        }
    }

    /** Stalls its first snapshot taken after {@code records} records, for {@code stall}. */
    static final class StallOnce implements MapFunction<String, String>, CheckpointedFunction {
        static final AtomicInteger STALLED = new AtomicInteger();
        private final int records;
        private final long stallMillis;
        private int seen;

        StallOnce(int records, Duration stall) {
            this.records = records;
            this.stallMillis = stall.toMillis();
        }

        @Override
        public String map(String value) {
            seen++;
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            if (seen >= records && STALLED.compareAndSet(0, 1)) {
                Thread.sleep(stallMillis);
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}
    }
}
