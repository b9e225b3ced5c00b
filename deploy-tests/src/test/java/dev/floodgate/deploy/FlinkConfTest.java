package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.Checkpointing;
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
import org.apache.flink.configuration.SecurityOptions;
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
        // issue 30: results visible to read_committed readers within about a second of processing
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Checkpointing.DEFAULT_INTERVAL)
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(conf.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS))
                .isLessThanOrEqualTo(Duration.ofMillis(500));
        assertThat(conf.get(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT))
                .isEqualTo(Checkpointing.ALIGNED_CHECKPOINT_TIMEOUT);
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
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
     * Issue 31, items 1 and 5: TLS on internal traffic (RPC, blob server, data exchange: event
     * bodies) and mutual TLS on the REST API, from PKCS12 stores; no password in the file (the
     * deployment adds them: scripts/cluster.sh its random one, Kubernetes from a Secret).
     */
    @Test
    void tlsOnRestAndInternalTrafficWithoutPasswordsInTheFile() throws Exception {
        Configuration conf = conf();
        assertThat(SecurityOptions.isInternalSSLEnabled(conf)).isTrue();
        assertThat(SecurityOptions.isRestSSLEnabled(conf)).isTrue();
        assertThat(SecurityOptions.isRestSSLAuthenticationEnabled(conf)).isTrue();
        for (ConfigOption<String> store :
                List.of(
                        SecurityOptions.SSL_INTERNAL_KEYSTORE,
                        SecurityOptions.SSL_INTERNAL_TRUSTSTORE,
                        SecurityOptions.SSL_REST_KEYSTORE,
                        SecurityOptions.SSL_REST_TRUSTSTORE)) {
            assertThat(conf.get(store)).as(store.key()).endsWith(".p12");
        }
        for (ConfigOption<String> type :
                List.of(
                        SecurityOptions.SSL_INTERNAL_KEYSTORE_TYPE,
                        SecurityOptions.SSL_INTERNAL_TRUSTSTORE_TYPE,
                        SecurityOptions.SSL_REST_KEYSTORE_TYPE,
                        SecurityOptions.SSL_REST_TRUSTSTORE_TYPE)) {
            assertThat(conf.get(type)).as(type.key()).isEqualTo("PKCS12");
        }
        assertThat(conf.keySet()).noneMatch(k -> k.contains("password"));
        // nor a password under a key Flink does not know (a typo would be a literal secret)
        assertThat(java.nio.file.Files.readString(DIR.resolve("config.yaml")))
                .doesNotContainPattern("(?m)^[^#]*password[^:]*:");
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
