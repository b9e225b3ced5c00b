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
                    .hasMessageContaining("HTTP 500")
                    .hasMessageContaining("/chat");
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
    void clientErrorsAreNotRetryableServerErrorsAre() {
        assertThat(ProcessingException.ofHttpStatus(400, "bad").retryable()).isFalse();
        assertThat(ProcessingException.ofHttpStatus(404, "gone").retryable()).isFalse();
        assertThat(ProcessingException.ofHttpStatus(429, "slow down").retryable()).isTrue();
        assertThat(ProcessingException.ofHttpStatus(503, "busy").retryable()).isTrue();
    }
}
