package dev.floodgate.testkit.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.model.Channel;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CapacityLimitedService} with {@link ServiceOptions#honourPriority()}: strict priority of
 * normal requests over low-urgency ones (RFC 9218 {@code Priority: u=4..7}), non-preemptive, and
 * the optional 429 of a low-urgency request when too many wait.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PriorityServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> finished = java.util.Collections.synchronizedList(new ArrayList<>());

    private CompletableFuture<HttpResponse<String>> call(
            CapacityLimitedService s, String name, String priority) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(s.endpoint(Channel.VOICE))
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"event_id\":\"" + name + "\"}"));
        if (priority != null) {
            b.header("Priority", priority);
        }
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                .whenComplete((r, e) -> finished.add(name));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            Thread.sleep(5);
        }
    }

    private static JsonNode voice(CapacityLimitedService s) throws Exception {
        return JSON.readTree(s.statsJson()).path("voice");
    }

    @Test
    void normalRequestsGoBeforeWaitingLowUrgencyOnesButDoNotPreemptOneInService() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.VOICE, 1, Duration.ofMillis(300))
                        .honourPriority();
        try (CapacityLimitedService s = new CapacityLimitedService(options).start()) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            calls.add(call(s, "low0", "u=7")); // gets the one worker
            await(() -> voiceStat(s, "busy") == 1);
            for (int i = 1; i <= 3; i++) {
                calls.add(call(s, "low" + i, "u=7, i"));
                int n = i;
                await(() -> voiceStat(s, "waiting_low_urgency") == n);
            }
            for (int i = 1; i <= 3; i++) {
                calls.add(call(s, "normal" + i, i == 2 ? "u=3" : null)); // u=3 is the default
                int n = i;
                await(() -> voiceStat(s, "waiting") == 3 + n);
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                assertThat(c.get().statusCode()).isEqualTo(200);
            }
            assertThat(finished)
                    .as("low0 finishes (no preemption), then every normal, then the low ones")
                    .containsExactly(
                            "low0", "normal1", "normal2", "normal3", "low1", "low2", "low3");
            assertThat(s.lowUrgencyCalls(Channel.VOICE)).isEqualTo(4);
            assertThat(s.calls(Channel.VOICE)).isEqualTo(7);
            // the three normal requests arrived while the worker served low0: the wait strict
            // priority cannot remove; the first of them waited for low0's residual, below 300 ms
            assertThat(s.normalBlockedByLow(Channel.VOICE)).isEqualTo(3);
            assertThat(s.normalBlockedByLowMillis(Channel.VOICE)).isPositive();
            assertThat(voiceStat(s, "waiting")).isZero();
            assertThat(voiceStat(s, "busy")).isZero();
        }
    }

    /** A live job's {@code high} events ({@code u=0..2}) go before the waiting normal ones. */
    @Test
    void highUrgencyRequestsGoBeforeWaitingNormalOnesInArrivalOrder() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.VOICE, 1, Duration.ofMillis(200))
                        .honourPriority();
        try (CapacityLimitedService s = new CapacityLimitedService(options).start()) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            calls.add(call(s, "normal0", null)); // gets the one worker
            await(() -> voiceStat(s, "busy") == 1);
            String[][] arrivals = {
                {"low1", "u=7"},
                {"normal1", null},
                {"high1", "u=1"},
                {"normal2", "u=3"},
                {"high2", "u=0, i"}
            };
            for (int i = 0; i < arrivals.length; i++) {
                calls.add(call(s, arrivals[i][0], arrivals[i][1]));
                int n = i + 1;
                await(() -> voiceStat(s, "waiting") == n);
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                assertThat(c.get().statusCode()).isEqualTo(200);
            }
            assertThat(finished)
                    .as(
                            "normal0 finishes (no preemption), then high, normal and low, each in order")
                    .containsExactly("normal0", "high1", "high2", "normal1", "normal2", "low1");
            assertThat(s.highUrgencyCalls(Channel.VOICE)).isEqualTo(2);
            assertThat(s.lowUrgencyCalls(Channel.VOICE)).isEqualTo(1);
            assertThat(voiceStat(s, "waiting")).isZero();
        }
    }

    @Test
    void aLowUrgencyRequestBeyondTheQueueLimitIs429WithRetryAfter() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.VOICE, 1, Duration.ofMillis(300))
                        .honourPriority()
                        .lowUrgencyQueueLimit(2, Duration.ofSeconds(2));
        try (CapacityLimitedService s = new CapacityLimitedService(options).start()) {
            CompletableFuture<HttpResponse<String>> busy = call(s, "normal0", null);
            await(() -> voiceStat(s, "busy") == 1);
            List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                queued.add(call(s, "low" + i, "u=7"));
                int n = i;
                await(() -> voiceStat(s, "waiting_low_urgency") == n);
            }
            HttpResponse<String> refused = call(s, "low3", "u=7").get();
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("2");
            // a normal or urgent request is never refused, however many low-urgency ones wait
            HttpResponse<String> normal = call(s, "normal1", "u=0").get();
            assertThat(normal.statusCode()).isEqualTo(200);
            assertThat(busy.get().statusCode()).isEqualTo(200);
            for (CompletableFuture<HttpResponse<String>> c : queued) {
                assertThat(c.get().statusCode()).isEqualTo(200);
            }
            assertThat(s.lowUrgencyRefused(Channel.VOICE)).isEqualTo(1);
            assertThat(s.lowUrgencyCalls(Channel.VOICE)).isEqualTo(2);
            assertThat(s.calls(Channel.VOICE)).isEqualTo(4);
        }
    }

    @Test
    void withoutTheOptionThePriorityHeaderIsIgnoredAndTheQueueIsFifo() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults().channel(Channel.VOICE, 1, Duration.ofMillis(100));
        try (CapacityLimitedService s = new CapacityLimitedService(options).start()) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            calls.add(call(s, "low0", "u=7"));
            await(() -> voiceStat(s, "busy") == 1);
            calls.add(call(s, "low1", "u=7"));
            await(() -> voiceStat(s, "waiting") == 1);
            calls.add(call(s, "normal1", null));
            await(() -> voiceStat(s, "waiting") == 2);
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                assertThat(c.get().statusCode()).isEqualTo(200);
            }
            assertThat(finished).containsExactly("low0", "low1", "normal1");
            assertThat(s.lowUrgencyCalls(Channel.VOICE)).isZero();
        }
    }

    @Test
    void urgencyFourToSevenIsLow() {
        assertThat(Urgency.of("u=7")).isEqualTo(Urgency.LOW);
        assertThat(Urgency.of("u=4")).isEqualTo(Urgency.LOW);
        assertThat(Urgency.of("i, u=5")).isEqualTo(Urgency.LOW);
        assertThat(Urgency.of("u=3")).isEqualTo(Urgency.NORMAL);
        assertThat(Urgency.of("u=0, i")).isEqualTo(Urgency.HIGH);
        assertThat(Urgency.of("u=2")).isEqualTo(Urgency.HIGH);
        assertThat(Urgency.of("u=8")).isEqualTo(Urgency.NORMAL);
        assertThat(Urgency.of("urgent")).isEqualTo(Urgency.NORMAL);
        assertThat(Urgency.of(null)).isEqualTo(Urgency.NORMAL);
    }

    private static int voiceStat(CapacityLimitedService s, String field) {
        try {
            return voice(s).path(field).asInt();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
