package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.HIGH;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backfill's lanes ({@link ProcessingConfig#requeueOnCongestion}) take a 429 as "not now": the
 * event stays at the head of its customer's queue, is called again after the Retry-After or a
 * backoff, and is emitted exactly once, in order; it is never shed or dead-lettered for it, the
 * circuit never hears of it, and the lane's limit backs off. Without the flag (the live job) a 429
 * is a transient failure as before.
 */
class CongestionRequeueTest {
    private LanesHarness h;

    private static ProcessingException tooMany(long retryAfterMillis) {
        return ProcessingException.ofHttpStatus(
                429, "HTTP 429 from the voice service: unavailable", retryAfterMillis);
    }

    private static LanesConfig backfill(LanesConfig c) {
        return c.withProcessing(c.processing().withRequeueOnCongestion(true));
    }

    private void open(LanesConfig config) throws Exception {
        h = new LanesHarness(new ManualProcessor(), config, AdmissionPolicy.admitAll());
    }

    private void advance(long millis) throws Exception {
        h.harness.setProcessingTime(h.harness.getProcessingTime() + millis);
        h.runMails();
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void a429WithRetryAfterPutsTheEventBackAndItIsCalledAgainAfterIt() throws Exception {
        open(backfill(LanesConfig.defaults().withMaxInFlight(VOICE, 4)));
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, VOICE, NORMAL); // waits behind a-1
        h.send("b", 1, VOICE, NORMAL);
        assertThat(h.processor.started()).containsExactly("a-1", "b-1");

        h.fail("a-1", tooMany(2_000));
        assertThat(h.processor.started())
                .as("a-1 waits, a-2 still behind it")
                .containsExactly("b-1");
        assertThat(h.operator().lane(VOICE).queued).isEqualTo(2); // a-1 again, and a-2
        advance(1_999);
        assertThat(h.processor.started()).containsExactly("b-1");
        advance(1);
        assertThat(h.processor.started()).containsExactly("b-1", "a-1");

        h.succeed("b-1");
        h.succeed("a-1");
        h.succeed("a-2");
        assertThat(h.outputIds()).containsExactly("b-1", "a-1", "a-2");
        assertThat(h.processor.callLog()).containsExactly("a-1", "b-1", "a-1", "a-2");
        assertThat(h.shed()).isEmpty();
        assertThat(h.failed()).isEmpty();
        assertThat(h.operator().pending()).isZero();
        assertThat(h.operator().lane(VOICE).queued).isZero();
        assertThat(h.operator().lane(VOICE).inFlight).isZero();
    }

    @Test
    void a429StormNeitherShedsNorDeadLettersNorOpensTheCircuitAndEmitsOnce() throws Exception {
        // the live defaults' circuit (5 failures in a row) and 3 retries: a 429 counted as a
        // failure would open the circuit and shed, or give up after the retries
        open(backfill(LanesConfig.defaults().withMaxInFlight(VOICE, 2)));
        h.send("a", 1, VOICE, HIGH);
        h.send("a", 2, VOICE, NORMAL);
        for (int storm = 0; storm < 30; storm++) {
            assertThat(h.processor.started()).containsExactly("a-1");
            h.fail("a-1", tooMany(-1)); // no Retry-After: the backoff, at most 5 s
            assertThat(h.processor.started()).isEmpty();
            advance(5_000);
        }
        h.succeed("a-1");
        h.succeed("a-2");
        assertThat(h.outputIds()).containsExactly("a-1", "a-2");
        assertThat(h.processor.callLog()).filteredOn("a-1"::equals).hasSize(31);
        assertThat(h.operator().metrics().congestedCount(VOICE)).isEqualTo(30);
        assertThat(h.shed()).isEmpty();
        assertThat(h.failed()).isEmpty();
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isFalse();
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void theScavengerLimitBacksOffOn429() throws Exception {
        ScavengerLimit.Policy scavenger =
                new ScavengerLimit.Policy(
                        0.5, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(10));
        open(backfill(LanesConfig.defaults().withMaxInFlight(VOICE, 8).withLimitPolicy(scavenger)));
        ChannelLane lane = h.operator().lane(VOICE);
        h.send("a", 1, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        h.send("c", 1, VOICE, NORMAL);
        // a scavenger starts at one call: grow it on fast answers
        for (String id : new String[] {"a-1", "b-1"}) {
            advance(10);
            h.succeed(id);
        }
        int before = lane.currentLimit();
        h.fail("c-1", tooMany(3_000));
        assertThat(((ScavengerLimit) lane.limit).paused())
                .as("a Retry-After pauses the scavenger: before %s calls", before)
                .isTrue();
        h.send("d", 1, VOICE, NORMAL);
        assertThat(h.processor.started()).as("paused: nothing new starts").isEmpty();
        advance(3_000);
        assertThat(h.processor.started()).as("after the Retry-After: one call").hasSize(1);
        String first = h.processor.started().get(0);
        h.succeed(first);
        advance(10);
        for (String id : h.processor.started()) {
            h.succeed(id);
        }
        assertThat(h.outputIds()).containsExactlyInAnyOrder("a-1", "b-1", "c-1", "d-1");
        assertThat(h.shed()).isEmpty();
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void withoutTheFlagA429IsATransientFailureAndShedAsBefore() throws Exception {
        open(LanesHarness.noRetries(LanesConfig.defaults()));
        h.send("a", 1, VOICE, NORMAL);
        h.fail("a-1", tooMany(1_000));
        assertThat(h.shed()).hasSize(1);
        assertThat(h.shed().get(0).reason).isEqualTo(ShedReason.SERVICE_UNAVAILABLE);
        assertThat(h.outputIds()).isEmpty();
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void aCheckpointWhileAnEventWaitsKeepsItAndARestoreCallsItAgain() throws Exception {
        open(backfill(LanesConfig.defaults()));
        h.send("a", 1, VOICE, NORMAL);
        h.fail("a-1", tooMany(60_000));
        var snapshot = h.harness.snapshot(1, 1);
        assertThat(h.harness.numKeyedStateEntries()).isEqualTo(1);
        h.close();
        h =
                new LanesHarness(
                        new ManualProcessor(),
                        backfill(LanesConfig.defaults()),
                        AdmissionPolicy.admitAll(),
                        snapshot,
                        1,
                        0);
        assertThat(h.processor.started()).containsExactly("a-1");
        h.succeed("a-1");
        assertThat(h.outputIds()).containsExactly("a-1");
        assertThat(h.operator().pending()).isZero();
    }
}
