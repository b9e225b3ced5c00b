package dev.floodgate.job.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.model.Lane;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Argument handling of the tools: what is accepted, and that every rejection names the option (exit
 * 2).
 */
class ToolsTest {

    @Test
    void inspectTakesAPathAndTheLiveJobsStateTtl() {
        SavepointInspectCommand.Request r =
                SavepointInspectCommand.parse(
                        List.of(
                                "file:///sp/savepoint-1",
                                "--json",
                                "--ordering-state-ttl=2d",
                                "--waiting",
                                "3"));
        assertThat(r.path()).isEqualTo("file:///sp/savepoint-1");
        assertThat(r.json()).isTrue();
        assertThat(r.stateTtl()).isEqualTo(Duration.ofDays(2));
        assertThat(r.listWaiting()).isEqualTo(3);
        SavepointInspectCommand.Request defaults = SavepointInspectCommand.parse(List.of("/sp"));
        assertThat(defaults.json()).isFalse();
        assertThat(defaults.stateTtl()).as("the job's default").isEqualTo(Duration.ofDays(7));
    }

    @Test
    void inspectRejectsBadArgumentsNamingThem() {
        assertThatThrownBy(() -> SavepointInspectCommand.parse(List.of()))
                .isInstanceOf(ToolArgs.BadArguments.class)
                .hasMessageContaining("needs the savepoint path");
        assertThatThrownBy(() -> SavepointInspectCommand.parse(List.of("/a", "/b")))
                .hasMessageContaining("one savepoint path");
        assertThatThrownBy(
                        () ->
                                SavepointInspectCommand.parse(
                                        List.of("/sp", "--ordering-state-ttl", "forever")))
                .isInstanceOf(ToolArgs.BadArguments.class)
                .hasMessageContaining(
                        "option --ordering-state-ttl has a bad value 'forever': expected a duration");
        assertThatThrownBy(() -> SavepointInspectCommand.parse(List.of("/sp", "--waiting", "-1")))
                .hasMessageContaining("option --waiting has a bad value '-1'");
        assertThatThrownBy(
                        () -> SavepointInspectCommand.parse(List.of("/sp", "--jsn", "--json=yes")))
                .hasMessageContaining("unknown option --jsn")
                .hasMessageContaining("option --json takes no value");
        assertThatThrownBy(() -> SavepointInspectCommand.parse(List.of("/sp", "--waiting")))
                .hasMessageContaining("option --waiting needs a value");
    }

    @Test
    void reconcileTakesTheJobsTopicOptionsAndLanes() {
        ReconcileCommand.Request r =
                ReconcileCommand.parse(
                        List.of(
                                "--bootstrap-servers",
                                "k:9092",
                                "--processed-topic",
                                "p",
                                "--lanes",
                                "live,replay",
                                "--json"));
        assertThat(r.options().get(FloodgateOptions.BOOTSTRAP_SERVERS)).isEqualTo("k:9092");
        assertThat(r.options().get(FloodgateOptions.PROCESSED_TOPIC)).isEqualTo("p");
        assertThat(r.options().get(FloodgateOptions.INPUT_TOPIC)).isEqualTo("interactions");
        assertThat(r.lanes()).containsExactlyInAnyOrder(Lane.LIVE, Lane.REPLAY);
        assertThat(r.json()).isTrue();
        assertThat(ReconcileCommand.parse(List.of("--bootstrap-servers=k:1")).lanes())
                .containsExactlyInAnyOrder(Lane.LIVE, Lane.BACKFILL);
        assertThat(ReconcileCommand.parse(List.of("--bootstrap-servers=k:1")).idleTimeout())
                .isEqualTo(Duration.ofSeconds(60));
        assertThat(
                        ReconcileCommand.parse(
                                        List.of("--bootstrap-servers=k:1", "--idle-timeout=5min"))
                                .idleTimeout())
                .isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void reconcileRejectsBadArgumentsNamingThem() {
        assertThatThrownBy(() -> ReconcileCommand.parse(List.of()))
                .isInstanceOf(ToolArgs.BadArguments.class)
                .hasMessageContaining("option --bootstrap-servers is required");
        assertThatThrownBy(
                        () ->
                                ReconcileCommand.parse(
                                        List.of(
                                                "--bootstrap-servers",
                                                "k:1",
                                                "--lanes",
                                                "live,later")))
                .hasMessageContaining("option --lanes has a bad value 'live,later'");
        assertThatThrownBy(
                        () ->
                                ReconcileCommand.parse(
                                        List.of(
                                                "--bootstrap-servers",
                                                "k:1",
                                                "--max-record-bytes",
                                                "0")))
                .hasMessageContaining("option --max-record-bytes has a bad value '0'");
        assertThatThrownBy(
                        () ->
                                ReconcileCommand.parse(
                                        List.of(
                                                "--bootstrap-servers",
                                                "k:1",
                                                "--shedding",
                                                "false")))
                .as("a job option reconcile does not read")
                .hasMessageContaining("unknown option --shedding");
        assertThatThrownBy(
                        () ->
                                ReconcileCommand.parse(
                                        List.of("--bootstrap-servers", "k:1", "extra")))
                .hasMessageContaining("unexpected argument 'extra'");
        for (String bad : List.of("soon", "100ms", "0s")) {
            assertThatThrownBy(
                            () ->
                                    ReconcileCommand.parse(
                                            List.of(
                                                    "--bootstrap-servers",
                                                    "k:1",
                                                    "--idle-timeout",
                                                    bad)))
                    .isInstanceOf(ToolArgs.BadArguments.class)
                    .hasMessageContaining("option --idle-timeout has a bad value '" + bad + "'");
        }
    }

    @Test
    void exitStatusAndUsage() {
        ToolRun help = ToolRun.of("--help");
        assertThat(help.status()).isEqualTo(Tools.OK);
        assertThat(help.out())
                .contains(
                        "savepoint inspect",
                        "reconcile",
                        "Exit status",
                        "4 reconcile found",
                        "--idle-timeout");
        assertThat(ToolRun.of().status()).isEqualTo(Tools.BAD_ARGUMENTS);
        ToolRun unknown = ToolRun.of("savepoint", "dump", "/sp");
        assertThat(unknown.status()).isEqualTo(Tools.BAD_ARGUMENTS);
        assertThat(unknown.err()).contains("unknown command 'savepoint dump'");
        ToolRun badOption = ToolRun.of("reconcile", "--bootstrap-servers", "k:1", "--lanes", "all");
        assertThat(badOption.status()).isEqualTo(Tools.BAD_ARGUMENTS);
        assertThat(badOption.err()).contains("option --lanes has a bad value 'all'");
        assertThat(badOption.out()).isEmpty();
        assertThat(ToolRun.of("savepoint", "inspect", "/sp", "--help").status())
                .isEqualTo(Tools.OK);
    }
}
