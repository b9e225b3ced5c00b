package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testing.ShedEvents;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpEventProcessorTest {
    private static CapacityLimitedService service;

    @BeforeAll
    static void startService() throws Exception {
        service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, 2, Duration.ofMillis(10))
                                        .channel(Channel.CHAT, 2, Duration.ZERO)
                                        .channel(Channel.IMAGE, 1, Duration.ofSeconds(3))
                                        .failWhenBodyContains("FAIL-ME"))
                        .start();
    }

    @AfterAll
    static void stopService() {
        service.close();
    }

    private static HttpEventProcessor opened(Duration timeout) {
        HttpEventProcessor p = HttpEventProcessor.forBaseUri(service.baseUri(), timeout, "v7");
        p.open();
        return p;
    }

    @Test
    void postsTheEventAndReturnsTheResponseBody() throws Exception {
        HttpEventProcessor processor = opened(Duration.ofSeconds(5));
        try {
            Interaction voice = ShedEvents.event("c1", 3, Channel.VOICE, Priority.LOW, 1000);
            String result = processor.process(voice).get();

            assertThat(result).contains("\"event_id\":\"c1-3\"").contains("\"channel\":\"voice\"");
            assertThat(processor.name()).isEqualTo("http-v7");
            assertThat(HttpEventProcessor.payload(voice).path("uri").asText()).isEqualTo(voice.uri);
            assertThat(HttpEventProcessor.payload(voice).has("body")).isFalse();
        } finally {
            processor.close();
        }
    }

    @Test
    void nonSuccessStatusFailsWithTheStatus() throws Exception {
        HttpEventProcessor processor = opened(Duration.ofSeconds(5));
        try {
            Interaction poison = ShedEvents.chat("c2", 1, "please FAIL-ME", 1000);
            assertThatThrownBy(() -> processor.process(poison).get())
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ProcessingException.class)
                    .hasMessage("HTTP 500 from the chat service: unavailable");
            try {
                processor.process(poison).get();
            } catch (ExecutionException e) {
                assertThat(((ProcessingException) e.getCause()).retryable()).isTrue();
                assertThat(((ProcessingException) e.getCause()).status()).isEqualTo(500);
            }
        } finally {
            processor.close();
        }
    }

    @Test
    void slowServiceTimesOut() throws Exception {
        HttpEventProcessor processor = opened(Duration.ofMillis(200));
        try {
            long start = System.nanoTime();
            Interaction image = ShedEvents.event("c3", 1, Channel.IMAGE, Priority.NORMAL, 1000);
            assertThatThrownBy(() -> processor.process(image).get())
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(HttpTimeoutException.class);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2500);
        } finally {
            processor.close();
        }
    }

    @Test
    void channelWithoutEndpointFailsWithoutCallingAnything() throws Exception {
        HttpEventProcessor processor =
                new HttpEventProcessor(
                        Map.of(Channel.VOICE, URI.create(service.baseUri() + "/voice")),
                        Duration.ofSeconds(1),
                        "v1");
        processor.open();
        try {
            Interaction chat = ShedEvents.chat("c4", 1, "hi", 1000);
            assertThat(processor.process(chat))
                    .failsWithin(Duration.ofSeconds(1))
                    .withThrowableOfType(ExecutionException.class)
                    .withMessageContaining("no endpoint configured for channel CHAT");
        } finally {
            processor.close();
        }
    }

    @Test
    void onlyAnAnswerThatNamesTheEventIsTheEventsFailure() {
        for (int status : new int[] {400, 413, 422}) {
            assertThat(ProcessingException.ofHttpStatus(status, "x").kind())
                    .as("HTTP %d", status)
                    .isEqualTo(ProcessingException.Kind.EVENT);
        }
        for (int status : new int[] {301, 302, 307, 401, 403, 404, 405, 409, 410, 415}) {
            assertThat(ProcessingException.ofHttpStatus(status, "x").kind())
                    .as("HTTP %d: the service's, not the event's", status)
                    .isEqualTo(ProcessingException.Kind.SERVICE);
        }
        for (int status : new int[] {408, 429, 500, 502, 503, 504}) {
            assertThat(ProcessingException.ofHttpStatus(status, "x").retryable())
                    .as("HTTP %d", status)
                    .isTrue();
        }
    }

    /**
     * A service that reads the request and never answers: cancelling the call, and a request
     * timeout, each close the connection (the server reads end of stream), so the service stops
     * working for a call nobody waits for.
     */
    @Test
    void aCancelledCallAndATimedOutOneCloseTheirConnection() throws Exception {
        try (java.net.ServerSocket hanging =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            URI base = URI.create("http://127.0.0.1:" + hanging.getLocalPort());
            HttpEventProcessor processor =
                    HttpEventProcessor.forBaseUri(base, Duration.ofMillis(500), "v1");
            processor.open();
            try {
                var cancelled =
                        processor.process(
                                ShedEvents.event("c1", 1, Channel.VOICE, Priority.LOW, 1));
                try (java.net.Socket first = hanging.accept()) {
                    readRequest(first);
                    cancelled.cancel(true);
                    assertThat(readsEndOfStream(first)).as("closed on cancel").isTrue();
                }
                var timedOut =
                        processor.process(
                                ShedEvents.event("c1", 2, Channel.VOICE, Priority.LOW, 1));
                try (java.net.Socket second = hanging.accept()) {
                    readRequest(second);
                    assertThat(timedOut)
                            .failsWithin(Duration.ofSeconds(5))
                            .withThrowableOfType(ExecutionException.class)
                            .withCauseInstanceOf(HttpTimeoutException.class);
                    assertThat(readsEndOfStream(second)).as("closed on timeout").isTrue();
                }
            } finally {
                processor.close();
            }
        }
    }

    private static void readRequest(java.net.Socket s) throws Exception {
        s.setSoTimeout(5_000);
        var in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().contains("\r\n\r\n")) {
            head.append((char) in.read());
        }
    }

    /** Waits up to 5 s for the client to close; false if it keeps the connection open. */
    private static boolean readsEndOfStream(java.net.Socket s) throws Exception {
        s.setSoTimeout(5_000);
        var in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }
}
