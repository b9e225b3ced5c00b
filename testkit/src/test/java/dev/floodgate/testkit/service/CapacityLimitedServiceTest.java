package dev.floodgate.testkit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.model.Channel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

    @Test
    void aHangHoldsRequestsUntilItsWindowEndsThenDropsThemAndServesAgain() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults().channel(Channel.VOICE, 2, Duration.ofMillis(10));
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            service.hang(Channel.VOICE, Duration.ofMillis(1500));
            long start = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(
                        client.sendAsync(
                                post(service.endpoint(Channel.VOICE), "{}"),
                                HttpResponse.BodyHandlers.ofString()));
            }
            HttpResponse<String> chat =
                    client.send(
                            post(service.endpoint(Channel.CHAT), "{}"),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as("other channels are served").isEqualTo(200);
            for (CompletableFuture<HttpResponse<String>> call : held) {
                assertThatThrownBy(call::get)
                        .as("no answer: the connection is closed at the window's end")
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(IOException.class);
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo(1400);
            HttpResponse<String> after =
                    client.send(
                            post(service.endpoint(Channel.VOICE), "{}"),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(service.hung(Channel.VOICE)).isEqualTo(3);
            assertThat(service.maxHanging(Channel.VOICE)).isEqualTo(3);
            assertThat(service.hangingNow(Channel.VOICE)).isZero();
            assertThat(service.calls(Channel.VOICE)).isEqualTo(1);
            JsonNode stats = new ObjectMapper().readTree(service.statsJson());
            assertThat(stats.path("voice").path("hung").asLong()).isEqualTo(3);
            assertThat(stats.path("voice").path("max_hanging").asLong()).isEqualTo(3);
        }
    }

    @Test
    void aHangCanEndWithAStatus() throws Exception {
        ServiceOptions options = ServiceOptions.defaults().hangEndsWith(504);
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            service.hang(Channel.IMAGE, Duration.ofMillis(300));
            HttpResponse<String> held =
                    client.send(
                            post(service.endpoint(Channel.IMAGE), "{}"),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(held.statusCode()).isEqualTo(504);
            assertThat(service.hung(Channel.IMAGE)).isEqualTo(1);
            assertThat(service.answeredWith(Channel.IMAGE, 504)).isEqualTo(1);
        }
    }

    @Test
    void anAnswerFaultAnswersItsStatusAtOnceForItsWindow() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults().channel(Channel.VOICE, 1, Duration.ofMillis(200));
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            service.answer(Channel.VOICE, 401, Duration.ofMillis(800));
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r =
                        client.send(
                                post(service.endpoint(Channel.VOICE), "{}"),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(401);
                assertThat(new ObjectMapper().readTree(r.body()).path("error").asText())
                        .contains("credential");
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("at once, not after the latency")
                    .isLessThan(600);
            Thread.sleep(900);
            HttpResponse<String> after =
                    client.send(
                            post(service.endpoint(Channel.VOICE), "{}"),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(service.answeredWith(Channel.VOICE, 401)).isEqualTo(3);
            assertThat(service.calls(Channel.VOICE)).isEqualTo(1);
            JsonNode stats = new ObjectMapper().readTree(service.statsJson());
            assertThat(stats.path("voice").path("answered_with_status").path("401").asLong())
                    .isEqualTo(3);
            assertThatThrownBy(() -> service.answer(Channel.VOICE, 42, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
