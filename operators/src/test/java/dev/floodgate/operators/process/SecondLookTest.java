package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.VOICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.testing.TestPolicies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission's second look ({@code Admission.lateInQueue}) in the real {@link ProcessInLanes}: a
 * voice service of 2 calls at a time, 200 ms each (10 calls/s), voice {@code 5s/2s} with normal and
 * low sheddable, stalls for 2 s after admission let its queue in. Played on the harness's clock in
 * 10 ms steps.
 */
class SecondLookTest {
    private static final long STEP = 10;
    private static final long LATENCY = 200;
    private static final long TARGET = 2_000;
    private static final long STALL_FROM = 10_000;
    private static final long STALL_TO = 12_000;

    private LanesHarness h;
    private final Map<String, Long> callStarted = new HashMap<>();
    private int sent;
    private long t0;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    /**
     * {@code perSecond} voice events for 20 s (10% high), then 10 s without; the service stalls.
     */
    private void run(double perSecond) throws Exception {
        ShedPolicy policy = TestPolicies.voiceSheds(Duration.ofMillis(TARGET));
        h =
                new LanesHarness(
                        new ManualProcessor(),
                        LanesConfig.defaults().withMaxInFlight(VOICE, 2),
                        policy);
        t0 = h.harness.getProcessingTime();
        double next = 0;
        for (long t = 0; t < 30_000; t += STEP) {
            h.harness.setProcessingTime(t0 + t);
            while (t < 20_000 && next <= t) {
                Priority p =
                        sent % 10 == 0
                                ? Priority.HIGH
                                : sent % 2 == 0 ? Priority.NORMAL : Priority.LOW;
                h.send("c" + sent, 1, VOICE, p);
                sent++;
                next += 1000 / perSecond;
            }
            for (String id : h.processor.started()) {
                callStarted.putIfAbsent(id, t);
                boolean stalled = t >= STALL_FROM && t < STALL_TO;
                if (!stalled && t >= callStarted.get(id) + LATENCY) {
                    h.succeed(id);
                }
            }
        }
    }

    private List<ShedEvent> lateInQueue() {
        List<ShedEvent> late = new ArrayList<>();
        for (ShedEvent s : h.shed()) {
            if (s.detail != null && s.detail.startsWith("late in the queue")) {
                late.add(s);
            }
        }
        return late;
    }

    private List<ProcessedEvent> results() {
        List<ProcessedEvent> out = new ArrayList<>();
        for (Object o : h.harness.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof ProcessedEvent p) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * A 3x flood: after the stall the queue's head is older than the target; those events are shed
     * where they would have been called, not called late. A normal or low event called after the
     * stall ends within its target; {@code high} is never shed; every event has one outcome.
     */
    @Test
    void inAFloodWhatTheStallMadeLateIsShedAtTheHeadOfTheQueue() throws Exception {
        run(30);
        List<ShedEvent> late = lateInQueue();
        assertThat(late).isNotEmpty();
        assertThat(late).allSatisfy(s -> assertThat(s.reason).isEqualTo(ShedReason.PREDICTED_WAIT));
        assertThat(h.shed()).noneMatch(s -> s.event.priority == Priority.HIGH);
        int calledAfter = 0;
        for (ProcessedEvent p : results()) {
            long started = callStarted.get(p.eventId);
            if (p.priority != Priority.HIGH && started >= STALL_TO) {
                calledAfter++; // answered LATENCY after its start, on the harness's clock
                assertThat(t0 + started + LATENCY - p.logTimestamp)
                        .as("%s called at %d", p.eventId, started)
                        .isLessThanOrEqualTo(TARGET + STEP);
            }
        }
        assertThat(calledAfter).isPositive();
        Set<String> outcomes = new HashSet<>();
        results().forEach(p -> assertThat(outcomes.add(p.eventId)).isTrue());
        h.shed().forEach(s -> assertThat(outcomes.add(s.event.eventId)).isTrue());
        assertThat(outcomes).hasSize(sent);
        assertThat(h.operator().pending()).isZero();
        h.harness.snapshot(1, 1);
        assertThat(h.harness.numKeyedStateEntries()).isZero();
    }

    /**
     * Half the capacity: the same stall makes queued events late, but the service is not the
     * bottleneck (the producers send less than it completes), so the second look sheds nothing:
     * what was admitted is called. (During the stall the first look sheds some arrivals: a call out
     * for seconds is a slow service to it.)
     */
    @Test
    void belowCapacityTheStallShedsNothingAtTheHeadOfTheQueue() throws Exception {
        run(5);
        assertThat(lateInQueue()).isEmpty();
        assertThat(results().size() + h.shed().size()).isEqualTo(sent);
        assertThat(results())
                .anyMatch(p -> p.processedAt - p.logTimestamp > TARGET)
                .as("the stall made some late");
        assertThat(h.operator().pending()).isZero();
    }
}
