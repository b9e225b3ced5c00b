package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.operators.shed.AdmissionPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProcessInLanes} with {@link LimitPolicy#adaptive()} against a service of 3 workers behind
 * a FIFO queue, played on the harness's processing-time clock: the lane's calls in flight settle
 * near the service's 3 slots (its ceiling is 32), the service stays busy, the {@code inFlightLimit}
 * gauge's value follows, and every event is processed in order with nothing left.
 */
class AdaptiveLanesTest {
    private static final int WORKERS = 3;
    private static final long SERVICE_MS = 100;
    private static final long STEP_MS = 5;

    private LanesHarness h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void theLaneFindsTheServicesConcurrencyBelowItsCeiling() throws Exception {
        h =
                new LanesHarness(
                        new ManualProcessor(),
                        LanesConfig.defaults()
                                .withMaxInFlight(VOICE, 32)
                                .withLimitPolicy(LimitPolicy.adaptive()),
                        AdmissionPolicy.admitAll());
        ChannelLane lane = h.operator().lane(VOICE);
        assertThat(lane.currentLimit()).isEqualTo(1);

        Set<String> seen = new HashSet<>();
        ArrayDeque<String> serviceQueue = new ArrayDeque<>();
        TreeMap<Long, List<String>> done = new TreeMap<>();
        int busy = 0;
        long busyMs = 0;
        int sent = 0;
        List<Integer> inFlightLate = new ArrayList<>();
        List<Integer> limitLate = new ArrayList<>();
        long t0 = h.harness.getProcessingTime();
        for (long t = t0; t < t0 + 20_000; t += STEP_MS) {
            h.harness.setProcessingTime(t);
            while (t - t0 < 10_000
                    && lane.queued < 16) { // an endless backlog, below the lane's bound
                sent++;
                h.send("c" + sent, 1, VOICE, NORMAL);
            }
            for (String id : h.processor.started()) {
                if (seen.add(id)) {
                    serviceQueue.add(id); // a new call joins the service's FIFO queue
                }
            }
            while (busy < WORKERS && !serviceQueue.isEmpty()) {
                busy++;
                done.computeIfAbsent(t + SERVICE_MS, k -> new ArrayList<>())
                        .add(serviceQueue.poll());
            }
            List<String> answered = done.remove(t);
            if (answered != null) {
                for (String id : answered) {
                    busy--;
                    h.succeed(id);
                }
            }
            if (t - t0 >= 5_000 && t - t0 < 10_000) {
                busyMs += (long) busy * STEP_MS;
                inFlightLate.add(lane.inFlight);
                limitLate.add(lane.currentLimit());
            }
        }
        double meanInFlight = inFlightLate.stream().mapToInt(i -> i).average().orElseThrow();
        System.out.printf(
                "in flight %.2f, limits %s, busy %.3f%n",
                meanInFlight, new TreeMap<>(counts(limitLate)), busyMs / (WORKERS * 5_000.0));
        assertThat(meanInFlight).isBetween((double) WORKERS, WORKERS * 1.6);
        assertThat(limitLate).allSatisfy(l -> assertThat(l).isBetween(2, 2 * WORKERS));
        assertThat(busyMs / (WORKERS * 5_000.0)).as("service busy").isGreaterThan(0.9);
        // the backlog is served after the input stops: every event once, nothing left in the lane
        assertThat(h.outputIds()).hasSize(sent).doesNotHaveDuplicates();
        assertThat(h.shed()).isEmpty();
        assertThat(h.operator().pending()).isZero();
        assertThat(lane.inFlight).isZero();
    }

    /**
     * A call's latency ends when its answer arrives, not when the task gets to it: on a TaskManager
     * busy catching up, answers wait in the mailbox, and that wait read as a slow service (limits
     * held at 1 to 4 against a service answering at once, after a TaskManager kill).
     */
    @Test
    void theLatencyIsTheServicesNotTheMailboxs() throws Exception {
        h =
                new LanesHarness(
                        new ManualProcessor(),
                        LanesConfig.defaults()
                                .withMaxInFlight(VOICE, 8)
                                .withLimitPolicy(LimitPolicy.adaptive()),
                        AdmissionPolicy.admitAll());
        ChannelLane lane = h.operator().lane(VOICE);
        long t = h.harness.getProcessingTime();
        for (int i = 0; i < 20; i++) {
            h.send("c" + i, 1, VOICE, NORMAL);
            t += 5;
            h.harness.setProcessingTime(t);
            for (String id : h.processor.started()) {
                h.processor.succeed(id); // the service answers after 5 ms
            }
            t += 300;
            h.harness.setProcessingTime(t); // the task gets to the answer 300 ms later
            h.runMails();
        }
        assertThat(lane.latencyMillis()).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(h.outputIds()).hasSize(20);
        assertThat(h.operator().pending()).isZero();
        assertThat(lane.inFlight).isZero();
    }

    private static java.util.Map<Integer, Integer> counts(List<Integer> xs) {
        java.util.Map<Integer, Integer> m = new java.util.HashMap<>();
        xs.forEach(x -> m.merge(x, 1, Integer::sum));
        return m;
    }
}
