package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.VOICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Priority;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.testing.TestPolicies;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A catch-up the service can absorb sheds nothing: the real {@link ProcessInLanes} and {@link
 * ShedPolicy} (voice {@code 5s/2s}, normal and low sheddable) read a backlog as fast as a service
 * that answers in 1 ms serves it, as after a TaskManager restart. The backlog's events are a minute
 * old and more, far past the target: the rule before ({@code age + predicted wait > target}) shed
 * every one of them.
 */
class CatchUpAdmissionTest {
    private LanesHarness h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private void open() throws Exception {
        ShedPolicy policy = TestPolicies.voiceSheds(Duration.ofSeconds(2));
        h = new LanesHarness(new ManualProcessor(), LanesConfig.defaults(), policy);
    }

    /**
     * Reads {@code events} logged {@code perSecond} apart on log time from {@code logFrom}, one per
     * ms of processing time, each call answered 1 ms after it started.
     */
    private long catchUp(long now, long logFrom, double perSecond, int events) throws Exception {
        for (int i = 0; i < events; i++) {
            h.harness.setProcessingTime(now);
            Priority p = Priority.values()[i % 3];
            h.sendLoggedAt(
                    "c" + (i % 500), i, VOICE, p, logFrom + Math.round(i * 1000 / perSecond));
            now++;
            h.harness.setProcessingTime(now);
            for (String id : h.processor.started()) {
                h.succeed(id);
            }
        }
        return now;
    }

    @Test
    void anOldBacklogOfCalmTrafficWithAFastServiceShedsNothing() throws Exception {
        open();
        long now = LanesHarness.T0;
        now = catchUp(now, now - 600_000, 5, 1_500); // 5 minutes of calm, 1.5 s to read
        assertThat(h.shed()).isEmpty();
        assertThat(h.outputIds()).hasSize(1_500);
        assertThat(h.operator().pending()).isZero();
    }

    /**
     * The backlog held a flood of 100 events/s on log time, yet the service serves 8 calls per ms:
     * it is not the bottleneck, nothing is shed.
     */
    @Test
    void anOldFloodWithAFastServiceShedsNothingEither() throws Exception {
        open();
        long now = LanesHarness.T0;
        now = catchUp(now, now - 120_000, 100, 2_000);
        assertThat(h.shed()).isEmpty();
        assertThat(h.outputIds()).hasSize(2_000);
        assertThat(h.operator().pending()).isZero();
        h.harness.snapshot(1, 1);
        assertThat(h.harness.numKeyedStateEntries()).isZero();
    }
}
