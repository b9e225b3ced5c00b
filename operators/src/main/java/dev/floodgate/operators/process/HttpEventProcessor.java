package dev.floodgate.operators.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Processes an event by POSTing it as JSON ({@code event_id, customer_id, seq, channel, priority,
 * body|uri}) to the endpoint of its channel; the response body is the result. A non-2xx answer
 * completes exceptionally with a {@link ProcessingException} naming the status; a request longer
 * than {@code requestTimeout} completes with {@link java.net.http.HttpTimeoutException}. The JDK
 * {@link HttpClient} and its callback threads are created in {@link #open()} and released in {@link
 * #close()}.
 */
public class HttpEventProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_BODY = 200;

    private final EnumMap<Channel, URI> endpoints;
    private final Duration requestTimeout;
    private final String version;

    private transient HttpClient client;
    private transient ExecutorService callbacks;

    public HttpEventProcessor(
            Map<Channel, URI> endpoints, Duration requestTimeout, String version) {
        this.endpoints = new EnumMap<>(endpoints);
        this.requestTimeout = requestTimeout;
        this.version = version;
    }

    /** Endpoints {@code <base>/voice}, {@code <base>/chat}, {@code <base>/image}. */
    public static HttpEventProcessor forBaseUri(URI base, Duration requestTimeout, String version) {
        Map<Channel, URI> endpoints = new EnumMap<>(Channel.class);
        String root = base.toString().endsWith("/") ? base.toString() : base + "/";
        for (Channel c : Channel.values()) {
            endpoints.put(c, URI.create(root + c.wireName()));
        }
        return new HttpEventProcessor(endpoints, requestTimeout, version);
    }

    @Override
    public String name() {
        return "http-" + version;
    }

    @Override
    public void open() {
        callbacks =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "http-processor-" + version);
                            t.setDaemon(true);
                            return t;
                        });
        client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(requestTimeout)
                        .executor(callbacks)
                        .build();
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        URI endpoint = endpoints.get(event.channel);
        if (endpoint == null) {
            return CompletableFuture.failedFuture(
                    new ProcessingException(
                            0, "no endpoint configured for channel " + event.channel, false));
        }
        HttpRequest request;
        try {
            request =
                    HttpRequest.newBuilder(endpoint)
                            .timeout(requestTimeout)
                            .header("Content-Type", "application/json")
                            .POST(
                                    HttpRequest.BodyPublishers.ofByteArray(
                                            JSON.writeValueAsBytes(payload(event))))
                            .build();
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(
                        response -> {
                            int status = response.statusCode();
                            if (status / 100 != 2) {
                                String body = response.body();
                                throw ProcessingException.ofHttpStatus(
                                        status,
                                        "HTTP "
                                                + status
                                                + " from "
                                                + endpoint
                                                + ": "
                                                + (body.length() > MAX_ERROR_BODY
                                                        ? body.substring(0, MAX_ERROR_BODY) + "..."
                                                        : body));
                            }
                            return response.body();
                        });
    }

    static ObjectNode payload(Interaction event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("event_id", event.eventId);
        node.put("customer_id", event.customerId);
        node.put("seq", event.seq);
        node.put("channel", event.channel.wireName());
        node.put("priority", event.priority == null ? null : event.priority.wireName());
        if (event.body != null) {
            node.put("body", event.body);
        }
        if (event.uri != null) {
            node.put("uri", event.uri);
        }
        return node;
    }

    @Override
    public void close() {
        client = null;
        if (callbacks != null) {
            callbacks.shutdownNow();
            callbacks = null;
        }
    }
}
