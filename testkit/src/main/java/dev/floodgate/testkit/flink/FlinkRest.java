package dev.floodgate.testkit.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads a Flink cluster's REST API, as an operator would: checkpoint counts, vertices,
 * backpressure; and triggers checkpoints.
 */
public final class FlinkRest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public FlinkRest(String webInterfaceUrl) {
        this.base =
                webInterfaceUrl.endsWith("/")
                        ? webInterfaceUrl.substring(0, webInterfaceUrl.length() - 1)
                        : webInterfaceUrl;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return MAPPER.readTree(r.body());
    }

    /** POSTs a JSON body; the response of an accepted request (2xx). */
    public JsonNode post(String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("POST " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return MAPPER.readTree(r.body());
    }

    /**
     * Triggers a checkpoint of the configured kind now, outside the interval (as before a planned
     * stop, so that the exactly-once sinks commit what they wrote); returns the trigger's request
     * id.
     */
    public String triggerCheckpoint(String jobId) throws IOException, InterruptedException {
        return post("/jobs/" + jobId + "/checkpoints", "{\"checkpointType\":\"CONFIGURED\"}")
                .path("request-id")
                .asText();
    }

    /**
     * The state of a triggered checkpoint: {@code status.id} is {@code IN_PROGRESS} or {@code
     * COMPLETED}, then {@code operation} has {@code checkpointId} or {@code failureCause}. Reading
     * it once completed releases it: the cluster keeps unread results and waits for them when it
     * shuts down.
     */
    public JsonNode checkpointTrigger(String jobId, String requestId)
            throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints/" + requestId);
    }

    public long completedCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }
}
