package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.Interaction;
import dev.floodgate.testing.ShedEvents;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The processing service's response is bounded: a 10 MB answer (streamed, or announced by its
 * Content-Length) fails the call as a permanent error after at most 1 MiB is read, so the event
 * becomes a dead letter instead of a result no sink can write; so does a smaller answer whose
 * processed record would not fit. A large error body is cut and its status still decides.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpResponseLimitTest {
    private static final int TEN_MB = 10_000_000;
    private static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/chat", HttpResponseLimitTest::answer);
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    /** The event's body names the answer: {@code stream}, {@code sized}, {@code quotes}, ... */
    private static void answer(HttpExchange exchange) throws IOException {
        String request =
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try (exchange) {
            if (request.contains("stream-10mb")) {
                send(exchange, 200, 0, TEN_MB, (byte) 'x'); // chunked: no length announced
            } else if (request.contains("sized-10mb")) {
                send(exchange, 200, TEN_MB, TEN_MB, (byte) 'x');
            } else if (request.contains("error-10mb")) {
                send(exchange, 503, 0, TEN_MB, (byte) 'e');
            } else if (request.contains("quotes-900kb")) {
                // within the read bound, but 6 bytes a character escaped in the result
                send(exchange, 200, 900_000, 900_000, (byte) 1);
            } else {
                send(exchange, 200, 0, 2, (byte) 'k');
            }
        } catch (IOException e) {
            // the client stopped reading: expected for the large answers
        }
    }

    private static void send(HttpExchange exchange, int status, long length, int bytes, byte b)
            throws IOException {
        exchange.sendResponseHeaders(status, length);
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, b);
        try (OutputStream out = exchange.getResponseBody()) {
            for (int n = 0; n < bytes; n += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, bytes - n));
            }
        }
    }

    private static HttpEventProcessor opened() {
        HttpEventProcessor p =
                HttpEventProcessor.forBaseUri(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                        Duration.ofSeconds(20),
                        "v1");
        p.open();
        return p;
    }

    private static Interaction chat(String body) {
        return ShedEvents.chat("c1", 1, body, 1000);
    }

    @Test
    void aSmallAnswerIsTheResult() throws Exception {
        HttpEventProcessor p = opened();
        try {
            assertThat(p.process(chat("hello")).get()).isEqualTo("kk");
        } finally {
            p.close();
        }
    }

    @Test
    void aTenMegabyteAnswerIsAPermanentFailureWhetherStreamedOrAnnounced() {
        HttpEventProcessor p = opened();
        try {
            for (String kind : new String[] {"stream-10mb", "sized-10mb"}) {
                assertThatThrownBy(() -> p.process(chat(kind)).get())
                        .as(kind)
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(ProcessingException.class)
                        .hasMessageContaining("at most " + RecordLimits.MAX_RESPONSE_BYTES)
                        .satisfies(
                                e ->
                                        assertThat(ProcessEvents.isPermanent(e))
                                                .as("a dead letter at once, no retries")
                                                .isTrue());
            }
        } finally {
            p.close();
        }
    }

    @Test
    void aResultThatWouldNotFitAProcessedRecordIsAPermanentFailure() {
        HttpEventProcessor p = opened();
        try {
            assertThatThrownBy(() -> p.process(chat("quotes-900kb")).get())
                    .cause()
                    .isInstanceOf(ProcessingException.class)
                    .hasMessageContaining("does not fit a processed record")
                    .satisfies(e -> assertThat(ProcessEvents.isPermanent(e)).isTrue());
        } finally {
            p.close();
        }
    }

    @Test
    void aLargeErrorBodyIsCutAndItsStatusDecides() {
        HttpEventProcessor p = opened();
        try {
            assertThatThrownBy(() -> p.process(chat("error-10mb")).get())
                    .cause()
                    .isInstanceOf(ProcessingException.class)
                    .hasMessageContaining("HTTP 503")
                    .satisfies(
                            e -> {
                                assertThat(((ProcessingException) e).retryable()).isTrue();
                                assertThat(e.getMessage()).hasSizeLessThan(400);
                            });
        } finally {
            p.close();
        }
    }

    @Test
    void theCharsetOfTheContentTypeIsUsed() {
        assertThat(HttpEventProcessor.BoundedBody.charset("text/plain; charset=ISO-8859-1"))
                .isEqualTo(StandardCharsets.ISO_8859_1);
        assertThat(HttpEventProcessor.BoundedBody.charset("application/json"))
                .isEqualTo(StandardCharsets.UTF_8);
        assertThat(HttpEventProcessor.BoundedBody.charset("text/plain; charset=\"nonsense\""))
                .isEqualTo(StandardCharsets.UTF_8);
    }
}
