package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testing.ShedEvents;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.InstantService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HttpEventProcessor} with calls coalesced ({@link HttpEventProcessor#batching}) against
 * real services on 127.0.0.1 (testkit's, and a plain JDK server for a service without the batch
 * endpoint), through the real JDK client: each event gets its own result, an item's error fails
 * only its event, what fails a request fails each of its events as it fails a per-event call, a
 * cancelled event leaves its neighbours, no event is sent twice; and batch max 1 is exactly one
 * request per event to the per-event endpoint.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BatchingHttpProcessorTest {

    private static HttpEventProcessor opened(URI base, Duration timeout, int batchMax, int k) {
        HttpEventProcessor p =
                HttpEventProcessor.forBaseUri(base, timeout, "v1").batching(batchMax, k);
        p.open();
        return p;
    }

    private static List<Interaction> voice(int n) {
        List<Interaction> events = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            events.add(ShedEvents.event("c" + (i % 7), i, Channel.VOICE, Priority.NORMAL, 1));
        }
        return events;
    }

    private static Throwable failure(CompletableFuture<String> f) {
        assertThat(f).failsWithin(Duration.ofSeconds(20));
        try {
            f.get();
            throw new AssertionError("not failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void eachEventGetsItsOwnResultAndIsSentOnce() throws Exception {
        try (CapacityLimitedService service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, 1, Duration.ofMillis(5)))
                        .start()) {
            HttpEventProcessor p = opened(service.baseUri(), Duration.ofSeconds(10), 16, 1);
            try {
                List<Interaction> events = voice(100);
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (Interaction e : events) {
                    results.add(p.process(e));
                }
                for (int i = 0; i < events.size(); i++) {
                    assertThat(results.get(i).get(20, TimeUnit.SECONDS))
                            .contains("\"event_id\":\"" + events.get(i).eventId + "\"");
                }
                assertThat(service.calls(Channel.VOICE)).as("each event once").isEqualTo(100);
                // the first event alone, the rest at most 16 a request; fewer requests than events
                // unless the test thread stalled for a request's time (5 ms) between events
                assertThat(service.batchRequests(Channel.VOICE)).isBetween(8L, 99L);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void anItemsErrorFailsOnlyItsEvent() throws Exception {
        try (CapacityLimitedService service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.CHAT, 1, Duration.ofMillis(5))
                                        .failWhenBodyContains("FAIL-ME")
                                        .failureStatus(422))
                        .start()) {
            HttpEventProcessor p = opened(service.baseUri(), Duration.ofSeconds(10), 16, 1);
            try {
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (int i = 1; i <= 10; i++) {
                    results.add(
                            p.process(
                                    ShedEvents.chat(
                                            "c", i, i == 5 ? "please FAIL-ME" : "hello " + i, 1)));
                }
                Throwable poison = failure(results.get(4));
                assertThat(poison)
                        .isInstanceOf(ProcessingException.class)
                        .hasMessage("HTTP 422 from the chat service: rejected the event");
                assertThat(((ProcessingException) poison).kind())
                        .isEqualTo(ProcessingException.Kind.EVENT);
                for (int i = 0; i < 10; i++) {
                    if (i != 4) {
                        assertThat(results.get(i).get(20, TimeUnit.SECONDS))
                                .contains("\"event_id\":\"c-" + (i + 1) + "\"");
                    }
                }
                assertThat(service.calls(Channel.CHAT)).isEqualTo(10);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void aRequestAnswered503FailsEachOfItsEventsAsTransient() throws Exception {
        try (CapacityLimitedService service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, 1, Duration.ofMillis(5)))
                        .start()) {
            service.outage(Channel.VOICE, Duration.ofSeconds(30));
            HttpEventProcessor p = opened(service.baseUri(), Duration.ofSeconds(10), 16, 1);
            try {
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (Interaction e : voice(20)) {
                    results.add(p.process(e));
                }
                for (CompletableFuture<String> r : results) {
                    Throwable t = failure(r);
                    assertThat(t)
                            .isInstanceOf(ProcessingException.class)
                            .hasMessage("HTTP 503 from the voice service: unavailable");
                    assertThat(((ProcessingException) t).retryable()).isTrue();
                }
                assertThat(service.refusedInOutage(Channel.VOICE))
                        .as("requests, not events")
                        .isBetween(2L, 20L);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void aRequestThatTimesOutFailsEachOfItsEventsWithTheTimeout() throws Exception {
        try (CapacityLimitedService service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.IMAGE, 1, Duration.ofSeconds(3)))
                        .start()) {
            HttpEventProcessor p = opened(service.baseUri(), Duration.ofMillis(300), 8, 1);
            try {
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (int i = 1; i <= 5; i++) {
                    results.add(
                            p.process(ShedEvents.event("c", i, Channel.IMAGE, Priority.LOW, 1)));
                }
                for (CompletableFuture<String> r : results) {
                    assertThat(failure(r)).isInstanceOf(HttpTimeoutException.class);
                }
            } finally {
                p.close();
            }
        }
    }

    @Test
    void cancellingOneEventLeavesItsNeighbours() throws Exception {
        try (CapacityLimitedService service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, 1, Duration.ofMillis(100)))
                        .start()) {
            HttpEventProcessor p = opened(service.baseUri(), Duration.ofSeconds(10), 16, 1);
            try {
                List<Interaction> events = voice(6);
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (Interaction e : events) {
                    results.add(p.process(e));
                }
                // event 3 waits behind event 1's request: cancelled there, it is never sent
                assertThat(results.get(2).cancel(true)).isTrue();
                results.get(0).get(20, TimeUnit.SECONDS);
                // event 4 waits or is in the request of 2, 4, 5, 6 by now: either way alone
                assertThat(results.get(3).cancel(true)).isTrue();
                for (int i : new int[] {1, 4, 5}) {
                    assertThat(results.get(i).get(20, TimeUnit.SECONDS))
                            .contains("\"event_id\":\"" + events.get(i).eventId + "\"");
                }
                assertThat(results.get(2)).isCancelled();
                assertThat(results.get(3)).isCancelled();
                assertThat(service.calls(Channel.VOICE))
                        .as("event 3 never sent, event 4 at most once")
                        .isBetween(4L, 5L);
            } finally {
                p.close();
            }
        }
    }

    /**
     * The per-event endpoint answers anything below it (as the JDK server's contexts do): a service
     * without the batch endpoint answers a single result, not an array. Every event fails as the
     * service's failure, never as the events' (no dead letters).
     */
    @Test
    void aServiceWithoutTheBatchEndpointFailsEveryCallAsTheServices() throws Exception {
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext(
                "/",
                x -> {
                    try (x) {
                        x.getRequestBody().readAllBytes();
                        byte[] body = "{\"result\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
                        x.sendResponseHeaders(200, body.length);
                        x.getResponseBody().write(body);
                    }
                });
        server.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            HttpEventProcessor p = opened(base, Duration.ofSeconds(10), 16, 2);
            try {
                for (Interaction e : voice(3)) {
                    Throwable t = failure(p.process(e));
                    assertThat(t)
                            .isInstanceOf(ProcessingException.class)
                            .hasMessageContaining("the batch answer is not an array of 1 items")
                            .hasMessageNotContaining("127.0.0.1");
                    assertThat(((ProcessingException) t).kind())
                            .isEqualTo(ProcessingException.Kind.SERVICE);
                }
            } finally {
                p.close();
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * The same service answers the same result per event whether calls are coalesced or not; batch
     * max 1 is one request per event to the per-event endpoint, as before batching existed.
     */
    @Test
    void batchedResultsAreThePerEventResultsAndBatchMaxOneIsOneRequestPerEvent() throws Exception {
        try (InstantService service = InstantService.start(2)) {
            HttpEventProcessor single = opened(service.baseUri(), Duration.ofSeconds(10), 1, 4);
            try {
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (Interaction e : voice(50)) {
                    results.add(single.process(e));
                }
                for (CompletableFuture<String> r : results) {
                    assertThat(r.get(20, TimeUnit.SECONDS)).isEqualTo(InstantService.RESULT);
                }
                assertThat(service.requests()).isEqualTo(50);
                assertThat(service.calls()).isEqualTo(50);
            } finally {
                single.close();
            }
            HttpEventProcessor batched = opened(service.baseUri(), Duration.ofSeconds(10), 64, 1);
            try {
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (Interaction e : voice(500)) {
                    results.add(batched.process(e));
                }
                for (CompletableFuture<String> r : results) {
                    assertThat(r.get(20, TimeUnit.SECONDS)).isEqualTo(InstantService.RESULT);
                }
                assertThat(service.calls() - 50).as("each event once").isEqualTo(500);
                assertThat(service.requests() - 50).isBetween(9L, 499L);
            } finally {
                batched.close();
            }
        }
    }
}
