package dev.floodgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.model.Channel;
import dev.floodgate.testkit.flink.FlinkRest;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the live job says about itself through the cluster's REST API, as the web UI shows it:
 * checkpoint counts and the last one's duration ({@code /jobs/:id/checkpoints}), the shedding
 * switch of each channel (the {@code sheddingActive} gauge of the lanes operator, highest over its
 * subtasks), and the source's backpressure.
 */
final class JobProbe {
    /**
     * Checkpoint counts, the duration of the latest completed one (ms, -1 before the first) and the
     * failure message of the latest failed one (empty if none).
     */
    record Checkpoints(
            long completed,
            long failed,
            long inProgress,
            long lastDurationMillis,
            String lastFailure) {
        String render() {
            return completed == 0 && failed == 0
                    ? "ckpt -"
                    : String.format(
                            "ckpt %d ok%s (%d ms)",
                            completed,
                            failed > 0 ? ", " + failed + " failed" : "",
                            lastDurationMillis);
        }
    }

    private final FlinkRest rest;
    private final String jobId;
    private String shedVertex;
    private String sourceVertex;
    private String shedMetricPrefix;
    private String offsetMetrics = "";

    JobProbe(FlinkRest rest, String jobId) {
        this.rest = rest;
        this.jobId = jobId;
    }

    /**
     * Waits until every vertex of the job runs, then finds the source and the lanes operator's
     * metrics.
     */
    void awaitRunning(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!allRunning(rest.get("/jobs/" + jobId))) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(
                        "the live job did not start running within " + timeoutMillis + " ms");
            }
            Thread.sleep(200);
        }
        for (JsonNode v : rest.get("/jobs/" + jobId).path("vertices")) {
            String name = v.path("name").asText();
            if (name.startsWith("Source: interaction log")) {
                sourceVertex = v.path("id").asText();
            }
            if (name.contains("process in lanes")) {
                shedVertex = v.path("id").asText();
            }
        }
    }

    private static boolean allRunning(JsonNode job) {
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            if (!"RUNNING".equals(v.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    Checkpoints checkpoints() throws IOException, InterruptedException {
        JsonNode c = rest.get("/jobs/" + jobId + "/checkpoints");
        JsonNode counts = c.path("counts");
        JsonNode last = c.path("latest").path("completed");
        return new Checkpoints(
                counts.path("completed").asLong(),
                counts.path("failed").asLong(),
                counts.path("in_progress").asLong(),
                last.isMissingNode() || last.isNull()
                        ? -1
                        : last.path("end_to_end_duration").asLong(),
                c.path("latest").path("failed").path("failure_message").asText(""));
    }

    /**
     * The source's reading position per partition of the log (the next offset to read), from its
     * {@code currentOffset} metrics: ahead of the committed offsets, which move only on
     * checkpoints.
     */
    Map<Integer, Long> sourcePositions() throws IOException, InterruptedException {
        Map<Integer, Long> out = new java.util.HashMap<>();
        if (sourceVertex == null) {
            return out;
        }
        String base = "/jobs/" + jobId + "/vertices/" + sourceVertex + "/subtasks/metrics";
        if (offsetMetrics
                .isEmpty()) { // listed once: the readers register them as they get their partitions
            for (JsonNode m : rest.get(base)) {
                String id = m.path("id").asText();
                if (id.endsWith(".currentOffset") && id.contains(".partition.")) {
                    offsetMetrics += (offsetMetrics.isEmpty() ? "" : ",") + id;
                }
            }
        }
        if (!offsetMetrics.isEmpty()) {
            for (JsonNode m : rest.get(base + "?agg=max&get=" + offsetMetrics)) {
                String id = m.path("id").asText();
                String p =
                        id.substring(
                                id.lastIndexOf(".partition.") + 11,
                                id.length() - ".currentOffset".length());
                out.put(Integer.parseInt(p), (long) m.path("max").asDouble() + 1);
            }
        }
        return out;
    }

    /**
     * Whether each channel sheds on any subtask; empty until the lanes operator's metrics are
     * registered.
     */
    Map<Channel, Boolean> shedding() throws IOException, InterruptedException {
        Map<Channel, Boolean> out = new EnumMap<>(Channel.class);
        if (shedVertex == null) {
            return out;
        }
        String base = "/jobs/" + jobId + "/vertices/" + shedVertex + "/subtasks/metrics";
        if (shedMetricPrefix == null) {
            for (JsonNode m : rest.get(base)) {
                String id = m.path("id").asText();
                if (id.endsWith(".channel.voice.sheddingActive")) {
                    shedMetricPrefix =
                            id.substring(0, id.length() - "voice.sheddingActive".length());
                }
            }
            if (shedMetricPrefix == null) {
                return out;
            }
        }
        StringBuilder get = new StringBuilder();
        for (Channel c : Channel.values()) {
            get.append(get.length() > 0 ? "," : "")
                    .append(shedMetricPrefix)
                    .append(c.wireName())
                    .append(".sheddingActive");
        }
        for (JsonNode m : rest.get(base + "?agg=max&get=" + get)) {
            String id = m.path("id").asText();
            String channel =
                    id.substring(
                            shedMetricPrefix.length(), id.length() - ".sheddingActive".length());
            out.put(Channel.fromWire(channel), m.path("max").asDouble() > 0);
        }
        return out;
    }

    /** The web UI's backpressure tab of the source, where the flood shows. */
    String backpressureUrl(String webUrl) {
        return webUrl + "/#/job/running/" + jobId + "/overview/" + sourceVertex + "/backpressure";
    }
}
