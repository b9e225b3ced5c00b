package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.VOICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testing.TestPolicies;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The slot a lane keeps for {@code high} ({@link ChannelLane#hasSlot}), in two real {@link
 * ProcessInLanes} subtasks in front of one FIFO service, as in the flood demo: 2 workers, 200 ms a
 * call (10 calls/s), each subtask's voice budget its share of the workers plus one (2), so that the
 * service never idles between an answer and the next call. A 6x flood (Poisson, 60 voice events/s,
 * a tenth of them {@code high}: {@code high} alone is 0.6 of the service), then normal events only.
 * Played on the harnesses' clocks in 10 ms steps; a call is answered 200 ms after a worker takes
 * it.
 */
class HighReserveTest {
    private static final long STEP = 10;
    private static final long LATENCY = 200;
    private static final int WORKERS = 2;
    private static final long FLOOD_END = 60_000;
    private static final long NORMAL_FROM = FLOOD_END + ChannelLane.HIGH_RESERVE_MILLIS + 1_000;
    private static final long NORMAL_TO = NORMAL_FROM + 5_000;
    private static final long END = NORMAL_TO + 3_000;

    private record Call(LanesHarness subtask, String id) {}

    private final List<LanesHarness> subtasks = new ArrayList<>();
    private final Map<String, Long> arrivedAt = new HashMap<>();
    private final Map<String, Priority> priorities = new HashMap<>();
    private final Set<String> seen = new HashSet<>();
    private final ArrayDeque<Call> fifo = new ArrayDeque<>();
    private final Map<Call, Long> serving = new HashMap<>();
    private final List<Long> highLatencies = new ArrayList<>();
    private int maxInFlightDuringFlood;
    private int maxInFlightAfterReserve;
    private int sent;
    private final Random random = new Random(5);

    @AfterEach
    void close() throws Exception {
        for (LanesHarness h : subtasks) {
            h.close();
        }
    }

    private void play() throws Exception {
        for (int i = 0; i < 2; i++) {
            subtasks.add(
                    new LanesHarness(
                            new ManualProcessor(),
                            LanesConfig.defaults().withMaxInFlight(VOICE, 2),
                            TestPolicies.voiceSheds(Duration.ofSeconds(2)),
                            null,
                            2,
                            i));
        }
        double next = 0;
        for (long t = 0; t < END; t += STEP) {
            for (LanesHarness h : subtasks) {
                h.harness.setProcessingTime(LanesHarness.T0 + t);
            }
            double rate = t < FLOOD_END ? 60 : t >= NORMAL_FROM && t < NORMAL_TO ? 10 : 0;
            while (rate > 0 && next <= t) {
                double x = random.nextDouble();
                Priority p =
                        t < FLOOD_END && x < 0.1
                                ? Priority.HIGH
                                : x < 0.55 ? Priority.NORMAL : Priority.LOW;
                String customer = "c" + sent;
                LanesHarness h =
                        subtasks.get(
                                KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                        customer, 128, 2));
                String id = h.send(customer, 1, VOICE, p).eventId;
                arrivedAt.put(id, t);
                priorities.put(id, p);
                sent++;
                next += -Math.log(1 - random.nextDouble()) * 1000 / rate; // Poisson
            }
            if (rate == 0 && next < NORMAL_FROM) {
                next = NORMAL_FROM;
            }
            serve(t);
        }
    }

    /** The service: new calls join its FIFO; a free worker takes the head; answers after 200 ms. */
    private void serve(long t) throws Exception {
        for (LanesHarness h : subtasks) {
            List<String> out = h.processor.started();
            for (String id : out) {
                if (seen.add(id)) {
                    fifo.add(new Call(h, id));
                }
            }
            if (t < FLOOD_END) {
                maxInFlightDuringFlood = Math.max(maxInFlightDuringFlood, out.size());
            } else if (t >= NORMAL_FROM && t < NORMAL_TO) {
                maxInFlightAfterReserve = Math.max(maxInFlightAfterReserve, out.size());
            }
        }
        for (Map.Entry<Call, Long> e : new ArrayList<>(serving.entrySet())) {
            if (t >= e.getValue() + LATENCY) {
                serving.remove(e.getKey());
                Call c = e.getKey();
                if (priorities.get(c.id) == Priority.HIGH) {
                    highLatencies.add(t - arrivedAt.get(c.id));
                }
                c.subtask.succeed(c.id);
            }
        }
        while (serving.size() < WORKERS && !fifo.isEmpty()) {
            serving.put(fifo.poll(), t);
        }
    }

    @Test
    void highWaitsForNoQueueOfOthersAndTheReserveEndsWithHigh() throws Exception {
        play();
        highLatencies.sort(Long::compare);
        long p99 = highLatencies.get((int) (highLatencies.size() * 0.99));
        long p50 = highLatencies.get(highLatencies.size() / 2);
        // without the reserve p50 580 ms, p99 1,110 ms: each lane's two slots held normal and low
        // calls, one of them queued at the service; with the slot kept for high 360 / 920 ms, and
        // with high's one call beyond the limit too 370 / 770 ms (344 high events)
        assertThat(p50).as("high p50 of %d", highLatencies.size()).isLessThanOrEqualTo(450);
        assertThat(p99).as("high p99 of %d", highLatencies.size()).isLessThanOrEqualTo(850);
        assertThat(maxInFlightDuringFlood).as("the limit and one for high").isLessThanOrEqualTo(3);
        assertThat(maxInFlightAfterReserve)
                .as("no high for %d ms: the whole limit", ChannelLane.HIGH_RESERVE_MILLIS)
                .isEqualTo(2);
        Set<String> outcomes = new HashSet<>();
        for (LanesHarness h : subtasks) {
            for (Object o : h.harness.getOutput()) {
                if (o instanceof StreamRecord<?> r && r.getValue() instanceof ProcessedEvent p) {
                    assertThat(outcomes.add(p.eventId)).isTrue();
                }
            }
            h.shed().forEach(s -> assertThat(outcomes.add(s.event.eventId)).isTrue());
            assertThat(h.shed()).noneMatch(s -> s.event.priority == Priority.HIGH);
        }
        assertThat(outcomes).hasSize(sent);
        for (LanesHarness h : subtasks) {
            assertThat(h.operator().pending()).isZero();
        }
    }
}
