package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.kafka.KafkaAcls;
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
import java.util.Random;
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
 * Drains in a row, each cancelled (or, now and then, stopped with a savepoint) at a random point
 * and then run again as a new job without its state, as {@link BackfillJob#build} starts one (the
 * transactions the ended run left open aborted, then its committed marks read), with new shed
 * events in between: every shed event is processed exactly once (reconcile). A cancel lands
 * anywhere: mid-checkpoint, between a checkpoint's completion and its commit, between two subtasks'
 * commits. Before issue 32 the marks and the outputs were separate transactions, and a cancel
 * between their commits made the next run repeat or skip that checkpoint's records (22 repeats of
 * 2,000 in CI); now each subtask's marks and outputs are one transaction.
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
    void drainsCancelledAtRandomPointsAndStartedFreshNeitherRepeatNorSkip() throws Exception {
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

        long seed = System.nanoTime();
        Random random = new Random(seed);
        LOG.info("random seed {}", seed);
        int total = shedByTheLiveJob(0, 1200);
        int cancels = 0;
        for (int round = 0; round < 5; round++) {
            if (round == 2) {
                total += shedByTheLiveJob(1, 800);
            }
            boolean stop = random.nextInt(4) == 0;
            cancels += stop ? 0 : 1;
            endMidWay(stop, random.nextInt(2_500));
        }
        assertThat(cancels).as("cancelled runs").isPositive();
        runToTheEnd();
        ReconcileReport report = Reconcile.run(options, EnumSet.of(Lane.LIVE, Lane.BACKFILL));
        assertThat(report.passed()).as(report.render()).isTrue();
        assertThat(report.duplicated().count()).isZero();
        assertThat(report.processedOnce()).isEqualTo(total);
        assertThat(report.processedByLane().get("backfill")).isEqualTo((long) total);
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
     * A new drain run, cancelled (or stopped with a savepoint) {@code millis} after it runs: at a
     * random point, calls in flight, records read past its last checkpoint.
     */
    private void endMidWay(boolean stop, long millis) throws Exception {
        int callsBefore = SlowProcessor.CALLS.get();
        JobClient run = drain().executeAsync("drain (ended mid-way)");
        long deadline = System.currentTimeMillis() + 60_000;
        while (SlowProcessor.CALLS.get() == callsBefore) { // every task runs: it calls
            assertThat(System.currentTimeMillis()).as("the drain calls").isLessThan(deadline);
            assertThat(run.getJobStatus().get()).isNotIn(JobStatus.FINISHED, JobStatus.FAILED);
            Thread.sleep(10);
        }
        Thread.sleep(millis);
        if (run.getJobStatus().get().isGloballyTerminalState()) {
            LOG.info("the drain finished before it was ended");
        } else if (stop) {
            stopWithSavepoint(run);
        } else {
            run.cancel().get(1, TimeUnit.MINUTES);
        }
        while (!run.getJobStatus().get().isGloballyTerminalState()) {
            Thread.sleep(20);
        }
        LOG.info(
                "{} a drain after {} ms: {} results committed, marks {}",
                stop ? "stopped" : "cancelled",
                millis,
                KafkaIO.readCommitted(bootstrap, options.get(FloodgateOptions.PROCESSED_TOPIC))
                        .size(),
                marks());
    }

    /**
     * Stops {@code run} with a savepoint. A task still starting (the sink initializing its
     * transactions on a loaded machine: the first call proves only the lanes run) makes Flink
     * refuse the savepoint ("not all required tasks are currently running"); the test asks again
     * until every task runs, as an operator would.
     */
    private void stopWithSavepoint(JobClient run) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                run.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                boolean starting =
                        org.apache.flink.util.ExceptionUtils.findThrowable(
                                        e,
                                        org.apache.flink.runtime.checkpoint.CheckpointException
                                                .class)
                                .map(
                                        c ->
                                                c.getCheckpointFailureReason()
                                                        == org.apache.flink.runtime.checkpoint
                                                                .CheckpointFailureReason
                                                                .NOT_ALL_REQUIRED_TASKS_RUNNING)
                                .orElse(false);
                if (!starting || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                LOG.info("a task of the drain is not running yet; stopping it again");
                Thread.sleep(200);
                if (run.getJobStatus().get().isGloballyTerminalState()) {
                    return;
                }
            }
        }
    }

    private void runToTheEnd() throws Exception {
        drain().execute("drain (to the end)"); // bounded: ends at the offsets found at its start
    }

    /**
     * A new drain job as {@link BackfillJob#build} makes one: the ended run's open transactions
     * aborted, then from the committed marks.
     */
    private StreamExecutionEnvironment drain() throws Exception {
        BackfillJob.endLingeringTransactions(options);
        StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 200);
        String group = options.get(FloodgateOptions.GROUP_ID);
        String shedTopic = options.get(FloodgateOptions.SHED_TOPIC);
        ExactlyOnceKafkaSinks sinks =
                new ExactlyOnceKafkaSinks(
                        bootstrap,
                        KafkaAcls.transactionalIdPrefix(JobKind.BACKFILL, options),
                        Duration.ofMinutes(5));
        BackfillJob.defineDrain(
                env,
                InteractionLogSource.fromMarks(
                        bootstrap, shedTopic, group, marks(), Duration.ofDays(1), Map.of(), false),
                sinks.drainOutputs(
                        options.get(FloodgateOptions.PROCESSED_TOPIC),
                        options.get(FloodgateOptions.DLQ_TOPIC),
                        shedTopic,
                        options.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC),
                        group),
                Pipeline.defaults()
                        .withShedPolicy(ShedPolicy.none())
                        .withProcessor(new SlowProcessor(40)),
                150); // slow enough to be ended mid-way: 2,000 events take 13 s
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
}
