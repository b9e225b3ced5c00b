package dev.floodgate.testkit.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Reads a Flink cluster's REST API, as an operator would: checkpoint counts, vertices,
 * backpressure; and triggers checkpoints. A cluster of {@code scripts/cluster.sh} speaks HTTPS and
 * wants the client certificate: {@code ClusterSh.rest()} gives a client that presents it.
 */
public final class FlinkRest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Supplier<HttpClient> client;
    private HttpClient http;
    private final String base;

    /** A cluster without TLS (the in-process MiniCluster of tests and the demo). */
    public FlinkRest(String webInterfaceUrl) {
        this(webInterfaceUrl, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))::build);
    }

    /**
     * A cluster whose REST API needs a client of its own (TLS, a client certificate); {@code
     * client} is called once, at the first request.
     */
    public FlinkRest(String webInterfaceUrl, Supplier<HttpClient> client) {
        this.client = client;
        this.base =
                webInterfaceUrl.endsWith("/")
                        ? webInterfaceUrl.substring(0, webInterfaceUrl.length() - 1)
                        : webInterfaceUrl;
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = client.get();
        }
        return http;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http().send(
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
                http().send(
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
