package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.PassThroughProcessor;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sinks.commit.AuditedKafkaSink;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.EmbeddedKafka;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The transactional-id measurement and the evaluation of the connector's POOLING naming (issue 33,
 * docs/benchmarks.md "Transactional ids", docs/operating.md). A manual command, not part of CI (it
 * runs minutes): {@code mvn -B -o -pl job -am verify -Dspotless.check.skip=true
 * -Dit.test=TransactionalIdsITCase -Dfloodgate.txn-ids=true -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}. It prints its
 * numbers as lines starting with {@code TXN-IDS}.
 */
@EnabledIfSystemProperty(named = "floodgate.txn-ids", matches = "true")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TransactionalIdsITCase {
    private static final String AUDIT = "flink_taskmanager_job_task_operator_commits";
    private static final int CHECKPOINTS = 40;
    private static final long INTERVAL_MS = 300;
    private static EmbeddedKafka kafka;
    private static LocalFlinkCluster flink;

    @BeforeAll
    static void start() throws Exception {
        kafka =
                EmbeddedKafka.start(
                        Map.of(
                                "transaction.abort.timed.out.transaction.cleanup.interval.ms",
                                "1000"));
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        flink = LocalFlinkCluster.startOnFreePorts(true, 2, c);
    }

    @AfterAll
    static void stop() throws Exception {
        if (flink != null) {
            flink.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * The live job (its graph and its three exactly-once Kafka sinks: processed, shed, dead
     * letters) at parallelism 2 for {@value #CHECKPOINTS} checkpoints of {@value #INTERVAL_MS} ms
     * with input arriving all along; then the broker's transactional ids, per sink prefix.
     */
    @Test
    void transactionalIdsPerCheckpointByNaming() throws Exception {
        for (TransactionNamingStrategy naming : TransactionNamingStrategy.values()) {
            String run = "ids-" + naming.name().toLowerCase() + "-" + System.nanoTime();
            Topics.create(
                    kafka.bootstrapServers(),
                    4,
                    Duration.ofDays(1),
                    run + ".in",
                    run + ".processed",
                    run + ".shed",
                    run + ".dlq");
            ExactlyOnceKafkaSinks kafkaSinks =
                    new ExactlyOnceKafkaSinks(kafka.bootstrapServers(), run, Duration.ofMinutes(5))
                            .withNaming(naming);
            StreamExecutionEnvironment env = flink.environment(new Configuration());
            FloodgateJob.enableObjectReuse(env);
            env.setParallelism(2);
            env.enableCheckpointing(INTERVAL_MS, CheckpointingMode.EXACTLY_ONCE);
            CheckpointCounter.reset();
            FloodgateJob.defineWorkflow(
                    env,
                    InteractionLogSource.unbounded(
                            kafka.bootstrapServers(),
                            run + ".in",
                            run,
                            "earliest",
                            Duration.ofDays(7)),
                    new JobSinks(
                            kafkaSinks.processed(run + ".processed"),
                            kafkaSinks.shed(run + ".shed"),
                            kafkaSinks.deadLetters(run + ".dlq", "all"),
                            null),
                    Pipeline.defaults()
                            .withShedPolicy(ShedPolicy.none())
                            .withProcessor(new CheckpointCounter()));
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread input = new Thread(() -> produceUntil(run + ".in", producing));
            input.start();
            long t0 = System.nanoTime();
            JobClient job = env.executeAsync("txn-ids-" + naming);
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
                while (CheckpointCounter.LATEST.get() < CHECKPOINTS) {
                    assertThat(System.nanoTime())
                            .as("%d checkpoints", CHECKPOINTS)
                            .isLessThan(deadline);
                    Thread.sleep(100);
                }
            } finally {
                producing.set(false);
                input.join();
                job.cancel().get(60, TimeUnit.SECONDS);
            }
            long checkpoints = CheckpointCounter.LATEST.get();
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Integer> perPrefix = new TreeMap<>();
            Map<String, Integer> states = new TreeMap<>();
            try (Admin admin = admin()) {
                for (TransactionListing l :
                        admin.listTransactions().all().get(30, TimeUnit.SECONDS)) {
                    if (!l.transactionalId().startsWith(run + "-")) {
                        continue;
                    }
                    String id = l.transactionalId();
                    // <prefix>-<sink>-<subtask>-<offset>
                    String sink = id.substring(run.length() + 1, nthFromEnd(id, '-', 2));
                    perPrefix.merge(sink, 1, Integer::sum);
                    states.merge(l.state().toString(), 1, Integer::sum);
                }
            }
            int total = perPrefix.values().stream().mapToInt(Integer::intValue).sum();
            // per day at 10 s checkpoints: ids per checkpoint x 8640
            double perCheckpoint = (double) total / checkpoints;
            System.out.printf(
                    "TXN-IDS naming=%s checkpoints=%d (%.1f s) parallelism=2 sinks=3 ids=%d %s"
                            + " states=%s ids/checkpoint=%.2f ids/(checkpoint*sink*subtask)=%.2f%n",
                    naming,
                    checkpoints,
                    seconds,
                    total,
                    perPrefix,
                    states,
                    perCheckpoint,
                    perCheckpoint / 6);
        }
    }

    /**
     * The live job with POOLING sinks and a task failure after the first completed checkpoint:
     * every event in the processed topic exactly once, read read_committed.
     */
    @Test
    void poolingIsExactlyOnceAcrossAFailover() throws Exception {
        String run = "fail-pooling-" + System.nanoTime();
        Topics.create(
                kafka.bootstrapServers(),
                4,
                Duration.ofDays(1),
                run + ".in",
                run + ".processed",
                run + ".shed",
                run + ".dlq");
        Set<String> sent = new HashSet<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            Interaction in =
                    InteractionRecords.event(
                            "c" + (i % 200),
                            i / 200 + 1,
                            Channel.values()[i % 3],
                            Priority.values()[i % 3],
                            System.currentTimeMillis());
            sent.add(in.eventId);
            records.add(InteractionRecords.record(run + ".in", in));
        }
        KafkaIO.produce(kafka.bootstrapServers(), records);
        ExactlyOnceKafkaSinks kafkaSinks =
                new ExactlyOnceKafkaSinks(kafka.bootstrapServers(), run, Duration.ofMinutes(5))
                        .withNaming(TransactionNamingStrategy.POOLING);
        StreamExecutionEnvironment env = flink.environment(new Configuration());
        FloodgateJob.enableObjectReuse(env);
        env.setParallelism(2);
        env.enableCheckpointing(INTERVAL_MS, CheckpointingMode.EXACTLY_ONCE);
        dev.floodgate.job.testing.FailOnceProcessor.reset();
        FloodgateJob.defineWorkflow(
                env,
                InteractionLogSource.toEndOffsets(
                        kafka.bootstrapServers(), run + ".in", run, "earliest", Duration.ofDays(7)),
                new JobSinks(
                        kafkaSinks.processed(run + ".processed"),
                        kafkaSinks.shed(run + ".shed"),
                        kafkaSinks.deadLetters(run + ".dlq", "all"),
                        null),
                Pipeline.defaults()
                        .withShedPolicy(ShedPolicy.none())
                        .withProcessor(
                                dev.floodgate.job.testing.FailOnceProcessor.afterFirstCheckpoint(
                                        1000)));
        JobClient job = env.executeAsync("txn-fail-pooling");
        job.getJobExecutionResult().get(5, TimeUnit.MINUTES);
        assertThat(dev.floodgate.job.testing.FailOnceProcessor.FIRED).isTrue();
        List<String> ids = new ArrayList<>();
        for (var r : KafkaIO.readCommitted(kafka.bootstrapServers(), run + ".processed")) {
            ids.add(OutputCodec.readProcessed(r.value()).eventId);
        }
        Map<String, Double> audit = audit();
        System.out.printf(
                "TXN-IDS failover naming=POOLING sent=%d processed=%d distinct=%d audit=%s%n",
                sent.size(), ids.size(), new HashSet<>(ids).size(), audit);
        assertThat(ids).doesNotHaveDuplicates().hasSize(sent.size());
        assertThat(new HashSet<>(ids)).isEqualTo(sent);
    }

    /**
     * FLINK-40626 with POOLING, and what the commit audit makes of it: checkpoint N completes (its
     * transaction, id X, commits), the writer takes X again for the transaction after N+1 and
     * writes into it, then checkpoint N+1 fails (another task's snapshot fails) and the job
     * restores N. Its recommit of X is fenced; the newer transaction under X is left open until X
     * is taken again. Prints the longest time the output's last stable offset (what read_committed
     * readers see) stood still after the failure, and the commit audit's counters; INCREMENTING as
     * the control.
     */
    @Test
    void aFencedRecommitAfterAFailedCheckpoint() throws Exception {
        for (TransactionNamingStrategy naming : TransactionNamingStrategy.values()) {
            String run = "recommit-" + naming.name().toLowerCase() + "-" + System.nanoTime();
            String in = run + ".in";
            String out = run + ".out";
            Topics.create(kafka.bootstrapServers(), 1, Duration.ofDays(1), in, out);
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < 6000; i++) {
                records.add(new ProducerRecord<>(in, ("r" + i).getBytes(StandardCharsets.UTF_8)));
            }
            KafkaIO.produce(kafka.bootstrapServers(), records);
            Slow.SEEN.set(0);
            FailSnapshot.FAILED.set(false);
            Map<String, Double> before = audit();
            StreamExecutionEnvironment env = flink.environment(new Configuration());
            env.setParallelism(1);
            env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
            DataStream<String> events =
                    env.fromSource(
                                    KafkaSource.<String>builder()
                                            .setBootstrapServers(kafka.bootstrapServers())
                                            .setTopics(in)
                                            .setGroupId(run)
                                            .setStartingOffsets(OffsetsInitializer.earliest())
                                            .setValueOnlyDeserializer(new SimpleStringSchema())
                                            .build(),
                                    WatermarkStrategy.noWatermarks(),
                                    "in")
                            .uid("in");
            events.map(new Slow()).uid("slow").sinkTo(sink(run, out, naming)).uid("out");
            // another task, whose snapshot of checkpoint 4 fails after 1.5 s: the sink has
            // snapshotted 4 and writes on meanwhile
            events.rebalance()
                    .map(new FailSnapshot(4, Duration.ofMillis(1500)))
                    .uid("fail")
                    .sinkTo(new DiscardingSink<>());
            JobClient job = env.executeAsync("txn-recommit-" + naming);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!FailSnapshot.FAILED.get()) {
                assertThat(System.nanoTime()).as("failed snapshot").isLessThan(deadline);
                Thread.sleep(20);
            }
            long failedAt = System.nanoTime();
            // watch the output's last stable offset
            TopicPartition p = new TopicPartition(out, 0);
            long lastLso = -1;
            long lsoStillSince = failedAt;
            long longestLsoStill = 0;
            try (Admin admin = admin()) {
                while (System.nanoTime() - failedAt < TimeUnit.SECONDS.toNanos(15)) {
                    assertThat(System.nanoTime()).as("job done").isLessThan(deadline);
                    long now = System.nanoTime();
                    long lso =
                            admin.listOffsets(
                                            Map.of(p, OffsetSpec.latest()),
                                            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                                    .partitionResult(p)
                                    .get()
                                    .offset();
                    if (lso != lastLso) {
                        longestLsoStill = Math.max(longestLsoStill, now - lsoStillSince);
                        lastLso = lso;
                        lsoStillSince = now;
                    }
                    Thread.sleep(50);
                }
            }
            longestLsoStill = Math.max(longestLsoStill, System.nanoTime() - lsoStillSince);
            Map<String, Double> after = audit();
            List<String> values = List.of();
            while (System.nanoTime() < deadline) {
                values =
                        KafkaIO.readCommitted(kafka.bootstrapServers(), out).stream()
                                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                                .toList();
                if (values.size() >= 6000) {
                    break;
                }
                Thread.sleep(500);
            }
            JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
            job.cancel().get(60, TimeUnit.SECONDS);
            System.out.printf(
                    "TXN-IDS recommit naming=%s status=%s out=%d distinct=%d"
                            + " longest-LSO-standstill=%d ms (in the 15 s after the failure)"
                            + " audit-delta=%s%n",
                    naming,
                    status,
                    values.size(),
                    new HashSet<>(values).size(),
                    TimeUnit.NANOSECONDS.toMillis(longestLsoStill),
                    delta(before, after));
            assertThat(values).doesNotHaveDuplicates().hasSize(6000);
        }
    }

    private static KafkaSink<String> plain(String run, String out, TransactionNamingStrategy n) {
        return KafkaSink.<String>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(run)
                .setTransactionNamingStrategy(n)
                .setProperty("transaction.timeout.ms", "60000")
                .setRecordSerializer(
                        KafkaRecordSerializationSchema.builder()
                                .setTopic(out)
                                .setValueSerializationSchema(new SimpleStringSchema())
                                .build())
                .build();
    }

    private static AuditedKafkaSink<String> sink(
            String run, String out, TransactionNamingStrategy n) {
        return new AuditedKafkaSink<>(
                plain(run, out, n), Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private static Map<String, Double> audit() throws Exception {
        Map<String, List<String>> scrape = ExportedMetricsITCase.scrape(flink.prometheusUrl());
        Map<String, Double> m = new TreeMap<>();
        for (String c : List.of("AlreadyDone", "Lost", "Unconfirmed")) {
            m.put(
                    c,
                    scrape.getOrDefault(AUDIT + c, List.of()).stream()
                            .mapToDouble(
                                    l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                            .sum());
        }
        return m;
    }

    private static Map<String, Double> delta(Map<String, Double> a, Map<String, Double> b) {
        Map<String, Double> d = new TreeMap<>();
        b.forEach((k, v) -> d.put(k, v - a.getOrDefault(k, 0.0)));
        return d;
    }

    private static Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private static int nthFromEnd(String s, char c, int n) {
        int i = s.length();
        for (int k = 0; k < n; k++) {
            i = s.lastIndexOf(c, i - 1);
        }
        return i;
    }

    private static void produceUntil(String topic, AtomicBoolean producing) {
        long seq = 0;
        while (producing.get()) {
            List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
            seq++;
            for (int c = 0; c < 50; c++) {
                batch.add(
                        InteractionRecords.record(
                                topic,
                                InteractionRecords.event(
                                        "c" + c,
                                        seq,
                                        Channel.CHAT,
                                        Priority.NORMAL,
                                        System.currentTimeMillis())));
            }
            KafkaIO.produce(kafka.bootstrapServers(), batch);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Pass-through processing that notes the latest completed checkpoint. */
    static final class CheckpointCounter implements EventProcessor, CheckpointListener {
        static final AtomicLong LATEST = new AtomicLong();
        private final PassThroughProcessor delegate = new PassThroughProcessor();

        static void reset() {
            LATEST.set(0);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            LATEST.accumulateAndGet(checkpointId, Math::max);
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public CompletableFuture<String> process(Interaction event) {
            return delegate.process(event);
        }
    }

    /** 1 ms per record, counted. */
    static final class Slow implements MapFunction<String, String> {
        static final AtomicInteger SEEN = new AtomicInteger();

        @Override
        public String map(String value) {
            SEEN.incrementAndGet();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            return value;
        }
    }

    /** Fails its snapshot of checkpoint {@code failAt} after {@code after}, once. */
    static final class FailSnapshot implements MapFunction<String, String>, CheckpointedFunction {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private final long failAt;
        private final long afterMs;

        FailSnapshot(long failAt, Duration after) {
            this.failAt = failAt;
            this.afterMs = after.toMillis();
        }

        @Override
        public String map(String value) {
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            if (context.getCheckpointId() == failAt && FAILED.compareAndSet(false, true)) {
                Thread.sleep(afterMs);
                throw new IllegalStateException("injected snapshot failure (test)");
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}
    }
}
