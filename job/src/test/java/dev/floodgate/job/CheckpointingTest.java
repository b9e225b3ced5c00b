package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Issue 33, item 4: the interval comes from the cluster's configuration unless {@code
 * --checkpoint-interval} overrides it, and the settings the jobs need to stay live are in their
 * effective configuration on a stock cluster, without overriding what a cluster chose.
 */
class CheckpointingTest {

    /** Submitted to a cluster with {@code cluster} as its configuration, with {@code args}. */
    private static CheckpointConfig live(Configuration cluster, String... args) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        FloodgateJob.configure(env, FloodgateOptions.fromArgs(withServers(args), JobKind.LIVE));
        return env.getCheckpointConfig();
    }

    private static String[] withServers(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", "k:9092"));
        all.addAll(List.of(args));
        return all.toArray(new String[0]);
    }

    private static Configuration stock() {
        return new Configuration();
    }

    private static Configuration clusterWith(Map<String, String> settings) {
        return Configuration.fromMap(settings);
    }

    @Test
    void withoutTheOptionTheClustersIntervalIsUsed() {
        CheckpointConfig c = live(clusterWith(Map.of("execution.checkpointing.interval", "30s")));
        assertThat(c.getCheckpointInterval()).isEqualTo(30_000);
        assertThat(c.getCheckpointingConsistencyMode()).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
    }

    @Test
    void theOptionOverridesTheClustersInterval() {
        CheckpointConfig c =
                live(
                        clusterWith(Map.of("execution.checkpointing.interval", "30s")),
                        "--checkpoint-interval",
                        "2s");
        assertThat(c.getCheckpointInterval()).isEqualTo(2_000);
    }

    @Test
    void neitherSetTheJobsDocumentedDefault() {
        // 1 s: a read_committed reader sees a result within about a second of its processing
        assertThat(live(stock()).getCheckpointInterval()).isEqualTo(1_000);
    }

    @Test
    void theModeIsExactlyOnceWhateverTheClusterSays() {
        CheckpointConfig c =
                live(clusterWith(Map.of("execution.checkpointing.mode", "AT_LEAST_ONCE")));
        assertThat(c.getCheckpointingConsistencyMode()).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
    }

    /** A stock session cluster: Flink's defaults are 0 tolerated failures and aligned barriers. */
    @Test
    void onAStockClusterTheLivenessSettingsAreTheJobs() {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(stock());
        FloodgateJob.configure(env, FloodgateOptions.fromArgs(withServers(), JobKind.LIVE));
        // in the job's effective configuration, which the job graph is built from
        assertThat(env.getConfiguration().get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER))
                .isEqualTo(3);
        assertThat(env.getConfiguration().get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
        assertThat(env.getConfiguration().get(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(env.getConfiguration().get(CheckpointingOptions.CHECKPOINTING_TIMEOUT))
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void theClustersExplicitValuesAreRespected() {
        CheckpointConfig c =
                live(
                        clusterWith(
                                Map.of(
                                        "execution.checkpointing.tolerable-failed-checkpoints",
                                        "1",
                                        "execution.checkpointing.unaligned.enabled",
                                        "false",
                                        "execution.checkpointing.aligned-checkpoint-timeout",
                                        "5s",
                                        "execution.checkpointing.timeout",
                                        "90s")));
        assertThat(c.getTolerableCheckpointFailureNumber()).isEqualTo(1);
        assertThat(c.isUnalignedCheckpointsEnabled()).isFalse();
        assertThat(c.getAlignedCheckpointTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.getCheckpointTimeout()).isEqualTo(90_000);
    }

    @Test
    void anExplicitZeroToleranceIsTheClustersChoice() {
        CheckpointConfig c =
                live(
                        clusterWith(
                                Map.of(
                                        "execution.checkpointing.tolerable-failed-checkpoints",
                                        "0")));
        assertThat(c.getTolerableCheckpointFailureNumber()).isZero();
    }

    @Test
    void onAStockClusterBuffersWaitTenMillisecondsNotAHundred() {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(stock());
        FloodgateJob.configure(env, FloodgateOptions.fromArgs(withServers(), JobKind.LIVE));
        assertThat(env.getBufferTimeout()).isEqualTo(10);
    }

    @Test
    void theClustersBufferTimeoutIsRespected() {
        Map<Map<String, String>, Long> expected =
                Map.of(
                        Map.of("execution.buffer-timeout.interval", "50ms"), 50L,
                        // disabled: flushed only when full (Flink's -1)
                        Map.of("execution.buffer-timeout.enabled", "false"), -1L);
        expected.forEach(
                (cluster, timeout) -> {
                    StreamExecutionEnvironment env =
                            StreamExecutionEnvironment.getExecutionEnvironment(
                                    clusterWith(cluster));
                    FloodgateJob.configure(
                            env, FloodgateOptions.fromArgs(withServers(), JobKind.LIVE));
                    assertThat(env.getBufferTimeout()).as("%s", cluster).isEqualTo(timeout);
                });
    }

    /** The drain tolerates failures like the live job, but its checkpoints stay aligned. */
    @Test
    void theDrainToleratesFailuresWithAlignedCheckpointsEvenWhereTheClusterSaysUnaligned() {
        for (Configuration cluster :
                List.of(
                        stock(),
                        clusterWith(Map.of("execution.checkpointing.unaligned.enabled", "true")))) {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(cluster);
            BackfillJob.buildDrain(
                    env,
                    FloodgateOptions.fromArgs(
                            withServers("--mode", "drain", "--dry-run", "true"), JobKind.BACKFILL),
                    Map.of());
            assertThat(env.getCheckpointConfig().isUnalignedCheckpointsEnabled()).isFalse();
            assertThat(env.getCheckpointConfig().getTolerableCheckpointFailureNumber())
                    .isEqualTo(3);
        }
    }
}
