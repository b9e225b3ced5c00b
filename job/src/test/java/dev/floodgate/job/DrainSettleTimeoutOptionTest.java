package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.operators.process.LanesConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * {@code --drain-settle-timeout} (issue 32): typed, 15 s by default, and checked at start: a value
 * that is no duration above zero, one not below the checkpoint timeout the drain runs with (a
 * barrier allowed to wait that long expires first), or, yielding, one not above {@code
 * --yield-max-pause}, stops the drain naming the option.
 */
class DrainSettleTimeoutOptionTest {

    private static FloodgateOptions drain(String... args) {
        List<String> all =
                new ArrayList<>(
                        List.of(
                                "--bootstrap-servers",
                                "k:1",
                                "--mode",
                                "drain",
                                "--dry-run",
                                "true"));
        all.addAll(List.of(args));
        return FloodgateOptions.fromArgs(all.toArray(new String[0]), JobKind.BACKFILL);
    }

    private static StreamExecutionEnvironment env(Configuration cluster, FloodgateOptions o) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        FloodgateJob.configure(env, o, false);
        return env;
    }

    @Test
    void theDefaultIsTheLanesDefault() {
        FloodgateOptions o = drain();
        assertThat(o.get(FloodgateOptions.DRAIN_SETTLE_TIMEOUT))
                .isEqualTo(Duration.ofSeconds(15))
                .isEqualTo(LanesConfig.DEFAULT_SETTLE_TIMEOUT);
        assertThat(BackfillJob.settleTimeout(env(new Configuration(), o), o))
                .isEqualTo(Duration.ofSeconds(15));
        FloodgateOptions given = drain("--drain-settle-timeout", "30s");
        assertThat(BackfillJob.settleTimeout(env(new Configuration(), given), given))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aValueThatIsNoPositiveDurationStopsTheDrainNamingTheOption() {
        for (String bad : List.of("0s", "-5s", "soon")) {
            assertThatThrownBy(() -> drain("--drain-settle-timeout", bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--drain-settle-timeout has a bad value '" + bad + "'");
        }
    }

    @Test
    void aYieldingDrainsTimeoutMustExceedItsLongestPause() {
        FloodgateOptions o = drain("--drain-settle-timeout", "10s"); // the pause's default, 10 s
        assertThatThrownBy(() -> BackfillJob.settleTimeout(env(new Configuration(), o), o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("option --drain-settle-timeout (PT10S) must exceed")
                .hasMessageContaining("--yield-max-pause (PT10S) with --yield-to-live true");
        FloodgateOptions shorterPause =
                drain("--drain-settle-timeout", "10s", "--yield-max-pause", "5s");
        assertThat(BackfillJob.settleTimeout(env(new Configuration(), shorterPause), shorterPause))
                .isEqualTo(Duration.ofSeconds(10));
        FloodgateOptions fixed = drain("--drain-settle-timeout", "5s", "--yield-to-live", "false");
        assertThat(BackfillJob.settleTimeout(env(new Configuration(), fixed), fixed))
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aTimeoutNotBelowTheCheckpointTimeoutStopsTheDrainNamingBoth() {
        FloodgateOptions o = drain("--drain-settle-timeout", "2min");
        // the job's checkpoint timeout on a stock cluster: 2 min
        assertThatThrownBy(() -> BackfillJob.settleTimeout(env(new Configuration(), o), o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid options")
                .hasMessageContaining("option --drain-settle-timeout (PT2M) must be below")
                .hasMessageContaining(
                        "the checkpoint timeout (PT2M, execution.checkpointing.timeout");
        assertThatThrownBy(() -> BackfillJob.buildDrain(env(new Configuration(), o), o, Map.of()))
                .hasMessageContaining("--drain-settle-timeout");
        // a cluster whose checkpoints may take longer accepts it (with transactions that outlive
        // such checkpoints: TransactionBudget)
        FloodgateOptions longer =
                drain("--drain-settle-timeout", "2min", "--transaction-timeout", "15min");
        Configuration patient =
                Configuration.fromMap(Map.of("execution.checkpointing.timeout", "3min"));
        assertThat(BackfillJob.settleTimeout(env(patient, longer), longer))
                .isEqualTo(Duration.ofMinutes(2));
    }
}
