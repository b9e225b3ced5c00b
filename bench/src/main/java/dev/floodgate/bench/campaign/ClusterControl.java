package dev.floodgate.bench.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.testkit.flink.FlinkRest;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production shape as the campaign drives it: {@code scripts/cluster.sh} with this run's own
 * cluster directory and free ports (a broker process, a standalone JobManager and TaskManager
 * processes), the processes' pids from the script's pid files for {@code kill -9}, and the
 * cluster's REST API. {@link #close} stops what the script started and kills, by pid, whatever of
 * this cluster directory is still alive.
 */
final class ClusterControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterControl.class);
    private static final Pattern RESOURCE_ID =
            Pattern.compile("Starting TaskManager with ResourceID: (\\S+)");

    final Path root;
    final Path dir;
    final String bootstrap;
    final FlinkRest rest;
    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean started;

    ClusterControl(Path root, Path dir, Path jobJar, int slotsPerTaskManager, String extraConf)
            throws IOException {
        this.root = root;
        this.dir = dir;
        int[] ports = FreePorts.several(6);
        env.put("FLOODGATE_CLUSTER_DIR", dir.toString());
        env.put("FLOODGATE_JOB_JAR", jobJar.toString());
        env.put("FLOODGATE_REST_PORT", Integer.toString(ports[0]));
        env.put("FLOODGATE_RPC_PORT", Integer.toString(ports[1]));
        env.put("FLOODGATE_KAFKA_PORT", Integer.toString(ports[2]));
        env.put("FLOODGATE_KAFKA_CONTROLLER_PORT", Integer.toString(ports[3]));
        env.put("FLOODGATE_PROM_PORTS", ports[4] + "-" + (ports[4] + 8));
        env.put("FLOODGATE_TM_SLOTS", Integer.toString(slotsPerTaskManager));
        env.put("FLOODGATE_TM_MEMORY", "1600m");
        if (extraConf != null && !extraConf.isBlank()) {
            env.put("FLOODGATE_EXTRA_CONF", extraConf);
        }
        bootstrap = "127.0.0.1:" + ports[2];
        rest = new FlinkRest("http://127.0.0.1:" + ports[0]);
    }

    /** The broker, the JobManager, one TaskManager per name, the topics. */
    void up(int partitions, List<String> taskManagers) throws Exception {
        started = true;
        script(Duration.ofMinutes(3), Map.of(), "kafka-start");
        script(Duration.ofMinutes(3), Map.of(), "start");
        for (String tm : taskManagers) {
            startTaskManager(tm);
        }
        script(Duration.ofMinutes(2), Map.of(), "topics", Integer.toString(partitions));
    }

    void startTaskManager(String name) throws Exception {
        script(Duration.ofMinutes(1), Map.of(), "taskmanager-start", name);
    }

    void startBroker() throws Exception {
        script(Duration.ofMinutes(2), Map.of(), "kafka-start");
    }

    /**
     * {@code kill -9} of the named process of this cluster (its pid file); false if not running.
     */
    boolean kill9(String name) throws IOException {
        Optional<ProcessHandle> p = process(name);
        if (p.isEmpty()) {
            return false;
        }
        p.get().destroyForcibly(); // SIGKILL on Linux
        try {
            p.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(name + " (pid " + p.get().pid() + ") survived kill -9", e);
        }
        return true;
    }

    Optional<ProcessHandle> process(String name) throws IOException {
        Path pidFile = dir.resolve("run/" + name + ".pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                .filter(ProcessHandle::isAlive);
    }

    /** The TaskManager process names (pid files) that are alive. */
    List<String> liveTaskManagers() throws IOException {
        List<String> names = new ArrayList<>();
        try (var files = Files.list(dir.resolve("run"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString().replace(".pid", "");
                if (name.startsWith("taskmanager") && process(name).isPresent()) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** The REST resource id of the named TaskManager, from its log. */
    String resourceId(String name) throws IOException {
        Matcher m =
                RESOURCE_ID.matcher(Files.readString(dir.resolve("log/flink-" + name + ".log")));
        String id = null;
        while (m.find()) {
            id = m.group(1);
        }
        return id;
    }

    /** Slots in use per REST TaskManager id. */
    Map<String, Integer> usedSlots() throws Exception {
        Map<String, Integer> used = new LinkedHashMap<>();
        for (JsonNode tm : rest.get("/taskmanagers").path("taskmanagers")) {
            used.put(
                    tm.path("id").asText(),
                    tm.path("slotsNumber").asInt() - tm.path("freeSlots").asInt());
        }
        return used;
    }

    /** Submits the live job (from {@code savepoint} when not null); returns its id. */
    String submit(Path jar, String entryClass, String savepoint, List<String> args)
            throws Exception {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("FLOODGATE_JOB_JAR", jar.toString());
        extra.put("FLOODGATE_LIVE_CLASS", entryClass);
        if (savepoint != null) {
            extra.put("FLOODGATE_RESTORE_FROM", savepoint);
        }
        List<String> a = new ArrayList<>(List.of("submit"));
        a.addAll(args);
        return script(Duration.ofMinutes(3), extra, a.toArray(new String[0])).trim();
    }

    String stopWithSavepoint(String jobId) throws Exception {
        return script(Duration.ofMinutes(5), Map.of(), "savepoint", jobId, "--stop").trim();
    }

    String submitBackfill(String savepoint, List<String> args) throws Exception {
        List<String> a = new ArrayList<>(List.of("submit-backfill", savepoint));
        a.addAll(args);
        return script(Duration.ofMinutes(3), Map.of(), a.toArray(new String[0])).trim();
    }

    /** Runs the job jar's tool; returns its exit status and standard output. */
    Map.Entry<Integer, String> tool(Duration timeout, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("tool"));
        a.addAll(List.of(args));
        Process p = start(Map.of(), a.toArray(new String[0]));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("cluster.sh tool " + String.join(" ", args) + " timed out");
        }
        return Map.entry(p.exitValue(), out);
    }

    JsonNode job(String jobId) throws Exception {
        return rest.get("/jobs/" + jobId);
    }

    private long logOffset;
    private long restartsLogged;

    /**
     * Restarts of the live job (every job submitted under its name) so far, counted in the
     * JobManager's log ({@code switched from state RUNNING to RESTARTING}), read on from where the
     * last call stopped. The REST metric {@code numRestarts} answered nothing or 0 for restored
     * jobs on this cluster, so the log is the record.
     */
    synchronized long liveRestarts() throws IOException {
        Path log = dir.resolve("log/flink-jobmanager.log");
        if (!Files.exists(log)) {
            return restartsLogged;
        }
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(log.toFile(), "r")) {
            if (f.length() < logOffset) {
                logOffset = 0; // rolled over
            }
            f.seek(logOffset);
            byte[] chunk = new byte[(int) Math.min(Integer.MAX_VALUE, f.length() - logOffset)];
            f.readFully(chunk);
            String text = new String(chunk, StandardCharsets.UTF_8);
            int lastNewline = text.lastIndexOf('\n');
            if (lastNewline < 0) {
                return restartsLogged;
            }
            for (String line : text.substring(0, lastNewline).split("\n")) {
                if (line.contains("Job floodgate-live (")
                        && line.contains("switched from state RUNNING to RESTARTING")) {
                    restartsLogged++;
                }
            }
            logOffset += text.substring(0, lastNewline + 1).getBytes(StandardCharsets.UTF_8).length;
        }
        return restartsLogged;
    }

    /** The job is RUNNING and so is every one of its vertices. */
    boolean fullyRunning(String jobId) throws Exception {
        JsonNode j = job(jobId);
        if (!j.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode v : j.path("vertices")) {
            if (!v.path("status").asText().equals("RUNNING")) {
                return false;
            }
        }
        return true;
    }

    String script(Duration timeout, Map<String, String> extraEnv, String... args) throws Exception {
        Process p = start(extraEnv, args);
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("cluster.sh " + String.join(" ", args) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(
                    "cluster.sh "
                            + String.join(" ", args)
                            + " failed ("
                            + p.exitValue()
                            + "): "
                            + Files.readString(dir.resolve("script.err"))
                            + " logs: "
                            + dir.resolve("log"));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private Process start(Map<String, String> extraEnv, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("scripts/cluster.sh").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        Files.createDirectories(dir);
        pb.redirectError(dir.resolve("script.err").toFile());
        LOG.debug("cluster.sh {}", String.join(" ", args));
        return pb.start();
    }

    @Override
    public void close() throws Exception {
        if (!started) {
            return;
        }
        try {
            script(Duration.ofMinutes(2), Map.of(), "down");
        } catch (Exception e) {
            LOG.warn("cluster.sh down failed: {}", e.getMessage());
        } finally {
            try (var files = Files.list(dir.resolve("run"))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString().replace(".pid", "");
                    process(name)
                            .ifPresent(
                                    p -> {
                                        LOG.warn(
                                                "{} (pid {}) still running: killing it",
                                                name,
                                                p.pid());
                                        p.destroyForcibly();
                                    });
                }
            }
        }
    }
}
