package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;

class TransactionBudgetTest {

    private static Configuration conf(Duration timeout, int tolerable, Duration maxBackoff) {
        Configuration c = new Configuration();
        c.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, timeout);
        c.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, tolerable);
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, maxBackoff);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        return c;
    }

    @Test
    void theBoundIsIntervalPlusEveryToleratedCheckpointPlusTheRestartDelay() {
        assertThat(
                        TransactionBudget.longestUncommitted(
                                conf(Duration.ofMinutes(2), 3, Duration.ofMinutes(1)),
                                Duration.ofSeconds(10)))
                .isEqualTo(Duration.ofSeconds(10 + 4 * 120 + 66));
    }

    @Test
    void theConfigurationShippedBeforeIssue16IsRefusedNamingTheOptions() {
        // 5 min checkpoints, 3 tolerated, 2 min backoff: 22.4 min against a 10 min transaction
        assertThatThrownBy(
                        () ->
                                TransactionBudget.check(
                                        conf(Duration.ofMinutes(5), 3, Duration.ofMinutes(2)),
                                        Duration.ofSeconds(10),
                                        Duration.ofMinutes(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--transaction-timeout")
                .hasMessageContaining("execution.checkpointing.timeout")
                .hasMessageContaining("execution.checkpointing.tolerable-failed-checkpoints")
                .hasMessageContaining("restart-strategy");
    }

    @Test
    void theShippedConfigurationPasses() {
        TransactionBudget.check(
                conf(Duration.ofMinutes(2), 3, Duration.ofMinutes(1)),
                Duration.ofSeconds(10),
                Duration.ofMinutes(10));
    }

    @Test
    void noRestartsNoAllowance() {
        Configuration c = conf(Duration.ofMinutes(1), 0, Duration.ofMinutes(1));
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        assertThat(TransactionBudget.longestUncommitted(c, Duration.ofSeconds(2)))
                .isEqualTo(Duration.ofSeconds(62));
    }

    @Test
    void flinksDefaultsWithTheJobsDefaultsStart() {
        // a cluster that sets nothing: the job brings its own checkpoint timeout
        org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env =
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                        .getExecutionEnvironment(new Configuration());
        FloodgateJob.configure(
                env,
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers", "k:9092"}, JobKind.LIVE));
        assertThat(env.getCheckpointConfig().getCheckpointTimeout())
                .isEqualTo(FloodgateJob.CHECKPOINT_TIMEOUT.toMillis());
    }

    @Test
    void anUnsafeClusterSettingIsRefusedAtStart() {
        Configuration cluster = conf(Duration.ofMinutes(5), 3, Duration.ofMinutes(2));
        var env =
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                        .getExecutionEnvironment(cluster);
        assertThatThrownBy(
                        () ->
                                FloodgateJob.configure(
                                        env,
                                        FloodgateOptions.fromArgs(
                                                new String[] {"--bootstrap-servers", "k:9092"},
                                                JobKind.LIVE)))
                .hasMessageContaining("--transaction-timeout");
    }
}
