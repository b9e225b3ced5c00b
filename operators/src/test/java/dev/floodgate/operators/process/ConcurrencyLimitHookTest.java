package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.operators.shed.AdmissionPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How {@link ProcessInLanes} uses a lane's {@link ConcurrencyLimit}. */
class ConcurrencyLimitHookTest {
    private LanesHarness h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    /** A limit driven by the test; static state since the policy is serialized into the job. */
    static final class Scripted implements ConcurrencyLimit {
        static volatile int current;
        static final List<Long> answers = new ArrayList<>();
        static int failures;

        @Override
        public int limit(long nowMillis) {
            return current;
        }

        @Override
        public void answered(long latencyMillis, int inFlight, long nowMillis) {
            answers.add(latencyMillis);
        }

        @Override
        public void failed(long nowMillis) {
            failures++;
        }

        @Override
        public long resumeAt(long nowMillis) {
            return nowMillis + 500;
        }
    }

    private LanesHarness open(int ceiling, int limit) throws Exception {
        return open(LanesConfig.defaults().withMaxInFlight(VOICE, ceiling), limit);
    }

    private LanesHarness open(LanesConfig config, int limit) throws Exception {
        Scripted.current = limit;
        Scripted.answers.clear();
        Scripted.failures = 0;
        LimitPolicy policy = c -> new Scripted();
        h =
                new LanesHarness(
                        new ManualProcessor(),
                        config.withLimitPolicy(policy),
                        AdmissionPolicy.admitAll());
        return h;
    }

    @Test
    void theLimitCapsCallsInFlightAndTheCeilingCapsTheLimit() throws Exception {
        open(3, 2);
        for (int i = 1; i <= 5; i++) {
            h.send("c" + i, 1, VOICE, NORMAL);
        }
        assertThat(h.processor.started()).containsExactly("c1-1", "c2-1");
        Scripted.current = 10; // above the ceiling of 3
        h.harness.setProcessingTime(h.harness.getProcessingTime() + 40);
        h.succeed("c1-1");
        assertThat(h.processor.started()).containsExactly("c2-1", "c3-1", "c4-1");
        assertThat(Scripted.answers).containsExactly(40L);
    }

    @Test
    void aPausedLaneWithNothingInFlightIsPumpedAgainWhenItsLimitAsks() throws Exception {
        open(4, 0);
        h.send("a", 1, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        assertThat(h.processor.started()).isEmpty();
        Scripted.current = 1;
        h.harness.setProcessingTime(h.harness.getProcessingTime() + 499);
        assertThat(h.processor.started()).as("before resumeAt").isEmpty();
        h.harness.setProcessingTime(h.harness.getProcessingTime() + 1);
        assertThat(h.processor.started()).containsExactly("a-1");
        h.succeed("a-1");
        h.succeed("b-1");
        assertThat(h.outputIds()).containsExactly("a-1", "b-1");
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void everyFailedAttemptIsToldToTheLimit() throws Exception {
        open(4, 4);
        h.send("a", 1, VOICE, NORMAL);
        h.fail("a-1", new java.io.IOException("connection refused"));
        assertThat(Scripted.failures).isGreaterThanOrEqualTo(1);
    }

    /** The backfill's lanes (no per-customer bound) queue at most their limit, at least one. */
    @Test
    void aLaneWithoutACustomerBoundQueuesAtMostItsLimit() throws Exception {
        open(
                LanesConfig.defaults()
                        .withMaxInFlight(VOICE, 8)
                        .withMaxQueuedPerCustomer(Integer.MAX_VALUE),
                2);
        ChannelLane lane = h.operator().lane(VOICE);
        h.send("a", 1, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        h.send("c", 1, VOICE, NORMAL);
        assertThat(lane.full()).as("2 in flight, 1 queued").isFalse();
        h.send("d", 1, VOICE, NORMAL);
        assertThat(lane.full()).as("2 in flight, 2 queued").isTrue();
        Scripted.current = 0;
        h.succeed("a-1");
        assertThat(lane.inFlight).isEqualTo(1);
        assertThat(lane.full()).as("paused: 2 queued, more than one").isTrue();
    }
}
