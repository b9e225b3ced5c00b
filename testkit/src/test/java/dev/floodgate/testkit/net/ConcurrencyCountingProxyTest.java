package dev.floodgate.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.model.Channel;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy counts what the service sees as concurrency, also the requests a client abandons.
 *
 * <p>What the JDK 17 {@link HttpClient} (HTTP/1.1) does with an exchange nobody waits for any more,
 * measured here against a service that never answers (17.0.15):
 *
 * <ul>
 *   <li>a request timeout ({@link HttpRequest.Builder#timeout}) fails the call with {@link
 *       HttpTimeoutException} and closes the connection: the service sees the request end at the
 *       timeout;
 *   <li>{@code cancel(true)} on the future that {@code sendAsync} returned aborts the exchange and
 *       closes the connection;
 *   <li>so does {@code cancel(true)} on a future derived from it by its own methods ({@code
 *       thenApply}, {@code handle}, ...): the client's futures pass the cancel on to the exchange;
 *   <li>{@code cancel(false)} on it completes that future only: the exchange goes on, and the
 *       service keeps the request until the request timeout; so does {@code cancel(true)} on a
 *       future outside the client's chain (a plain {@code CompletableFuture} completed from it).
 * </ul>
 *
 * Each of these is one test below, so a JDK that behaves otherwise fails the test that says so.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrencyCountingProxyTest {
    private static final String VOICE = "/voice";

    private CapacityLimitedService service;
    private ConcurrencyCountingProxy proxy;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, 4, Duration.ofMillis(300)))
                        .start();
        proxy = ConcurrencyCountingProxy.start(service.baseUri());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() {
        proxy.close();
        service.close();
    }

    private URI voice() {
        return URI.create(proxy.baseUri() + VOICE);
    }

    private static HttpRequest post(URI uri, Duration timeout) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"event_id\":\"e\"}"));
        if (timeout != null) {
            b.timeout(timeout);
        }
        return b.build();
    }

    private static void await(IntSupplier value, int expected, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (value.getAsInt() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void countsOutstandingRequestsPerPathPrefixAndTheirMaximum() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(client.sendAsync(post(voice(), null), HttpResponse.BodyHandlers.ofString()));
        }
        await(() -> proxy.outstanding(VOICE), 3, Duration.ofSeconds(5));
        assertThat(proxy.outstanding(VOICE)).isEqualTo(3);
        HttpResponse<String> chat =
                client.send(
                        post(URI.create(proxy.baseUri() + "/chat"), null),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).isEqualTo(200);
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get().statusCode()).isEqualTo(200);
            assertThat(call.get().body()).contains("processed");
        }
        assertThat(proxy.outstanding(VOICE)).isZero();
        assertThat(proxy.outstanding("/chat")).isZero();
        assertThat(proxy.maxOutstanding(VOICE)).isEqualTo(3);
        assertThat(proxy.maxOutstanding("/chat")).isEqualTo(1);
        assertThat(proxy.maxOutstanding()).isEqualTo(4);
        assertThat(proxy.requests(VOICE)).isEqualTo(3);
        assertThat(proxy.abandoned(VOICE)).isZero();

        // keep-alive: the next request on a reused connection counts again
        client.send(post(voice(), null), HttpResponse.BodyHandlers.ofString());
        assertThat(proxy.requests(VOICE)).isEqualTo(4);
        assertThat(proxy.outstanding(VOICE)).isZero();

        proxy.resetMax();
        assertThat(proxy.maxOutstanding(VOICE)).isZero();
        assertThat(proxy.maxOutstanding()).isZero();
    }

    @Test
    void aRequestTimeoutClosesTheConnection() throws Exception {
        service.hang(Channel.VOICE, Duration.ofSeconds(30));
        long start = System.nanoTime();
        assertThatThrownBy(
                        () ->
                                client.send(
                                        post(voice(), Duration.ofMillis(500)),
                                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        await(() -> proxy.outstanding(VOICE), 0, Duration.ofSeconds(5));
        assertThat(proxy.outstanding(VOICE))
                .as("the timed-out request is no longer outstanding")
                .isZero();
        assertThat(proxy.abandoned(VOICE)).as("the client closed the connection").isEqualTo(1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        assertThat(service.hangingNow(Channel.VOICE))
                .as("the service itself cannot see it: its handler still holds the request")
                .isEqualTo(1);
    }

    @Test
    void cancellingTheSendAsyncFutureWithInterruptClosesTheConnection() throws Exception {
        service.hang(Channel.VOICE, Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> call =
                client.sendAsync(
                        post(voice(), Duration.ofSeconds(20)),
                        HttpResponse.BodyHandlers.ofString());
        await(() -> proxy.outstanding(VOICE), 1, Duration.ofSeconds(5));
        assertThat(proxy.outstanding(VOICE)).isEqualTo(1);

        assertThat(call.cancel(true)).isTrue();
        await(() -> proxy.outstanding(VOICE), 0, Duration.ofSeconds(5));
        assertThat(proxy.outstanding(VOICE))
                .as("cancel(true) on sendAsync's own future aborts the exchange")
                .isZero();
        assertThat(proxy.abandoned(VOICE)).isEqualTo(1);
    }

    @Test
    void cancellingWithoutInterruptLeavesTheExchangeRunningUntilItsTimeout() throws Exception {
        service.hang(Channel.VOICE, Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> call =
                client.sendAsync(
                        post(voice(), Duration.ofSeconds(3)), HttpResponse.BodyHandlers.ofString());
        await(() -> proxy.outstanding(VOICE), 1, Duration.ofSeconds(5));
        long start = System.nanoTime();
        assertThat(call.cancel(false)).isTrue();
        Thread.sleep(1_000);
        assertThat(proxy.outstanding(VOICE))
                .as("cancel(false) completes the future only: the exchange goes on")
                .isEqualTo(1);

        await(() -> proxy.outstanding(VOICE), 0, Duration.ofSeconds(10));
        assertThat(proxy.outstanding(VOICE)).as("the request timeout still ends it").isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(1_500);
    }

    @Test
    void cancellingAFutureDerivedFromSendAsyncWithInterruptClosesTheConnection() throws Exception {
        service.hang(Channel.VOICE, Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> source =
                client.sendAsync(
                        post(voice(), Duration.ofSeconds(20)),
                        HttpResponse.BodyHandlers.ofString());
        CompletableFuture<String> derived =
                source.thenApply(HttpResponse::body).handle((body, error) -> body);
        await(() -> proxy.outstanding(VOICE), 1, Duration.ofSeconds(5));
        assertThat(derived.cancel(true)).isTrue();
        await(() -> proxy.outstanding(VOICE), 0, Duration.ofSeconds(5));
        assertThat(proxy.outstanding(VOICE))
                .as("the client's futures (thenApply, handle) pass cancel(true) to the exchange")
                .isZero();
        await(() -> source.isDone() ? 1 : 0, 1, Duration.ofSeconds(5)); // completed after the close
        assertThat(source).isCompletedExceptionally();
    }

    @Test
    void aFutureOutsideTheClientsChainCancelsNothing() throws Exception {
        service.hang(Channel.VOICE, Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> source =
                client.sendAsync(
                        post(voice(), Duration.ofSeconds(3)), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> mine = new CompletableFuture<>();
        source.whenComplete(
                (r, e) -> {
                    if (e != null) {
                        mine.completeExceptionally(e);
                    } else {
                        mine.complete(r);
                    }
                });
        await(() -> proxy.outstanding(VOICE), 1, Duration.ofSeconds(5));
        assertThat(mine.cancel(true)).isTrue();
        Thread.sleep(1_000);
        assertThat(proxy.outstanding(VOICE))
                .as("a plain CompletableFuture completed from the call does not reach it")
                .isEqualTo(1);
        assertThat(source).isNotDone();
        assertThatThrownBy(source::get)
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void closingTheProxyEndsItsConnections() throws Exception {
        service.hang(Channel.VOICE, Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> call =
                client.sendAsync(post(voice(), null), HttpResponse.BodyHandlers.ofString());
        await(() -> proxy.outstanding(VOICE), 1, Duration.ofSeconds(5));
        proxy.close();
        assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
        assertThat(proxy.outstanding(VOICE)).isZero();
        assertThat(proxy.openConnections()).isZero();
    }

    @Test
    void prefixIsTheFirstPathSegment() {
        assertThat(ConcurrencyCountingProxy.prefix("/voice")).isEqualTo("/voice");
        assertThat(ConcurrencyCountingProxy.prefix("/voice/x?y=1")).isEqualTo("/voice");
        assertThat(ConcurrencyCountingProxy.prefix("/chat?x=/y")).isEqualTo("/chat");
        assertThat(ConcurrencyCountingProxy.prefix("http://h:1/image/a")).isEqualTo("/image");
        assertThat(ConcurrencyCountingProxy.prefix("/")).isEqualTo("/");
    }
}
