package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert rules evaluated by a real Prometheus: {@code promtool check rules} on
 * k8s/monitoring/rules.yaml and {@code promtool test rules} on k8s/monitoring/rules-test.yaml (a
 * unit test per alert: it fires on the series that should fire it, at its {@code for:} time, and
 * stays silent on healthy ones). promtool comes with Debian's {@code prometheus} package, which
 * scripts/install-test-tools installs; without it this test fails (it does not skip: a skipped
 * check looks like a passed one).
 */
class PrometheusRulesITCase {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusRulesITCase.class);

    /** The checkpoint alerts as shipped before issue 19: they fired on every job start. */
    private static final String OLD_CHECKPOINTS_FAILING =
            "sum by (namespace, job_name)"
                    + " (increase(flink_jobmanager_job_numberOfFailedCheckpoints[15m])) > 0";

    private static final String OLD_NO_CHECKPOINT =
            "time() - max by (namespace, job_name)"
                    + " (flink_jobmanager_job_lastCheckpointCompletedTimestamp) / 1000 > 600";

    record Result(int exitCode, String output) {}

    @Test
    void promtoolChecksTheRules() throws Exception {
        int rules = 0;
        for (JsonNode group :
                Manifests.document(MonitoringManifestsTest.rulesFile()).path("groups")) {
            rules += group.path("rules").size();
        }
        Result r = promtool(Manifests.k8s("monitoring"), "check", "rules", "rules.yaml");
        assertThat(r.exitCode()).as("promtool check rules:\n" + r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: " + rules + " rules found");
    }

    @Test
    void promtoolUnitTestsOfEveryAlertPass() throws Exception {
        Result r = promtool(Manifests.k8s("monitoring"), "test", "rules", "rules-test.yaml");
        assertThat(r.exitCode()).as("promtool test rules:\n" + r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    /**
     * The unit tests catch the defects they were written for: with the checkpoint alerts as they
     * were (increase over 15 minutes, no for:; a -1 timestamp read as a time), the job-start tests
     * fail.
     */
    @Test
    void theUnitTestsFailTheOldCheckpointAlerts(@TempDir Path dir) throws Exception {
        Path monitoring = Manifests.k8s("monitoring");
        String rules = Files.readString(monitoring.resolve("rules.yaml"));
        String checkpointsFailing =
                "sum by (namespace, job_name)"
                        + " (increase(flink_jobmanager_job_numberOfFailedCheckpoints[10m])) > 0\n";
        String noCheckpoint =
                "time() - max by (namespace, job_name)"
                        + " (flink_jobmanager_job_lastCheckpointCompletedTimestamp > 0) / 1000 > 600\n";
        assertThat(rules).contains(checkpointsFailing, noCheckpoint);
        // Each alert's expression back to the old one: FloodgateCheckpointsFailing had no for:,
        // FloodgateNoCheckpoint had the same for: 2m.
        String old =
                rules.replaceFirst(
                                "(?s)" + Pattern.quote(checkpointsFailing) + ".*?\\n\\s*for: 15m",
                                OLD_CHECKPOINTS_FAILING)
                        .replaceFirst(
                                "(?s)" + Pattern.quote(noCheckpoint) + ".*?(?=\\n\\s*for: 2m)",
                                OLD_NO_CHECKPOINT);
        assertThat(old).contains(OLD_CHECKPOINTS_FAILING, OLD_NO_CHECKPOINT);
        Files.writeString(dir.resolve("rules.yaml"), old);
        Files.copy(monitoring.resolve("rules-test.yaml"), dir.resolve("rules-test.yaml"));
        assertThat(promtool(dir, "check", "rules", "rules.yaml").exitCode()).isZero();

        Result r = promtool(dir, "test", "rules", "rules-test.yaml");
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output())
                .contains(
                        "name: a job start (first checkpoints declined while the tasks deploy,"
                                + " no completed checkpoint yet) is silent,\n"
                                + "    alertname: FloodgateCheckpointsFailing")
                .contains(
                        "name: a job start (first checkpoints declined while the tasks deploy,"
                                + " no completed checkpoint yet) is silent,\n"
                                + "    alertname: FloodgateNoCheckpoint");
    }

    /**
     * Every query of the Grafana dashboard is valid PromQL: written as recording rules (Grafana's
     * variables replaced as Prometheus receives them), promtool checks them.
     */
    @Test
    void promtoolParsesEveryDashboardQuery(@TempDir Path dir) throws Exception {
        List<String> queries = DashboardTest.queries();
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            rules.append("      - record: dashboard:query_")
                    .append(i)
                    .append("\n        expr: ")
                    .append(
                            Manifests.YAML
                                    .writeValueAsString(DashboardTest.asSent(queries.get(i)))
                                    .replaceFirst("^---\\s*", "")
                                    .trim())
                    .append("\n");
        }
        Files.writeString(dir.resolve("dashboard-rules.yaml"), rules.toString());
        Result r = promtool(dir, "check", "rules", "dashboard-rules.yaml");
        assertThat(r.exitCode()).as("promtool check rules:\n" + rules + "\n" + r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: " + queries.size() + " rules found");
    }

    /** Runs promtool in {@code dir}; its stdout and stderr together. */
    static Result promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(promtoolPath().toString());
        command.addAll(List.of(args));
        Process p =
                new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .start();
        p.getOutputStream().close();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 2 minutes");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        LOG.info("{} (in {}): exit {}\n{}", String.join(" ", command), dir, p.exitValue(), output);
        return new Result(p.exitValue(), output);
    }

    /** -Dfloodgate.promtool, else promtool on the PATH; fails with how to install it. */
    static Path promtoolPath() {
        String configured = System.getProperty("floodgate.promtool");
        if (configured != null && !configured.isBlank()) {
            Path p = Paths.get(configured);
            if (!Files.isExecutable(p)) {
                fail("-Dfloodgate.promtool=" + configured + " is not an executable file");
            }
            return p;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Paths.get(dir, "promtool"))) {
                return Paths.get(dir, "promtool");
            }
        }
        return fail(
                "promtool is not on the PATH: these tests evaluate the alert rules with a real"
                        + " Prometheus. Install it (Debian/Ubuntu: sudo apt-get install -y"
                        + " prometheus; scripts/install-test-tools does this), or pass"
                        + " -Dfloodgate.promtool=/path/to/promtool.");
    }
}
