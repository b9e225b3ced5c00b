package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Test;

/**
 * flink-conf/config.yaml: every key a Flink 2.2 key, every value parseable, the production choices
 * in place.
 */
class FlinkConfTest {
    private static final Path DIR = Manifests.root().resolve("flink-conf");

    static Configuration conf() {
        return GlobalConfiguration.loadConfiguration(DIR.toString());
    }

    @Test
    void optionClassesWereFound() {
        assertThat(FlinkOptionKeys.size())
                .as("ConfigOptions found on the class path")
                .isGreaterThan(500);
    }

    @Test
    void everyKeyIsACurrentFlinkKey() {
        Configuration conf = conf();
        assertThat(conf.keySet()).hasSizeGreaterThan(30);
        assertThat(FlinkOptionKeys.problems(conf.keySet())).isEmpty();
    }

    @Test
    void everyValueParses() {
        Configuration conf = conf();
        List<String> errors = new ArrayList<>();
        for (String key : conf.keySet()) {
            ConfigOption<?> option = FlinkOptionKeys.option(key);
            if (option != null) {
                try {
                    conf.get(option);
                } catch (RuntimeException e) {
                    errors.add(key + ": " + e.getMessage());
                }
            }
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void productionChoices() {
        Configuration conf = conf();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
                .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isNotNull();
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
        assertThat(conf.get(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT)).isPositive();
        assertThat(conf.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS)).isPositive();
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isNotBlank();
        assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).isNotBlank();
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY))
                .isEqualTo("exponential-delay");
        assertThat(conf.get(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED)).isTrue();
        assertThat(conf.toMap())
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(conf.toMap()).containsKey("metrics.reporter.prom.port");
        // no anonymous jar upload (scripts/cluster.sh submits with the CLI)
        assertThat(conf.get(org.apache.flink.configuration.WebOptions.SUBMIT_ENABLE)).isFalse();
        // no on-demand flame graphs through the unauthenticated REST API
        assertThat(conf.get(org.apache.flink.configuration.RestOptions.ENABLE_FLAMEGRAPH))
                .isFalse();
    }

    /**
     * A standalone restart waits for a replacement TaskManager, within what the JobManager's
     * scheduler accepts: Pekko refuses a delay beyond 2^31 - 1 ticks of 10 ms (about 248 days), and
     * a JobManager with 36500d here did not start.
     */
    @Test
    void standaloneSlotWaitIsSchedulable() {
        java.time.Duration startUp =
                conf().get(
                                org.apache.flink.configuration.ResourceManagerOptions
                                        .STANDALONE_CLUSTER_STARTUP_PERIOD_TIME);
        assertThat(startUp)
                .isGreaterThan(java.time.Duration.ofDays(30))
                .isLessThan(java.time.Duration.ofSeconds(21_474_835));
    }

    /**
     * A Kafka transaction must outlive the checkpoint that commits it (FACTS trap 1 is the other
     * bound).
     */
    @Test
    void checkpointTimeoutIsBelowTheSinksTransactionTimeout() {
        Duration transactionTimeout =
                FloodgateOptions.fromArgs(
                                new String[] {"--bootstrap-servers", "k:9092"}, JobKind.LIVE)
                        .get(FloodgateOptions.TRANSACTION_TIMEOUT);
        assertThat(conf().get(CheckpointingOptions.CHECKPOINTING_TIMEOUT))
                .isLessThan(transactionTimeout);
        // the job's own start check passes with the shipped configuration and default options
        dev.floodgate.job.TransactionBudget.check(
                conf(), Duration.ofSeconds(10), transactionTimeout);
    }

    @Test
    void logConfigurationsExist() {
        assertThat(DIR.resolve("log4j.properties")).exists().content().contains("${sys:log.file}");
        assertThat(DIR.resolve("log4j-console.properties"))
                .exists()
                .content()
                .contains("appender.console.type");
        assertThat(DIR.resolve("README.md")).exists();
    }
}
