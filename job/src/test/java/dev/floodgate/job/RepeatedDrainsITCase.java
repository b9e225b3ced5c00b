package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.testing.SlowProcessor;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.job.tools.Reconcile;
import dev.floodgate.job.tools.ReconcileReport;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.DrainProgress;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains in a row, each stopped mid-way (stop-with-savepoint, as an operator stops a drain) and
 * then run again as a new job (no state: the savepoint is not used), with new shed events in
 * between: every shed event is processed exactly once (reconcile). The runs start at the drain's
 * committed marks; with the group's committed offsets instead, the events in flight at the stopped
 * run's last checkpoint were skipped and those read after it repeated.
 *
 * <p>Stopped, not cancelled: a stop commits the savepoint's transactions of every sink before the
 * job ends; a cancel can land between two sinks' commits of one checkpoint (the marks' and the
 * results' are separate transactions, in separate subtasks), and a new run from the marks then
 * repeats or skips that checkpoint's records (22 repeats once in CI). A cancelled or failed drain
 * resumes from its retained checkpoint instead, which commits what is pending
 * (docs/reliability.md).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class RepeatedDrainsITCase {
    private static final Logger LOG = LoggerFactory.getLogger(RepeatedDrainsITCase.class);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @TempDir Path savepoints;

    private FloodgateOptions options;
    private String bootstrap;

    @Test
    void drainsStoppedMidWayAndRunAgainNeitherRepeatNorSkip() throws Exception {
        bootstrap = KAFKA.bootstrapServers();
        options =
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers", bootstrap, "--dry-run", "true"},
                        JobKind.BACKFILL);
        Topics.create(
                bootstrap,
                4,
                Duration.ofDays(1),
                options.get(FloodgateOptions.INPUT_TOPIC),
                options.get(FloodgateOptions.PROCESSED_TOPIC),
                options.get(FloodgateOptions.SHED_TOPIC),
                options.get(FloodgateOptions.DLQ_TOPIC));
        Topics.createCompacted(bootstrap, options.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC));

        int first = shedByTheLiveJob(0, 1200);
        stopMidWay(first / 3);
        runToTheEnd();
        ReconcileReport afterFirst = Reconcile.run(options, EnumSet.of(Lane.LIVE, Lane.BACKFILL));
        assertThat(afterFirst.passed()).as(afterFirst.render()).isTrue();
        assertThat(afterFirst.processedOnce()).isEqualTo(first);

        int second = shedByTheLiveJob(1, 800);
        stopMidWay(first + second / 3);
        runToTheEnd();
        ReconcileReport report = Reconcile.run(options, EnumSet.of(Lane.LIVE, Lane.BACKFILL));
        assertThat(report.passed()).as(report.render()).isTrue();
        assertThat(report.processedOnce()).isEqualTo(first + second);
        assertThat(report.processedByLane().get("backfill")).isEqualTo((long) (first + second));
    }

    /**
     * Events in the log and, as the live job sheds them, in the shed lane (here written directly:
     * this test is about the drain).
     */
    private int shedByTheLiveJob(int batch, int n) throws Exception {
        List<ProducerRecord<byte[], byte[]>> log = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> shed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Interaction e =
                    InteractionRecords.event(
                            "b" + batch + "-c" + (i % 37),
                            i / 37 + 1,
                            Channel.VOICE,
                            Priority.LOW,
                            1_000L + i);
            log.add(InteractionRecords.record(options.get(FloodgateOptions.INPUT_TOPIC), e));
            shed.add(InteractionRecords.record(options.get(FloodgateOptions.SHED_TOPIC), e));
        }
        KafkaIO.produce(bootstrap, log);
        KafkaIO.produce(bootstrap, shed);
        return n;
    }

    /**
     * A drain run, stopped with a savepoint once it has committed marks and at least {@code
     * processedAtLeast} results: calls are in flight and records are read past its last checkpoint.
     */
    private void stopMidWay(int processedAtLeast) throws Exception {
        JobClient run = drain().executeAsync("drain (stopped mid-way)");
        long deadline = System.currentTimeMillis() + 120_000;
        while (committedProcessed() < processedAtLeast || marks().isEmpty()) {
            assertThat(System.currentTimeMillis())
                    .as("the drain makes progress")
                    .isLessThan(deadline);
            assertThat(run.getJobStatus().get()).isNotIn(JobStatus.FINISHED, JobStatus.FAILED);
            Thread.sleep(100);
        }
        run.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(1, TimeUnit.MINUTES);
        while (!run.getJobStatus().get().isGloballyTerminalState()) {
            Thread.sleep(50);
        }
        int results = committedProcessed();
        Map<TopicPartition, Long> marks = marks();
        LOG.info("stopped a drain with {} results committed, marks {}", results, marks);
        // every shed event is processed here (no dead letters, nothing shed again): after a stop
        // the committed marks account for exactly the committed results
        assertThat(marks.values().stream().mapToLong(Long::longValue).sum())
                .as("committed marks %s against %d committed results", marks, results)
                .isEqualTo(results);
    }

    private void runToTheEnd() throws Exception {
        drain().execute("drain (to the end)"); // bounded: ends at the offsets found at its start
    }

    /** A new drain job, as BackfillJob builds it: from the committed marks. */
    private StreamExecutionEnvironment drain() throws Exception {
        StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 300);
        String group = options.get(FloodgateOptions.GROUP_ID);
        String shedTopic = options.get(FloodgateOptions.SHED_TOPIC);
        ExactlyOnceKafkaSinks sinks =
                new ExactlyOnceKafkaSinks(
                        bootstrap, "floodgate-backfill-drain", Duration.ofMinutes(5));
        BackfillJob.defineDrain(
                env,
                InteractionLogSource.fromMarksToEndOffsets(
                        bootstrap, shedTopic, group, marks(), Duration.ofDays(1), Map.of()),
                new BackfillJob.DrainSinks(
                        sinks.processed(options.get(FloodgateOptions.PROCESSED_TOPIC)),
                        sinks.deadLetters(options.get(FloodgateOptions.DLQ_TOPIC), "backfill"),
                        sinks.shed(shedTopic),
                        sinks.drainMarks(
                                options.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC), group)),
                Pipeline.defaults()
                        .withShedPolicy(ShedPolicy.none())
                        .withProcessor(new SlowProcessor(40)),
                150); // slow enough to be stopped mid-way: 1,200 events take 8 s
        return env;
    }

    private Map<TopicPartition, Long> marks() {
        return DrainProgress.read(
                bootstrap,
                Map.of(),
                options.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC),
                options.get(FloodgateOptions.GROUP_ID),
                options.get(FloodgateOptions.SHED_TOPIC));
    }

    private int committedProcessed() {
        return KafkaIO.readCommitted(bootstrap, options.get(FloodgateOptions.PROCESSED_TOPIC))
                .size();
    }
}
