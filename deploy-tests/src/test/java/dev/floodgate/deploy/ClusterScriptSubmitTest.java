package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code scripts/cluster.sh submit} and {@code submit-backfill} hand Flink's command line
 * client, with a stand-in {@code java} on the PATH that records its arguments (no cluster needed):
 * a restored live job claims every operator's state (issue 33: a changed uid would otherwise drop
 * its state without a word); the backfill skips the live job's operators on purpose.
 */
class ClusterScriptSubmitTest {
    static final String SAVEPOINT = "file:///tmp/savepoints/savepoint-abc";

    @TempDir Path dir;
    Path recorded;
    Path jar;

    @BeforeEach
    void fakeClusterAndJava() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        recorded = dir.resolve("java-args");
        Path java = bin.resolve("java");
        Files.writeString(
                java,
                "#!/usr/bin/env bash\n"
                        + "printf '%s\\n' \"$@\" > \"$FAKE_JAVA_ARGS\"\n"
                        + "echo 'Job has been submitted with JobID 0123456789abcdef0123456789abcdef'\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = Files.createDirectories(dir.resolve("cluster/conf"));
        Files.writeString(conf.resolve("config.yaml"), "env.java.opts.all: -Dfake=1\n");
        jar = dir.resolve("job.jar");
        try (OutputStream out = Files.newOutputStream(jar);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("dev/floodgate/job/BackfillJob.class"));
            zip.write(new byte[] {0});
            zip.closeEntry();
        }
    }

    /** Runs the script; returns the arguments the client got. */
    private List<String> run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", script().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("FAKE_JAVA_ARGS", recorded.toString());
        pb.environment().put("FLOODGATE_CLUSTER_DIR", dir.resolve("cluster").toString());
        pb.environment().put("FLOODGATE_DEPS_DIR", dir.resolve("deps").toString());
        pb.environment().put("FLOODGATE_JOB_JAR", jar.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("0123456789abcdef0123456789abcdef");
        return Files.readAllLines(recorded);
    }

    private static Path script() {
        return Manifests.root().resolve("scripts/cluster.sh");
    }

    @Test
    void aRestoredLiveJobClaimsEveryOperatorsState() throws Exception {
        List<String> client =
                run(Map.of("FLOODGATE_RESTORE_FROM", SAVEPOINT), "submit", "--parallelism", "2");
        assertThat(client).containsSubsequence("-s", SAVEPOINT);
        assertThat(client).contains("dev.floodgate.job.FloodgateJob");
        assertThat(client).doesNotContain("--allowNonRestoredState", "-n");
    }

    @Test
    void aLiveJobMayDropStateOnlyWhenAskedTo() throws Exception {
        List<String> client =
                run(
                        Map.of(
                                "FLOODGATE_RESTORE_FROM",
                                SAVEPOINT,
                                "FLOODGATE_ALLOW_NON_RESTORED_STATE",
                                "true"),
                        "submit");
        assertThat(client).containsSubsequence("-s", SAVEPOINT, "--allowNonRestoredState");
    }

    @Test
    void aFreshLiveJobHasNoSavepoint() throws Exception {
        List<String> client = run(Map.of(), "submit");
        assertThat(client).doesNotContain("-s", "--allowNonRestoredState");
    }

    @Test
    void onlyTheScriptsOwnBrokerIsReachedInPlaintext() throws Exception {
        // its broker listens on 127.0.0.1 in plaintext: the script says so for the job
        assertThat(run(Map.of(), "submit")).containsSubsequence("--kafka-plaintext", "true");
        // another broker, or a client config: the user's settings decide, nothing is added
        assertThat(run(Map.of(), "submit", "--bootstrap-servers", "kafka.example:9093"))
                .doesNotContain("--kafka-plaintext");
        assertThat(run(Map.of(), "submit", "--kafka-config", "/etc/floodgate/kafka.properties"))
                .doesNotContain("--kafka-plaintext");
    }

    /** Deliberate: the backfill starts from the live job's savepoint without its operators. */
    @Test
    void theBackfillSkipsTheLiveJobsOperators() throws Exception {
        assumeTrue(onPath("unzip"), "cluster.sh submit-backfill needs unzip");
        List<String> client = run(Map.of(), "submit-backfill", SAVEPOINT, "--mode", "replay");
        assertThat(client)
                .contains("dev.floodgate.job.BackfillJob")
                .containsSubsequence("-s", SAVEPOINT, "--allowNonRestoredState");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
