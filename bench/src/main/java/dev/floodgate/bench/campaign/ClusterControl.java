package dev.floodgate.bench.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.testkit.cluster.ClusterSh;
import dev.floodgate.testkit.flink.FlinkRest;
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

/**
 * The production shape as the campaign drives it: {@link ClusterSh} ({@code scripts/cluster.sh}
 * with this run's own cluster directory and free ports: a broker process, a standalone JobManager
 * and TaskManager processes, found by their pid files for {@code kill -9}), the cluster's REST API,
 * and what the campaign reads from the logs. {@link #close} stops what the script started and
 * kills, by pid, whatever of this cluster directory is still alive.
 */
final class ClusterControl implements AutoCloseable {
    private static final Pattern RESOURCE_ID =
            Pattern.compile("Starting TaskManager with ResourceID: (\\S+)");

    final Path dir;
    final String bootstrap;
    final FlinkRest rest;
    private final ClusterSh sh;

    ClusterControl(Path root, Path dir, Path jobJar, int slotsPerTaskManager, String extraConf)
            throws IOException {
        this.dir = dir;
        sh = new ClusterSh(root, dir, jobJar, slotsPerTaskManager);
        int prom = sh.reporterPorts.get(0);
        // one reporter port per process: the JobManager and up to eight TaskManagers over time
        sh.env("FLOODGATE_PROM_PORTS", prom + "-" + (prom + 8));
        sh.env("FLOODGATE_TM_MEMORY", "1600m");
        if (extraConf != null && !extraConf.isBlank()) {
            sh.env("FLOODGATE_EXTRA_CONF", extraConf);
        }
        bootstrap = sh.bootstrap;
        // HTTPS with the cluster's client certificate (made by start: the client is made at the
        // first call)
        rest = sh.rest();
    }

    /** The broker, the JobManager, one TaskManager per name, the topics. */
    void up(int partitions, List<String> taskManagers) throws Exception {
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
        return sh.kill9(name);
    }

    /** The TaskManager process names (pid files) that are alive. */
    List<String> liveTaskManagers() throws IOException {
        return sh.liveProcesses().stream().filter(n -> n.startsWith("taskmanager")).toList();
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
        Process p = sh.start(Map.of(), a.toArray(new String[0]));
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

    String script(Duration timeout, Map<String, String> extraEnv, String... args)
            throws IOException {
        return sh.run(timeout, extraEnv, args);
    }

    @Override
    public void close() throws IOException {
        sh.close();
    }
}
