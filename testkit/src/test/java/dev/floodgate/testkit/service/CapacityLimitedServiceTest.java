package dev.floodgate.testkit.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.model.Channel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CapacityLimitedServiceTest {
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpRequest post(URI uri, String body) {
        return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void concurrencyAndLatencySetThroughputAndExtraRequestsQueue() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults().channel(Channel.VOICE, 2, Duration.ofMillis(50));
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            long start = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(
                        client.sendAsync(
                                post(
                                        service.endpoint(Channel.VOICE),
                                        "{\"event_id\":\"e" + i + "\"}"),
                                HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> call : calls) {
                assertThat(call.get().statusCode()).as("queued, not rejected").isEqualTo(200);
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            // 2 at a time x 50 ms is at most 40 calls/s: 20 calls need at least 10 rounds of 50 ms
            assertThat(elapsedMs).isGreaterThanOrEqualTo(450);
            assertThat(service.calls(Channel.VOICE)).isEqualTo(20);
            assertThat(service.calls(Channel.CHAT)).isZero();
        }
    }

    @Test
    void statsEndpointCountsCallsAndFailuresPerChannel() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.CHAT, 4, Duration.ZERO)
                        .channel(Channel.IMAGE, 4, Duration.ZERO)
                        .failWhenBodyContains("POISON");
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            HttpResponse<String> ok =
                    client.send(
                            post(service.endpoint(Channel.CHAT), "{\"event_id\":\"a\"}"),
                            HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> bad =
                    client.send(
                            post(service.endpoint(Channel.CHAT), "{\"body\":\"POISON\"}"),
                            HttpResponse.BodyHandlers.ofString());
            client.send(
                    post(service.endpoint(Channel.IMAGE), "{}"),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> get =
                    client.send(
                            HttpRequest.newBuilder(service.endpoint(Channel.CHAT)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"event_id\":\"a\"");
            assertThat(bad.statusCode()).isEqualTo(500);
            assertThat(get.statusCode()).isEqualTo(405);

            HttpResponse<String> stats =
                    client.send(
                            HttpRequest.newBuilder(URI.create(service.baseUri() + "/stats"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            JsonNode json = new ObjectMapper().readTree(stats.body());
            assertThat(json.path("chat").path("calls").asLong()).isEqualTo(2);
            assertThat(json.path("chat").path("failures").asLong()).isEqualTo(1);
            assertThat(json.path("image").path("calls").asLong()).isEqualTo(1);
            assertThat(json.path("voice").path("calls").asLong()).isZero();
            assertThat(json.path("chat").path("concurrency").asInt()).isEqualTo(4);
            assertThat(service.failures(Channel.CHAT)).isEqualTo(1);
            assertThat(service.baseUri().getHost()).isEqualTo("127.0.0.1");
        }
    }
}
