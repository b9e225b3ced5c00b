package dev.floodgate.job.cluster;

import dev.floodgate.testkit.net.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * scripts/cluster.sh for one test: the production shape (a Kafka broker process, a standalone
 * JobManager and TaskManager with the shipped flink-conf) in the test's own cluster folder, on free
 * ports of 127.0.0.1, the two Prometheus reporters on two free ports of their own, a bounded
 * restart strategy (FACTS trap 2). {@link #stopAll} stops what the script started (cluster.sh
 * down), then whatever its pid files still name, and nothing else.
 */
final class ClusterScript {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterScript.class);
    private static final Pattern REPORTER_PORT =
            Pattern.compile("Started PrometheusReporter HTTP server on port (\\d+)");

    final Path root;
    final Path clusterDir;
    final Map<String, String> env = new LinkedHashMap<>();
    final String bootstrap;
    final String restUrl;
    final List<Integer> reporterPorts;

    ClusterScript(Path root, Path clusterDir, Path jobJar, int slots) throws IOException {
        this.root = root;
        this.clusterDir = clusterDir;
        int[] ports = FreePorts.several(6);
        env.put("FLOODGATE_CLUSTER_DIR", clusterDir.toString());
        env.put("FLOODGATE_JOB_JAR", jobJar.toString());
        env.put("FLOODGATE_REST_PORT", Integer.toString(ports[0]));
        env.put("FLOODGATE_RPC_PORT", Integer.toString(ports[1]));
        env.put("FLOODGATE_KAFKA_PORT", Integer.toString(ports[2]));
        env.put("FLOODGATE_KAFKA_CONTROLLER_PORT", Integer.toString(ports[3]));
        // never the 9249-9260 of a cluster someone runs by hand
        env.put("FLOODGATE_PROM_PORTS", ports[4] + "," + ports[5]);
        env.put("FLOODGATE_TM_SLOTS", Integer.toString(slots));
        env.put(
                "FLOODGATE_EXTRA_CONF",
                String.join(
                        "\n",
                        "restart-strategy.type: fixed-delay",
                        "restart-strategy.fixed-delay.attempts: 2",
                        "restart-strategy.fixed-delay.delay: 1s"));
        bootstrap = "127.0.0.1:" + ports[2];
        restUrl = "http://127.0.0.1:" + ports[0];
        reporterPorts = List.of(ports[4], ports[5]);
    }

    /** Runs cluster.sh with this cluster's environment; returns its standard output. */
    String run(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("scripts/cluster.sh").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        pb.environment().putAll(env);
        Files.createDirectories(clusterDir);
        Path err = clusterDir.resolve("script-" + args[0] + ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    "cluster.sh " + String.join(" ", args) + " did not finish in " + timeout);
        }
        String stderr = Files.readString(err);
        LOG.info("cluster.sh {}:\n{}", String.join(" ", args), stderr.strip());
        if (p.exitValue() != 0) {
            throw new AssertionError(
                    "cluster.sh "
                            + String.join(" ", args)
                            + " failed ("
                            + p.exitValue()
                            + "):\n"
                            + stderr
                            + "\nlogs: "
                            + clusterDir.resolve("log"));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The port the Prometheus reporter of "jobmanager" or "taskmanager" bound (from its log). */
    int reporterPort(String process) throws IOException {
        Path log = clusterDir.resolve("log/flink-" + process + ".log");
        Matcher m = REPORTER_PORT.matcher(Files.readString(log));
        if (!m.find()) {
            throw new AssertionError("the " + process + " log names no Prometheus port: " + log);
        }
        return Integer.parseInt(m.group(1));
    }

    /** cluster.sh down, then a forced stop of any process its pid files still name. */
    void stopAll() throws Exception {
        try {
            run(Duration.ofMinutes(2), "down");
        } finally {
            for (String name : List.of("taskmanager", "jobmanager", "kafka")) {
                Path pidFile = clusterDir.resolve("run/" + name + ".pid");
                if (Files.exists(pidFile)) {
                    long pid = Long.parseLong(Files.readString(pidFile).trim());
                    ProcessHandle.of(pid)
                            .ifPresent(
                                    p -> {
                                        LOG.warn(
                                                "{} (pid {}) still running: killing it", name, pid);
                                        p.destroyForcibly();
                                    });
                }
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p :
                    paths.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                            .collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
