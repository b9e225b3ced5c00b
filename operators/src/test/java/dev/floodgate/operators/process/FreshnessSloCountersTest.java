package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Channel.IMAGE;
import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.HIGH;
import static dev.floodgate.model.Priority.LOW;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.Admission;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.io.IOException;
import org.apache.flink.metrics.MetricGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The freshness SLO counters of the lanes, per channel and priority: {@code processedWithinSlo}
 * counts results at most the channel's SLO old (log append to result, the age {@code
 * ageAtProcessingMs} shows), {@code processedEvents} every result, {@code shedEvents} every shed
 * event. The SLO alerts count processed plus shed as the events and within-SLO as the good ones, so
 * a shed event is a miss; a dead letter is in neither.
 */
class FreshnessSloCountersTest {
    private LanesHarness h;

    /** Voice SLO 30 s, chat 10 s, image none; sheds every {@code low} event. */
    static final class Policy implements AdmissionPolicy {
        private static final long serialVersionUID = 1L;

        @Override
        public Admission create(MetricGroup group) {
            return (event, now, lane) -> event.priority == LOW ? ShedReason.PREDICTED_WAIT : null;
        }

        @Override
        public long sloMillis(Channel channel) {
            return switch (channel) {
                case VOICE -> 30_000;
                case CHAT -> 10_000;
                default -> Long.MAX_VALUE;
            };
        }
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void resultsAreCountedWithinOrOutsideTheirChannelsSloPerChannelAndPriority() throws Exception {
        h =
                new LanesHarness(
                        new ManualProcessor(),
                        LanesHarness.noRetries(LanesConfig.defaults()),
                        new Policy());
        long now = System.currentTimeMillis();
        h.sendLoggedAt("a", 1, VOICE, HIGH, now); // fresh
        h.sendLoggedAt("b", 1, VOICE, HIGH, now - 60_000); // twice the voice SLO old
        h.sendLoggedAt("c", 1, VOICE, NORMAL, now - 1_000); // fresh
        h.sendLoggedAt("d", 1, VOICE, LOW, now); // shed: processed later, a miss
        h.sendLoggedAt("e", 1, CHAT, NORMAL, now - 20_000); // twice the chat SLO old
        h.sendLoggedAt("f", 1, CHAT, NORMAL, now); // fresh
        h.sendLoggedAt("g", 1, IMAGE, NORMAL, now - 3_600_000); // no image SLO: within
        h.sendLoggedAt("x", 1, CHAT, HIGH, now); // rejected: a dead letter
        for (String id : h.processor.started()) {
            if (id.equals("x-1")) {
                h.fail(id, new ProcessingException(422, "bad event", false));
            } else {
                h.succeed(id);
            }
        }
        assertThat(h.outputIds()).hasSize(6);
        assertThat(h.failed()).hasSize(1);
        LaneMetrics m = h.operator().metrics();

        assertCounts(m, VOICE, HIGH, 2, 1, 0);
        assertCounts(m, VOICE, NORMAL, 1, 1, 0);
        assertCounts(m, VOICE, LOW, 0, 0, 1);
        assertCounts(m, CHAT, NORMAL, 2, 1, 0);
        assertCounts(m, CHAT, HIGH, 0, 0, 0); // the dead letter counts nowhere
        assertCounts(m, IMAGE, NORMAL, 1, 1, 0);
        assertCounts(m, IMAGE, HIGH, 0, 0, 0);

        // the channel's compliance as the recording rules compute it: good / (processed + shed)
        long good = 0;
        long all = 0;
        for (Priority p : Priority.values()) {
            good += m.withinSloCount(VOICE, p);
            all += m.processedCount(VOICE, p) + m.shedCount(VOICE, p);
        }
        assertThat(good).isEqualTo(2);
        assertThat(all).isEqualTo(4);
    }

    @Test
    void anEventShedForAnOpenCircuitIsAMissAndAFailedCallAfterRetriesToo() throws Exception {
        h =
                new LanesHarness(
                        new ManualProcessor(),
                        LanesHarness.noRetries(LanesConfig.defaults())
                                .withCircuit(2, java.time.Duration.ofSeconds(10)),
                        new Policy());
        long now = System.currentTimeMillis();
        h.sendLoggedAt("a", 1, VOICE, HIGH, now);
        h.sendLoggedAt("b", 1, VOICE, HIGH, now);
        h.fail("a-1", new IOException("refused")); // shed: service_unavailable
        h.fail("b-1", new IOException("refused")); // the circuit opens
        h.sendLoggedAt("c", 1, VOICE, HIGH, now); // shed: circuit_open, high too
        assertThat(h.shed()).hasSize(3);
        assertCounts(h.operator().metrics(), VOICE, HIGH, 0, 0, 3);
    }

    private static void assertCounts(
            LaneMetrics m, Channel c, Priority p, long processed, long withinSlo, long shed) {
        assertThat(m.processedCount(c, p)).as("%s %s processed", c, p).isEqualTo(processed);
        assertThat(m.withinSloCount(c, p)).as("%s %s within the SLO", c, p).isEqualTo(withinSlo);
        assertThat(m.shedCount(c, p)).as("%s %s shed", c, p).isEqualTo(shed);
    }
}
