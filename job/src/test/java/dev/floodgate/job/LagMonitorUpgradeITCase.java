package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade that adds the broker lag monitor: a savepoint of the live job as it was (no monitor)
 * restores into the live job with it, without allow-non-restored-state (the monitor is stateless
 * under its own uid), and the job goes on exactly once from the savepoint's positions.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LagMonitorUpgradeITCase {
    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @TempDir Path savepoints;

    @Test
    void aSavepointFromBeforeTheMonitorRestoresIntoTheJobWithIt() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        Topics.create(bootstrap, 2, Duration.ofDays(1), "up.interactions");
        Topics.create(bootstrap, 2, Duration.ofDays(1), "up.processed", "up.shed", "up.dlq");
        String common =
                "--dry-run true --kafka-plaintext true --bootstrap-servers "
                        + bootstrap
                        + " --input-topic up.interactions --processed-topic"
                        + " up.processed --shed-topic up.shed --dlq-topic up.dlq"
                        + " --shedding false --checkpoint-interval 500ms"
                        + " --parallelism 2 --lag-poll-interval 1s";
        FloodgateOptions o = FloodgateOptions.fromArgs(common.split(" "), JobKind.LIVE);
        KafkaIO.produce(bootstrap, events(1, 20));

        // before: the live job without the monitor
        StreamExecutionEnvironment before = TestEnvironments.withBoundedRestarts(2, 500);
        FloodgateJob.configure(before, o);
        FloodgateJob.defineWorkflow(
                before, FloodgateJob.source(o), FloodgateJob.sinks(o), Pipeline.from(o));
        JobClient old = before.executeAsync("live without the monitor");
        KAFKA.awaitCommitted(20, Duration.ofMinutes(2), "up.processed");
        String savepoint =
                old.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);

        // after: the live job as shipped now, from that savepoint, every state claimed
        KafkaIO.produce(bootstrap, events(21, 30));
        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
        // another consumer group: without the savepoint's positions it would start at the earliest
        // offsets and process the first 20 events again
        FloodgateOptions after =
                FloodgateOptions.fromArgs(
                        (common + " --group-id up-after").split(" "), JobKind.LIVE);
        JobClient upgraded =
                FloodgateJob.submit(TestEnvironments.withBoundedRestarts(2, 500, restore), after);
        try {
            assertThat(KAFKA.awaitCommitted(30, Duration.ofMinutes(2), "up.processed"))
                    .as("the 10 new events, each once")
                    .isEqualTo(30);
            Thread.sleep(3_000); // six checkpoints: nothing else comes
            assertThat(KafkaIO.readCommitted(bootstrap, "up.processed")).hasSize(30);
            assertThat(upgraded.getJobStatus().get(30, TimeUnit.SECONDS))
                    .isEqualTo(JobStatus.RUNNING);
            assertThat(KafkaIO.readCommitted(bootstrap, "up.dlq")).isEmpty();
        } finally {
            upgraded.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    /** One event per seq of customer "c" (one partition, so in order), seqs from..to. */
    private static List<ProducerRecord<byte[], byte[]>> events(int from, int to) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int seq = from; seq <= to; seq++) {
            out.add(
                    InteractionRecords.record(
                            "up.interactions",
                            InteractionRecords.event(
                                    "c",
                                    seq,
                                    Channel.CHAT,
                                    Priority.NORMAL,
                                    System.currentTimeMillis())));
        }
        return out;
    }
}
