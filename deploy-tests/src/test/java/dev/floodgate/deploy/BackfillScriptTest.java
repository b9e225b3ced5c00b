package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * k8s/backfill.sh with a fake {@code kubectl} on the PATH that answers the FlinkStateSnapshot
 * listing with canned JSON and records what is applied: the newest completed savepoint of the live
 * job is taken, and without one the script fails loudly and applies nothing.
 */
class BackfillScriptTest {
    static final String LIVE = "floodgate-live";

    @TempDir Path dir;

    /** Fails, not skips, without them: a skipped check looks like a passed one. */
    @BeforeAll
    static void needsBashAndJq() {
        org.assertj.core.api.Assertions.assertThat(onPath("bash")).as("bash on the PATH").isTrue();
        org.assertj.core.api.Assertions.assertThat(onPath("jq"))
                .as(
                        "jq on the PATH (k8s/backfill.sh needs it; scripts/install-test-tools installs it)")
                .isTrue();
    }

    @BeforeEach
    void fakeKubectl() throws IOException {
        Path kubectl = dir.resolve("bin/kubectl");
        Files.createDirectories(kubectl.getParent());
        Files.writeString(
                kubectl,
                String.join(
                        "\n",
                        "#!/bin/sh",
                        "echo \"$*\" >> \"$FAKE_DIR/calls\"",
                        "if [ \"$1\" = apply ]; then cat > \"$FAKE_DIR/applied\"; exit 0; fi",
                        "if [ -f \"$FAKE_DIR/fail\" ]; then echo 'error: the server could not find"
                                + " the requested resource' >&2; exit 1; fi",
                        "cat \"$FAKE_DIR/snapshots.json\"",
                        ""));
        Files.setPosixFilePermissions(kubectl, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void takesTheNewestCompletedSavepointOfTheLiveJob() throws Exception {
        snapshots(
                snapshot("old", LIVE, true, "COMPLETED", "s3://st/live/savepoints/sp-1", "T01"),
                snapshot("newest", LIVE, true, "COMPLETED", "s3://st/live/savepoints/sp-2", "T03"),
                // newer, but not usable: failed, in progress, a checkpoint, another deployment's
                snapshot("failed", LIVE, true, "FAILED", null, "T04"),
                snapshot("running", LIVE, true, "IN_PROGRESS", null, null),
                snapshot("ckpt", LIVE, false, "COMPLETED", "s3://st/live/checkpoints/chk-9", "T05"),
                snapshot(
                        "other", "floodgate-backfill", true, "COMPLETED", "s3://st/bf/sp-3", "T06"),
                snapshot("nopath", LIVE, true, "COMPLETED", "", "T07"));
        Result r = run("savepoint");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out.trim()).isEqualTo("s3://st/live/savepoints/sp-2");
        assertThat(calls()).anyMatch(c -> c.contains("-n floodgate get flinkstatesnapshots"));
    }

    @Test
    void appliesTheBackfillWithThatPathAndNothingElseChanged() throws Exception {
        snapshots(snapshot("sp", LIVE, true, "COMPLETED", "s3://st/live/savepoints/sp-7", "T01"));
        Result r = run("apply");
        assertThat(r.exit).as(r.err).isZero();
        Path applied = dir.resolve("applied");
        assertThat(applied).exists();
        JsonNode m = Manifests.document(applied);
        assertThat(m.path("spec").path("job").path("initialSavepointPath").asText())
                .isEqualTo("s3://st/live/savepoints/sp-7");
        JsonNode original = Manifests.document(Manifests.k8s("backfill-job.yaml"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) original.path("spec").path("job"))
                .put("initialSavepointPath", "s3://st/live/savepoints/sp-7");
        // the stores' password, put in on the way to kubectl only
        var conf =
                (com.fasterxml.jackson.databind.node.ObjectNode)
                        original.path("spec").path("flinkConfiguration");
        List<String> passwordKeys = new ArrayList<>();
        conf.fieldNames()
                .forEachRemaining(
                        k -> {
                            if (conf.path(k).asText().equals(TLS_PLACEHOLDER)) {
                                passwordKeys.add(k);
                            }
                        });
        assertThat(passwordKeys).hasSize(6);
        passwordKeys.forEach(k -> conf.put(k, TLS_PASSWORD));
        assertThat(m).isEqualTo(original);
        assertThat(r.out + r.err).doesNotContain(TLS_PASSWORD);
    }

    @Test
    void renderPrintsThePlaceholderNeverThePassword() throws Exception {
        Result r = run("render", "s3://st/live/savepoints/sp-given");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains(TLS_PLACEHOLDER).doesNotContain(TLS_PASSWORD);
    }

    @Test
    void withoutThePasswordNothingIsApplied() throws Exception {
        Result r =
                run(
                        Map.of("FLOODGATE_FLINK_TLS_PASSWORD", ""),
                        "apply",
                        "s3://st/live/savepoints/sp-given");
        assertThat(r.exit).isNotZero();
        assertThat(r.err).contains("floodgate-flink-tls-password");
        assertThat(dir.resolve("applied")).doesNotExist();
    }

    @Test
    void noCompletedSavepointFailsLoudlyAndAppliesNothing() throws Exception {
        snapshots(
                snapshot("failed", LIVE, true, "FAILED", null, "T04"),
                snapshot("empty", LIVE, true, "COMPLETED", "", "T05"));
        for (String cmd : List.of("savepoint", "render", "apply")) {
            Result r = run(cmd);
            assertThat(r.exit).as(cmd).isNotZero();
            assertThat(r.err).as(cmd).contains("no COMPLETED savepoint of FlinkDeployment " + LIVE);
            assertThat(r.out).as(cmd).doesNotContain("initialSavepointPath");
        }
        assertThat(dir.resolve("applied")).doesNotExist();
    }

    @Test
    void noSnapshotsAtAllFailsLoudly() throws Exception {
        Files.writeString(dir.resolve("snapshots.json"), "{\"apiVersion\":\"v1\",\"items\":[]}");
        Result r = run("apply");
        assertThat(r.exit).isNotZero();
        assertThat(r.err).contains("no COMPLETED savepoint");
        assertThat(dir.resolve("applied")).doesNotExist();
    }

    @Test
    void aFailingKubectlFailsLoudly() throws Exception {
        Files.writeString(dir.resolve("fail"), "");
        Result r = run("apply");
        assertThat(r.exit).isNotZero();
        assertThat(r.err).contains("could not list the FlinkStateSnapshot resources");
        assertThat(dir.resolve("applied")).doesNotExist();
    }

    @Test
    void anExplicitPathNeedsNoSnapshotLookup() throws Exception {
        Result r = run("render", "s3://st/live/savepoints/sp-given");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("    initialSavepointPath: s3://st/live/savepoints/sp-given\n");
        assertThat(calls()).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    record Result(int exit, String out, String err) {}

    /** What the manifests hold where Flink needs a store password (k8s/tls.yaml). */
    static final String TLS_PLACEHOLDER = "${FLOODGATE_FLINK_TLS_PASSWORD}";

    /** The password a test gives: in the environment, as an operator would export it. */
    static final String TLS_PASSWORD = "3f9c0e77a1b2c4d5e6f708192a3b4c5d";

    Result run(String... args) throws Exception {
        return run(Map.of("FLOODGATE_FLINK_TLS_PASSWORD", TLS_PASSWORD), args);
    }

    Result run(Map<String, String> extraEnv, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("bash");
        cmd.add(Manifests.k8s("backfill.sh").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("PATH", dir.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("FAKE_DIR", dir.toString());
        env.remove("KUBECTL");
        env.remove("FLOODGATE_NAMESPACE");
        env.remove("FLOODGATE_LIVE");
        env.putAll(extraEnv);
        pb.redirectOutput(dir.resolve("out").toFile());
        pb.redirectError(dir.resolve("err").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("backfill.sh finished").isTrue();
        return new Result(
                p.exitValue(),
                Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
    }

    List<String> calls() throws IOException {
        Path calls = dir.resolve("calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    void snapshots(String... items) throws IOException {
        Files.writeString(
                dir.resolve("snapshots.json"),
                "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":["
                        + String.join(",", items)
                        + "]}");
    }

    /** A FlinkStateSnapshot as operator 1.15 writes it (labels, spec.jobReference, status). */
    static String snapshot(
            String name,
            String deployment,
            boolean savepoint,
            String state,
            String path,
            String resultTime) {
        String type = savepoint ? "SAVEPOINT" : "CHECKPOINT";
        String spec =
                "{\"backoffLimit\":1,\"jobReference\":{\"kind\":\"FlinkDeployment\",\"name\":\""
                        + deployment
                        + "\"},"
                        + (savepoint
                                ? "\"savepoint\":{\"alreadyExists\":false,\"disposeOnDelete\":false,"
                                        + "\"formatType\":\"CANONICAL\",\"path\":\"s3://st/live/savepoints\"}"
                                : "\"checkpoint\":{}")
                        + "}";
        StringBuilder status = new StringBuilder("{\"state\":\"" + state + "\"");
        if (path != null) {
            status.append(",\"path\":\"").append(path).append('"');
        }
        if (resultTime != null) {
            status.append(",\"resultTimestamp\":\"2026-12-06")
                    .append(resultTime)
                    .append(":00:00.000Z\"");
        }
        status.append('}');
        return "{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":\"FlinkStateSnapshot\","
                + "\"metadata\":{\"name\":\""
                + name
                + "\",\"namespace\":\"floodgate\",\"creationTimestamp\":\"2026-12-06T00:00:00Z\","
                + "\"labels\":{\"snapshot.type\":\""
                + type
                + "\",\"snapshot.state\":\""
                + state
                + "\",\"job-reference.kind\":\"FlinkDeployment\",\"job-reference.name\":\""
                + deployment
                + "\"}},\"spec\":"
                + spec
                + ",\"status\":"
                + status
                + "}";
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
