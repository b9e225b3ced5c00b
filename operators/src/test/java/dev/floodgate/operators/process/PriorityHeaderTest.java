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
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

    /**
     * The live job's urgent calls ({@code --high-priority-header}): the header on those only, in
     * place of a fixed one of the same name; batched, in requests of their own.
     */
    @Test
    void onlyUrgentCallsCarryTheUrgentHeaderBatchedOrNot() throws Exception {
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.VOICE, 4, Duration.ofMillis(5))
                        .honourPriority();
        RequestHeader urgent = RequestHeader.parse("Priority: u=1");
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            HttpEventProcessor base =
                    HttpEventProcessor.forBaseUri(service.baseUri(), Duration.ofSeconds(5), "v1");
            List<HttpEventProcessor> processors =
                    List.of(
                            base.withUrgentHeader(urgent),
                            // a fixed header of the same name gives way on urgent calls
                            base.withHeader(RequestHeader.parse("Priority: u=5"))
                                    .withUrgentHeader(urgent),
                            base.withUrgentHeader(urgent).batching(8, 1));
            for (int n = 0; n < processors.size(); n++) {
                HttpEventProcessor p = processors.get(n);
                assertThat(p.urgentHeader()).hasValue(urgent);
                long high0 = service.highUrgencyCalls(Channel.VOICE);
                long calls0 = service.calls(Channel.VOICE);
                long batches0 = service.batchRequests(Channel.VOICE);
                p.open();
                try {
                    List<CompletableFuture<String>> calls = new java.util.ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        Interaction e =
                                ShedEvents.event("c" + i, 1, Channel.VOICE, Priority.HIGH, 1000);
                        calls.add(i % 2 == 0 ? p.process(e, true) : p.process(e, false));
                    }
                    calls.add(
                            p.process(
                                    ShedEvents.event("d", 1, Channel.VOICE, Priority.HIGH, 1000)));
                    for (CompletableFuture<String> c : calls) {
                        assertThat(c.get()).contains("processed");
                    }
                } finally {
                    p.close();
                }
                assertThat(service.calls(Channel.VOICE) - calls0).isEqualTo(7);
                // the separation: each request has one urgency at the service, so a shared
                // request would count its urgent items as normal or the others as urgent
                assertThat(service.highUrgencyCalls(Channel.VOICE) - high0)
                        .as("three urgent calls; a high event called without urgency is not one")
                        .isEqualTo(3);
                long batches = service.batchRequests(Channel.VOICE) - batches0;
                if (n < 2) {
                    assertThat(batches).as("one request per event").isZero();
                } else {
                    assertThat(batches).as("every call went to /batch").isPositive();
                }
            }
            assertThat(service.lowUrgencyCalls(Channel.VOICE))
                    .as("the fixed u=5 went on the non-urgent calls of the second processor")
                    .isEqualTo(4);
            // without the urgent header an urgent call is like any other
            base.open();
            try {
                long high0 = service.highUrgencyCalls(Channel.VOICE);
                base.process(ShedEvents.event("e", 1, Channel.VOICE, Priority.HIGH, 1000), true)
                        .get();
                assertThat(service.highUrgencyCalls(Channel.VOICE)).isEqualTo(high0);
            } finally {
                base.close();
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
