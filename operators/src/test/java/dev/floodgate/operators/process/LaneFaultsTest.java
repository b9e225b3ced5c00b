package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.HIGH;
import static dev.floodgate.model.Priority.LOW;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lanes under the faults production brings: a breaker whose probe was never called, answers of
 * calls that started before the circuit opened, a probe lost in a hang, failed calls in the latency
 * estimate, one loud customer, a service that rejects its credentials, retries while the circuit is
 * open. Each test failed on the code before issue 34.
 */
class LaneFaultsTest {
    private static final long T0 = LanesHarness.T0;
    private LanesHarness h;

    /** Sheds every {@code low} event as {@code predicted_wait}, admits the rest. */
    private static final AdmissionPolicy SHEDS_LOW =
            group -> (event, now, lane) -> event.priority == LOW ? ShedReason.PREDICTED_WAIT : null;

    private LanesHarness open(LanesConfig config, AdmissionPolicy admission) throws Exception {
        h = new LanesHarness(new ManualProcessor(), config, admission);
        return h;
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private void openTheVoiceCircuit() throws Exception {
        h.send("a", 1, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        h.fail("a-1", new IOException("refused"));
        h.fail("b-1", new IOException("refused"));
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isTrue();
    }

    private List<String> shedIds(ShedReason reason) {
        return h.shed().stream()
                .filter(s -> s.reason == reason)
                .map(s -> s.event.eventId)
                .collect(Collectors.toList());
    }

    @Test
    void anEventAdmissionShedsIsNoProbeSoHighIsCalledAfterIt() throws Exception {
        open(
                LanesHarness.noRetries(LanesConfig.defaults())
                        .withCircuit(2, Duration.ofSeconds(10)),
                SHEDS_LOW);
        openTheVoiceCircuit();
        h.harness.setProcessingTime(T0 + 10_000);
        h.send("first", 1, VOICE, LOW); // shed by admission: it is not called
        h.send("vip", 1, VOICE, HIGH);
        assertThat(shedIds(ShedReason.PREDICTED_WAIT)).containsExactly("first-1");
        assertThat(h.processor.started()).as("vip-1 is the probe").containsExactly("vip-1");
        h.succeed("vip-1");
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isFalse();
        h.send("vip", 2, VOICE, HIGH);
        assertThat(h.outputIds()).containsExactly("vip-1");
        assertThat(h.processor.started()).containsExactly("vip-2");
        assertThat(shedIds(ShedReason.CIRCUIT_OPEN)).isEmpty();
    }

    @Test
    void callsStartedBeforeTheCircuitOpenedAreNotTheProbesAnswer() throws Exception {
        open(
                LanesHarness.noRetries(LanesConfig.defaults())
                        .withCircuit(2, Duration.ofSeconds(10)),
                AdmissionPolicy.admitAll());
        h.send("old", 1, VOICE, NORMAL); // in flight through the outage
        openTheVoiceCircuit();
        h.harness.setProcessingTime(T0 + 10_000);
        h.send("probe", 1, VOICE, NORMAL);
        assertThat(h.processor.started()).containsExactly("old-1", "probe-1");
        h.succeed("old-1");
        assertThat(h.operator().lane(VOICE).circuit.isOpen())
                .as("old-1 started before the circuit opened")
                .isTrue();
        h.fail("probe-1", new IOException("still refused"));
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isTrue();
        assertThat(h.outputIds()).containsExactly("old-1");
    }

    @Test
    void aProbeLostInAHangIsCalledAgainAndTheCircuitClosesWithinTwoOpenPeriods() throws Exception {
        open(
                LanesHarness.noRetries(LanesConfig.defaults())
                        .withCircuit(2, Duration.ofSeconds(10)),
                AdmissionPolicy.admitAll());
        openTheVoiceCircuit(); // at T0: open until T0 + 10 s
        h.harness.setProcessingTime(T0 + 10_000);
        h.send("lost", 1, VOICE, NORMAL); // the probe; the service hangs: no answer ever
        long healthyFrom = T0 + 12_000;
        long closedAt = -1;
        int seq = 0;
        for (long t = T0 + 10_100; t <= healthyFrom + 40_000 && closedAt < 0; t += 100) {
            h.harness.setProcessingTime(t);
            h.send("c" + seq, 1, VOICE, HIGH);
            if (t >= healthyFrom) {
                for (String id : h.processor.started()) {
                    if (!id.equals("lost-1")) {
                        h.succeed(id);
                    }
                }
            }
            if (!h.operator().lane(VOICE).circuit.isOpen()) {
                closedAt = t;
            }
            seq++;
        }
        assertThat(closedAt).as("closed").isPositive();
        assertThat(closedAt - healthyFrom)
                .as("closed within two open periods of the service being healthy")
                .isLessThanOrEqualTo(20_000);
    }

    @Test
    void failedCallsStayOutOfTheLatencyEstimate() throws Exception {
        open(LanesHarness.noRetries(LanesConfig.defaults()), AdmissionPolicy.admitAll());
        long t = T0;
        for (int i = 1; i <= 6; i++) { // the first, cold call is left out of the estimate
            h.send("a", i, VOICE, NORMAL);
            t += 200;
            h.harness.setProcessingTime(t);
            h.succeed("a-" + i);
        }
        double before = h.operator().lane(VOICE).latencyMillis();
        h.send("b", 1, VOICE, NORMAL);
        h.harness.setProcessingTime(t + 60_000); // a hang that ends in a timeout
        h.fail("b-1", new java.util.concurrent.TimeoutException("processing timed out"));
        assertThat(before).isEqualTo(200);
        assertThat(h.operator().lane(VOICE).latencyMillis()).isEqualTo(before);
    }

    @Test
    void aServiceThatRejectsItsCredentialsShedsAndOpensTheCircuitButANamedEventIsADeadLetter()
            throws Exception {
        open(
                LanesConfig.defaults().withCircuit(2, Duration.ofSeconds(10)),
                AdmissionPolicy.admitAll());
        h.send("a", 1, VOICE, HIGH);
        h.send("b", 1, VOICE, NORMAL);
        h.send("c", 1, CHAT, NORMAL);
        h.fail("a-1", ProcessingException.ofHttpStatus(401, "HTTP 401: token expired"));
        h.fail("b-1", ProcessingException.ofHttpStatus(403, "HTTP 403"));
        h.fail("c-1", ProcessingException.ofHttpStatus(422, "HTTP 422: unreadable body"));
        assertThat(h.processor.callLog()).as("not retried").containsExactly("a-1", "b-1", "c-1");
        assertThat(shedIds(ShedReason.SERVICE_UNAVAILABLE)).containsExactly("a-1", "b-1");
        assertThat(h.failed()).extracting(d -> d.eventId).containsExactly("c-1");
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isTrue();
        assertThat(h.operator().metrics().serviceRejectedCount(VOICE)).isEqualTo(2);
        h.send("d", 1, VOICE, HIGH);
        assertThat(shedIds(ShedReason.CIRCUIT_OPEN)).containsExactly("d-1");
    }

    @Test
    void callsInFlightAreNotRetriedOnceTheCircuitIsOpen() throws Exception {
        LanesConfig withRetries =
                LanesConfig.defaults()
                        .withCircuit(2, Duration.ofSeconds(10))
                        .withProcessing(
                                LanesConfig.defaults()
                                        .processing()
                                        .withRetries(
                                                3, Duration.ofMillis(100), Duration.ofMillis(100)));
        open(withRetries, AdmissionPolicy.admitAll());
        h.send("a", 1, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        h.fail("a-1", new IOException("refused"));
        h.fail("b-1", new IOException("refused"));
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isTrue();
        // past the backoff a retry would have started; the outcomes come from the retry thread
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        do {
            Thread.sleep(50);
            h.runMails();
        } while (h.operator().pending() > 0 && System.nanoTime() - deadline < 0);
        Thread.sleep(200); // and a retry that would come after them would have shown by now
        h.runMails();
        assertThat(h.processor.callLog()).containsExactly("a-1", "b-1");
        assertThat(shedIds(ShedReason.SERVICE_UNAVAILABLE)).containsExactlyInAnyOrder("a-1", "b-1");
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void oneLoudCustomerIsBoundedInItsLaneAndNeverStopsTheInput() throws Exception {
        open(
                LanesConfig.defaults()
                        .withMaxInFlight(VOICE, 1)
                        .withMaxQueued(4)
                        .withMaxQueuedPerCustomer(3),
                AdmissionPolicy.admitAll());
        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> {
                    for (int seq = 1; seq <= 10; seq++) {
                        h.send("loud", seq, VOICE, HIGH);
                    }
                    h.send("quiet", 1, VOICE, HIGH);
                    h.send("chatty", 1, CHAT, NORMAL);
                });
        assertThat(shedIds(ShedReason.CUSTOMER_BACKLOG))
                .containsExactly(
                        "loud-4", "loud-5", "loud-6", "loud-7", "loud-8", "loud-9", "loud-10");
        assertThat(h.shed())
                .extracting(ShedEvent::toString)
                .allSatisfy(s -> assertThat(s).contains("loud"));
        h.succeed("chatty-1");
        h.succeed("loud-1");
        assertThat(h.processor.started())
                .as("quiet-1 went first, loud-2 waits")
                .containsExactly("quiet-1");
        h.succeed("quiet-1");
        h.succeed("loud-2");
        h.succeed("loud-3");
        h.send("loud", 11, VOICE, HIGH); // its backlog is gone: admitted again
        h.succeed("loud-11");
        assertThat(h.outputIds())
                .containsExactly("chatty-1", "loud-1", "quiet-1", "loud-2", "loud-3", "loud-11");
        assertThat(h.operator().pending()).isZero();
    }
}
