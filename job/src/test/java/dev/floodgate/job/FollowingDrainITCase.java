package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The following drain ({@code --mode drain --follow true}, built by {@link BackfillJob#build} as
 * k8s/backfill-job.yaml runs it): it processes the shed events there at its start and those shed
 * after it started, stops with a savepoint like the live job, and resumed from that savepoint goes
 * on with the events shed meanwhile, none processed twice.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FollowingDrainITCase {
    private static final Pattern EVENT_ID = Pattern.compile("\"event_id\"\\s*:\\s*\"([^\"]+)\"");

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @TempDir Path savepoints;

    @Test
    void aFollowingDrainPicksUpNewShedEventsStopsWithASavepointAndResumesWithoutRepeats()
            throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        FloodgateOptions options =
                FloodgateOptions.fromArgs(
                        new String[] {
                            "--bootstrap-servers", bootstrap,
                            "--dry-run", "true",
                            "--kafka-plaintext", "true",
                            "--follow", "true",
                            "--checkpoint-interval", "500ms",
                            "--parallelism", "2"
                        },
                        JobKind.BACKFILL);
        String shed = options.get(FloodgateOptions.SHED_TOPIC);
        String processed = options.get(FloodgateOptions.PROCESSED_TOPIC);
        Topics.create(
                bootstrap,
                2,
                Duration.ofDays(1),
                shed,
                processed,
                options.get(FloodgateOptions.DLQ_TOPIC));
        Topics.createCompacted(bootstrap, options.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC));
        // shed events are the live job's events as they were read (contract v1, keyed by customer)
        FloodGenerator shedLane =
                new FloodGenerator(bootstrap, shed, new Profile(50, 0.5, 0.1, 0.1, 0, 0, 0, 0), 5);
        shedLane.run(
                List.of(new Phase("shed before the start", 1000, Duration.ofMillis(150))), p -> {});
        int before = shedLane.sentValid().size();

        JobClient first = start(options, new Configuration());
        KAFKA.awaitCommitted(before, Duration.ofMinutes(1), processed);
        shedLane.run(
                List.of(new Phase("shed while it runs", 1000, Duration.ofMillis(150))), p -> {});
        int whileRunning = shedLane.sentValid().size();
        assertThat(whileRunning).isGreaterThan(before);
        KAFKA.awaitCommitted(whileRunning, Duration.ofMinutes(1), processed);
        assertThat(first.getJobStatus().get()).as("it follows: still running").isNotNull();
        assertThat(first.getJobStatus().get().isGloballyTerminalState()).isFalse();
        String savepoint =
                first.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);

        shedLane.run(
                List.of(new Phase("shed while stopped", 1000, Duration.ofMillis(150))), p -> {});
        int all = shedLane.sentValid().size();
        Configuration fromSavepoint = new Configuration();
        fromSavepoint.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        JobClient resumed = start(options, fromSavepoint);
        KAFKA.awaitCommitted(all, Duration.ofMinutes(1), processed);
        Thread.sleep(2000); // a repeat, if any, would commit within a few checkpoints
        resumed.stopWithSavepoint(
                        false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(1, TimeUnit.MINUTES);

        List<String> ids = processedIds(bootstrap, processed);
        Set<String> sent = new HashSet<>();
        shedLane.sentValid().forEach(e -> sent.add(e.eventId));
        assertThat(ids).hasSize(all).doesNotHaveDuplicates();
        assertThat(new HashSet<>(ids)).isEqualTo(sent);
    }

    private static JobClient start(FloodgateOptions options, Configuration settings)
            throws Exception {
        StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 500, settings);
        BackfillJob.build(env, options);
        return env.executeAsync(BackfillJob.jobName(options));
    }

    private static List<String> processedIds(String bootstrap, String topic) {
        return KafkaIO.readCommitted(bootstrap, topic).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .map(
                        v -> {
                            Matcher m = EVENT_ID.matcher(v);
                            assertThat(m.find()).as("an event id in %s", v).isTrue();
                            return m.group(1);
                        })
                .toList();
    }
}
