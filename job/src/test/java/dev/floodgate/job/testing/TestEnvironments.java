package dev.floodgate.job.testing;

import dev.floodgate.job.FloodgateJob;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** Job environments for the ITCases. */
public final class TestEnvironments {
    private TestEnvironments() {}

    /**
     * The ITCases' Flink cluster: one TaskManager with two slots (the jobs run at parallelism 2).
     */
    public static MiniClusterExtension miniCluster() {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(2)
                        .build());
    }

    /**
     * Object reuse (as in production), exactly-once checkpoints and a bounded restart strategy (two
     * restarts): an injected failure recovers, a real bug fails the test instead of restarting
     * forever.
     */
    public static StreamExecutionEnvironment withBoundedRestarts(
            int parallelism, long checkpointMillis) {
        return withBoundedRestarts(parallelism, checkpointMillis, new Configuration());
    }

    /** The same, with more settings, e.g. the savepoint to start from. */
    public static StreamExecutionEnvironment withBoundedRestarts(
            int parallelism, long checkpointMillis, Configuration settings) {
        Configuration conf = new Configuration(settings);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        // the jobs refuse a transaction timeout a transaction could outlive (TransactionBudget)
        if (!conf.contains(
                org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_TIMEOUT)) {
            conf.set(
                    org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_TIMEOUT,
                    Duration.ofMinutes(1));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        FloodgateJob.enableObjectReuse(env); // as the jobs run in production
        env.setParallelism(parallelism);
        env.enableCheckpointing(checkpointMillis, CheckpointingMode.EXACTLY_ONCE);
        return env;
    }
}
