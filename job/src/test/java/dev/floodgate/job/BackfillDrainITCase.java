package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.testing.FailOnceProcessor;
import dev.floodgate.job.testing.ShedEvery;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.job.tools.Reconcile;
import dev.floodgate.job.tools.ReconcileReport;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood that sheds, the live job stopped with a savepoint, the shed lane drained by the backfill
 * job (killed once on the way), and then reconcile: every valid event processed exactly once across
 * the live and backfill lanes, every poison record a dead letter.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BackfillDrainITCase {
    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @TempDir Path savepoints;

    @Test
    void drainAfterAFloodReconcilesExactlyOnceEvenWhenKilledOnTheWay() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        FloodgateOptions options =
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
        FloodGenerator generator =
                new FloodGenerator(
                        bootstrap,
                        options.get(FloodgateOptions.INPUT_TOPIC),
                        new Profile(200, 0.5, 0.1, 0.1, 0.003, 0, 0, 0),
                        3);
        generator.run(List.of(new Phase("burst", 2000, Duration.ofSeconds(2))), p -> {});
        int valid = generator.sentValid().size();

        // The live job sheds every low and normal voice event (the flood in miniature).
        StreamExecutionEnvironment live = TestEnvironments.withBoundedRestarts(2, 500);
        ExactlyOnceKafkaSinks liveSinks =
                new ExactlyOnceKafkaSinks(bootstrap, "floodgate-live", Duration.ofMinutes(5));
        FloodgateJob.defineWorkflow(
                live,
                InteractionLogSource.unbounded(
                        bootstrap,
                        options.get(FloodgateOptions.INPUT_TOPIC),
                        "floodgate-live",
                        "earliest",
                        Duration.ofDays(1)),
                new JobSinks(
                        liveSinks.processed(options.get(FloodgateOptions.PROCESSED_TOPIC)),
                        liveSinks.shed(options.get(FloodgateOptions.SHED_TOPIC)),
                        liveSinks.deadLetters(options.get(FloodgateOptions.DLQ_TOPIC), "all"),
                        null),
                Pipeline.defaults()
                        .withShedPolicy(
                                new ShedEvery(Channel.VOICE, Priority.LOW, Priority.NORMAL)));
        JobClient liveJob = live.executeAsync("live");
        KAFKA.awaitCommitted(
                valid,
                Duration.ofMinutes(2),
                options.get(FloodgateOptions.PROCESSED_TOPIC),
                options.get(FloodgateOptions.SHED_TOPIC)); // the live job caught up
        String savepoint =
                liveJob.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);
        assertThat(savepoint).isNotBlank();

        ReconcileReport beforeDrain = Reconcile.run(options, EnumSet.of(Lane.LIVE, Lane.BACKFILL));
        assertThat(beforeDrain.passed()).as("shed events are not processed yet").isFalse();
        assertThat(beforeDrain.shedNotDrained().count())
                .isEqualTo(beforeDrain.missing().count())
                .isPositive();

        // The drain, killed once after its first checkpoint, restarts from it and finishes by
        // itself.
        StreamExecutionEnvironment drain = TestEnvironments.withBoundedRestarts(2, 500);
        ExactlyOnceKafkaSinks backfillSinks =
                new ExactlyOnceKafkaSinks(
                        bootstrap, "floodgate-backfill-drain", Duration.ofMinutes(5));
        BackfillJob.defineDrain(
                drain,
                InteractionLogSource.toEndOffsets(
                        bootstrap,
                        options.get(FloodgateOptions.SHED_TOPIC),
                        options.get(FloodgateOptions.GROUP_ID),
                        "committed",
                        Duration.ofDays(1)),
                backfillSinks.drainOutputs(
                        options.get(FloodgateOptions.PROCESSED_TOPIC),
                        options.get(FloodgateOptions.DLQ_TOPIC),
                        options.get(FloodgateOptions.SHED_TOPIC),
                        options.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC),
                        options.get(FloodgateOptions.GROUP_ID)),
                Pipeline.defaults()
                        .withShedPolicy(ShedPolicy.none())
                        .withProcessor(FailOnceProcessor.afterFirstCheckpoint(0)),
                400); // the drain's rate limit: ~4.5 s for the shed lane, with checkpoints on the
        // way
        FailOnceProcessor.reset();
        long t0 = System.nanoTime();
        drain.execute("drain");
        org.slf4j.LoggerFactory.getLogger(getClass())
                .info(
                        "drain of {} shed events took {} ms",
                        beforeDrain.missing().count(),
                        (System.nanoTime() - t0) / 1_000_000);
        assertThat(FailOnceProcessor.FIRED).as("the drain was killed once").isTrue();
        // A restart calls again only what was called after the last completed checkpoint: at
        // most the rate limit's events of one interval plus what the lanes held (2 subtasks x 8
        // voice calls in flight and 8 queued), issue 32.
        long recalled = FailOnceProcessor.CALLS.get() - beforeDrain.missing().count();
        org.slf4j.LoggerFactory.getLogger(getClass())
                .info(
                        "{} calls for {} shed events: {} called again after the restart",
                        FailOnceProcessor.CALLS.get(),
                        beforeDrain.missing().count(),
                        recalled);
        assertThat(recalled).isBetween(0L, (long) (400 * 0.5) + 2 * (8 + 8));

        ReconcileReport report = Reconcile.run(options, EnumSet.of(Lane.LIVE, Lane.BACKFILL));
        assertThat(report.passed()).as(report.render()).isTrue();
        assertThat(report.processedOnce()).isEqualTo(valid);
        assertThat(report.processedByLane().get("backfill"))
                .isEqualTo(beforeDrain.missing().count());
        assertThat(report.invalidRecords())
                .isEqualTo(generator.sentPoison().values().stream().mapToLong(i -> i).sum());
    }
}
