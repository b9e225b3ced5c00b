package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testing.ShedEvents;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The backfill's fixed header ({@link RequestHeader}, {@link HttpEventProcessor#withHeader}) and
 * the "not now" answers ({@link ProcessingException#congestion()}, with the Retry-After), against
 * the real priority-honouring service.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PriorityHeaderTest {

    @Test
    void everyCallCarriesTheHeaderAndA429WithRetryAfterIsCongestion() throws Exception {
        // a service that refuses every low-urgency request (none may wait), Retry-After 2 s
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.VOICE, 1, Duration.ofMillis(5))
                        .honourPriority()
                        .lowUrgencyQueueLimit(0, Duration.ofMillis(1_500));
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            HttpEventProcessor plain =
                    HttpEventProcessor.forBaseUri(service.baseUri(), Duration.ofSeconds(5), "v1");
            HttpEventProcessor low = plain.withHeader(RequestHeader.parse("Priority: u=7"));
            assertThat(plain.headers()).isEmpty();
            assertThat(low.headers()).containsExactly(new RequestHeader("Priority", "u=7"));
            plain.open();
            low.open();
            try {
                Interaction e = ShedEvents.event("c", 1, Channel.VOICE, Priority.LOW, 1000);
                assertThat(plain.process(e).get()).contains("processed");
                assertThatThrownBy(() -> low.process(e).get())
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOfSatisfying(
                                ProcessingException.class,
                                pe -> {
                                    assertThat(pe.status()).isEqualTo(429);
                                    assertThat(pe.congestion()).isTrue();
                                    assertThat(pe.retryAfterMillis()).isEqualTo(2_000);
                                });
                assertThat(service.lowUrgencyRefused(Channel.VOICE)).isEqualTo(1);
                assertThat(service.calls(Channel.VOICE)).isEqualTo(1);
            } finally {
                plain.close();
                low.close();
            }
        }
    }

    @Test
    void an503WithoutRetryAfterIsAnOutageNotCongestion() throws Exception {
        try (CapacityLimitedService service =
                new CapacityLimitedService(ServiceOptions.defaults()).start()) {
            service.outage(Channel.CHAT, Duration.ofSeconds(30));
            HttpEventProcessor p =
                    HttpEventProcessor.forBaseUri(service.baseUri(), Duration.ofSeconds(5), "v1")
                            .withHeader(RequestHeader.parse("Priority: u=7"));
            p.open();
            try {
                assertThatThrownBy(() -> p.process(ShedEvents.chat("c", 1, "hi", 1000)).get())
                        .cause()
                        .isInstanceOfSatisfying(
                                ProcessingException.class,
                                pe -> {
                                    assertThat(pe.status()).isEqualTo(503);
                                    assertThat(pe.retryAfterMillis()).isEqualTo(-1);
                                    assertThat(pe.congestion()).isFalse();
                                });
            } finally {
                p.close();
            }
        }
        assertThat(ProcessingException.ofHttpStatus(503, "x", 1_000).congestion()).isTrue();
        assertThat(ProcessingException.ofHttpStatus(429, "x").congestion()).isTrue();
        assertThat(ProcessingException.ofHttpStatus(500, "x", 1_000).congestion()).isFalse();
    }

    @Test
    void aHeaderLineIsCheckedAndNeverQuotedInItsProblem() {
        assertThat(RequestHeader.parse(" Priority :  u=7, i "))
                .isEqualTo(new RequestHeader("Priority", "u=7, i"));
        String secret = "Bearer s3cr3t-t0ken";
        for (String bad :
                new String[] {
                    "Authorization: " + secret,
                    "proxy-authorization: " + secret,
                    "Cookie: " + secret,
                    "Priority " + secret,
                    "Pri ority: " + secret,
                    "Content-Type: " + secret,
                    "Priority: " + secret + "\r\nX: y",
                    "Priority: " + secret + "\u00e9",
                    "Priority:",
                    ": " + secret
                }) {
            assertThatThrownBy(() -> RequestHeader.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .message()
                    .doesNotContain("s3cr3t");
        }
        assertThat(new RequestHeader("Priority", "u=7").toString()).doesNotContain("u=7");
    }

    @Test
    void theHeaderCannotBeTheCredentials() {
        HttpEventProcessor withAuth =
                HttpEventProcessor.forBaseUri(
                        java.net.URI.create("https://example.invalid"),
                        Duration.ofSeconds(1),
                        "v1",
                        ServiceTls.jvmDefault(),
                        ServiceAuth.header("X-Service-Token", SecretReference.of("${env:NOPE}")));
        assertThatThrownBy(() -> withAuth.withHeader(new RequestHeader("x-service-token", "u=7")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credential");
    }
}
