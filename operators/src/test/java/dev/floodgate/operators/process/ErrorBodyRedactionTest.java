package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.testing.ShedEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A processing service that answers an error with the request echoed (customer text) puts none of
 * it into the failure's message, the dead letter's error, the shed record's detail or the logs: a
 * status, the channel and a fixed reason only, and never the endpoint's URL.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ErrorBodyRedactionTest {
    private static final String CUSTOMER_TEXT = "my card is 4111-1111-1111-1111 CUSTOMER-SECRET";
    private static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/svc/chat", ErrorBodyRedactionTest::echo);
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    /** Answers with the status the body names ({@code status=500}) and the request echoed. */
    private static void echo(HttpExchange exchange) throws IOException {
        byte[] request = exchange.getRequestBody().readAllBytes();
        String text = new String(request, StandardCharsets.UTF_8);
        int status = Integer.parseInt(text.replaceAll("(?s).*status=(\\d{3}).*", "$1"));
        byte[] answer =
                ("{\"error\":\"cannot process\",\"request\":" + text + "}")
                        .getBytes(StandardCharsets.UTF_8);
        try (exchange) {
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    private static URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/svc");
    }

    /** The failure of one call of an event whose body makes the service answer {@code status}. */
    private static ProcessingException failureOf(int status) throws Exception {
        HttpEventProcessor processor =
                HttpEventProcessor.forBaseUri(base(), Duration.ofSeconds(5), "v1");
        processor.open();
        try {
            Interaction e = ShedEvents.chat("cust-9", 1, CUSTOMER_TEXT + " status=" + status, 1000);
            processor.process(e).get();
            throw new AssertionError("the call succeeded");
        } catch (ExecutionException e) {
            return (ProcessingException) e.getCause();
        } finally {
            processor.close();
        }
    }

    private static void assertClean(String text) {
        assertThat(text)
                .doesNotContain("CUSTOMER-SECRET")
                .doesNotContain("4111")
                .doesNotContain("cannot process")
                .doesNotContain("127.0.0.1")
                .doesNotContain("http://")
                .doesNotContain("/svc");
    }

    @Test
    void anErrorAnswerIsItsStatusAndAFixedReason() throws Exception {
        ProcessingException unavailable = failureOf(500);
        assertThat(unavailable.getMessage())
                .isEqualTo("HTTP 500 from the chat service: unavailable");
        assertThat(unavailable.kind()).isEqualTo(ProcessingException.Kind.TRANSIENT);

        ProcessingException rejected = failureOf(422);
        assertThat(rejected.getMessage())
                .isEqualTo("HTTP 422 from the chat service: rejected the event");
        assertThat(rejected.kind()).isEqualTo(ProcessingException.Kind.EVENT);

        ProcessingException refused = failureOf(401);
        assertThat(refused.getMessage())
                .isEqualTo(
                        "HTTP 401 from the chat service: refused the call (credential or address)");

        for (ProcessingException e : new ProcessingException[] {unavailable, rejected, refused}) {
            assertClean(e.getMessage());
            assertClean(ProcessEvents.describe(e));
            DeadLetter d = ProcessEvents.deadLetter(ShedEvents.chat("c", 1, "x", 1), e, 1);
            assertClean(d.error);
        }
    }

    @Test
    void noCustomerTextReachesTheDeadLetterTheShedDetailOrTheLogs() throws Exception {
        ProcessingException unavailable = failureOf(500);
        ProcessingException rejected = failureOf(422);
        StringBuffer logs = new StringBuffer();
        AbstractAppender appender =
                new AbstractAppender("redaction-test", null, null, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        logs.append(event.getMessage().getFormattedMessage()).append('\n');
                    }
                };
        appender.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        ctx.updateLoggers();
        try (LanesHarness h =
                new LanesHarness(
                        new ManualProcessor(),
                        LanesHarness.noRetries(LanesConfig.defaults())
                                .withCircuit(1, Duration.ofSeconds(10)),
                        AdmissionPolicy.admitAll())) {
            h.send("b", 1, CHAT, NORMAL);
            h.fail("b-1", rejected);
            h.send("a", 1, CHAT, NORMAL);
            h.fail("a-1", unavailable); // opens the circuit: a WARN line names the last failure

            assertThat(h.failed()).hasSize(1);
            assertThat(h.failed().get(0).error)
                    .isEqualTo(
                            "ProcessingException: HTTP 422 from the chat service: rejected the event");
            assertThat(h.shed()).extracting(s -> s.reason).contains(ShedReason.SERVICE_UNAVAILABLE);
            assertThat(h.shed().get(0).detail)
                    .isEqualTo("ProcessingException: HTTP 500 from the chat service: unavailable");
            assertClean(h.failed().get(0).error);
            h.shed().forEach(s -> assertClean(String.valueOf(s.detail)));
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
            ctx.updateLoggers();
            appender.stop();
        }
        assertThat(logs.toString()).contains("HTTP 500 from the chat service: unavailable");
        assertClean(logs.toString());
    }

    @Test
    void aTransportMessageLosesItsUrlsAndAnEndpointForALogItsCredentials() {
        assertThat(
                        ProcessEvents.describe(
                                new IOException(
                                        "cannot reach https://user:pw@svc.example:8443/x?token=t1")))
                .isEqualTo("IOException: cannot reach <url>");
        assertThat(SafeText.withoutUrls("x".repeat(500))).hasSize(SafeText.MAX_MESSAGE_CHARS + 3);
        assertThat(SafeText.endpoint(URI.create("https://user:pw@svc.example:8443/x?token=t1#f")))
                .isEqualTo("https://svc.example:8443/x");
    }
}
