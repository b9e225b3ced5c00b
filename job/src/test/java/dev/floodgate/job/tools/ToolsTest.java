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
        assertThat(defaults.logCustomerIds()).as("off unless asked for").isFalse();
        assertThat(
                        SavepointInspectCommand.parse(List.of("/sp", "--log-customer-ids"))
                                .logCustomerIds())
                .isTrue();
    }

    /** A savepoint's report in which customer {@code cust-PLAIN-88213} waits on a gap. */
    private static SavepointInspection inspectionWithAWaitingCustomer() {
        dev.floodgate.model.Interaction held = new dev.floodgate.model.Interaction();
        held.eventId = "ev-3";
        held.customerId = "cust-PLAIN-88213";
        held.seq = 3;
        held.logTimestamp = 1_000L;
        held.sourceTopic = "interactions";
        OrderingStateReader.CustomerOrdering waiting = new OrderingStateReader.CustomerOrdering();
        waiting.customerId = "cust-PLAIN-88213";
        waiting.nextSeq = 2L;
        waiting.buffered = 2;
        waiting.waitingSinceMillis = 1_000L;
        return new SavepointInspection(
                "file:///sp/savepoint-1", java.util.Map.of(), 1, 2, 1, held, List.of(waiting));
    }

    @Test
    void inspectNamesCustomersByPseudonymsUnlessTheFlagIsGiven() {
        SavepointInspection inspection = inspectionWithAWaitingCustomer();
        java.time.Instant now = java.time.Instant.ofEpochMilli(5_000L);
        dev.floodgate.model.CustomerNames names = dev.floodgate.model.CustomerNames.pseudonymous();
        String pseudonym = names.name("cust-PLAIN-88213");
        for (String out :
                List.of(
                        inspection.render(now),
                        inspection.toJson(now),
                        inspection.render(now, names),
                        inspection.toJson(now, names))) {
            assertThat(out).doesNotContain("cust-PLAIN-88213").doesNotContain("88213");
        }
        assertThat(inspection.render(now, names)).contains("customer " + pseudonym + " seq 3");
        assertThat(inspection.toJson(now, names))
                .contains("\"customer_pseudonym\":\"" + pseudonym + "\"")
                .doesNotContain("customer_id");

        dev.floodgate.model.CustomerNames plain = dev.floodgate.model.CustomerNames.plainIds();
        assertThat(inspection.render(now, plain)).contains("customer cust-PLAIN-88213 seq 3");
        assertThat(inspection.toJson(now, plain)).contains("\"customer_id\":\"cust-PLAIN-88213\"");
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
