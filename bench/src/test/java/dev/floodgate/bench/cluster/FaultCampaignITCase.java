package dev.floodgate.bench.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.bench.campaign.Campaign;
import dev.floodgate.bench.campaign.CampaignReport;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The shortened fault campaign on the production shape (scripts/cluster.sh: a broker process, a
 * standalone JobManager and two TaskManager processes): about two minutes of traffic with a flood,
 * a TaskManager kill right after a checkpoint, a task exception from the processing operator's test
 * hook, a broker kill mid-transaction, 2 -> 4 -> 2 through savepoints and an upgrade to processor
 * version v2 from a savepoint under traffic; then the drain and reconcile. Nothing lost, nothing
 * duplicated, the live lane in per-customer order, every fault recovered, the live results of v1
 * all processed before the first of v2. Runs in the {@code cluster} profile: {@code mvn -B verify
 * -Pcluster -pl bench -am -Dit.test=FaultCampaignITCase -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
@Execution(ExecutionMode.CONCURRENT) // beside the other test classes: it mostly waits on its phases
class FaultCampaignITCase {

    @Test
    void exactlyOnceAndInOrderThroughTheFaults() throws Exception {
        Map<String, String> options =
                Campaign.options(
                        new String[] {
                            "--events", "16000",
                            "--rate", "100",
                            "--customers", "500",
                            "--faults",
                                    "tm_kill_after_checkpoint,task_exception,broker_kill_mid_transaction,rescale_up,rescale_down,upgrade",
                            "--checkpoint-interval", "5s",
                            "--root", System.getProperty("floodgate.root", ".."),
                            "--dir", "bench/target/campaign-it",
                            "--job-jar",
                                    System.getProperty(
                                            "floodgate.job.jar",
                                            "job/target/floodgate-job-0.1.0-SNAPSHOT-job.jar")
                        });
        CampaignReport report = Campaign.run(options);

        assertThat(report.reconcileExit()).as("reconcile's exit status").isZero();
        assertThat(report.lost()).as("lost").isZero();
        assertThat(report.duplicated()).as("duplicated").isZero();
        assertThat(report.orderViolations()).as("live lane order violations").isZero();
        assertThat(report.taskFaultsFired()).as("task faults fired by the hook").isEqualTo(1);
        assertThat(report.upgradesClean())
                .as("v1 then v2, cut cleanly:\n%s", report.render())
                .isTrue();
        assertThat(report.allRecovered())
                .as("every fault recovered:\n%s", report.render())
                .isTrue();
        assertThat(report.restarts())
                .as("restarts: the kill and the task fault at least")
                .isGreaterThanOrEqualTo(2);
    }
}
