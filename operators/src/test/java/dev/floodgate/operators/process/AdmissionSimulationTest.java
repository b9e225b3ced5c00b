package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.Admission;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.operators.shed.HotKeyPolicy;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.testing.ShedEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * Predictive admission against a simulated voice lane with a controllable clock: {@code slots}
 * calls at a time of {@code latency} each (capacity {@code slots / latency}), Poisson-free evenly
 * spaced arrivals of 10% high, 45% normal, 45% low, each of its own customer. The real {@link
 * ChannelLane} and {@link ShedPolicy} decide; the test only moves time.
 */
class AdmissionSimulationTest {
    private static final long LATENCY = 200;
    private static final int SLOTS = 2; // 10 calls/s
    private static final long TARGET = 2_000;

    record Result(
            double shedFraction,
            double busyFraction,
            long highShed,
            long highWaitMax,
            long normalWaitMax,
            long normalWaitP99) {}

    private static Result simulate(double arrivalsPerSecond, long seconds) {
        return simulate(arrivalsPerSecond, seconds, null);
    }

    /** With {@code random}: exponential gaps between arrivals and random priorities (Poisson). */
    private static Result simulate(
            double arrivalsPerSecond, long seconds, java.util.Random random) {
        ShedPolicy policy =
                ShedPolicy.none()
                        .withChannel(
                                Channel.VOICE,
                                ChannelPolicy.shed(
                                        Duration.ofSeconds(5),
                                        Duration.ofMillis(TARGET),
                                        Priority.LOW,
                                        Priority.NORMAL))
                        .withHotKey(HotKeyPolicy.disabled());
        Admission admission = policy.create(new UnregisteredMetricsGroup());
        ChannelLane lane =
                new ChannelLane(Channel.VOICE, SLOTS, 10_000, new CircuitBreaker(5, 10_000));
        PriorityQueue<long[]> running = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        List<Pending> all = new ArrayList<>();
        long warmup = 10_000;
        long end = seconds * 1000;
        double spacing = 1000.0 / arrivalsPerSecond;
        double nextArrival = 0;
        long arrivals = 0;
        long shed = 0;
        long highShed = 0;
        long busy = 0;
        long highWaitMax = 0;
        long normalWaitMax = 0;
        List<Long> normalWaits = new ArrayList<>();
        int n = 0;
        for (long now = 0; now < end; now++) {
            while (!running.isEmpty() && running.peek()[0] <= now) {
                long[] done = running.poll();
                lane.finished();
                lane.answeredIn(now - done[1], now);
                Pending p = all.get((int) done[2]);
                long wait = now - p.event.logTimestamp;
                if (now >= warmup) {
                    if (p.high()) {
                        highWaitMax = Math.max(highWaitMax, wait);
                    } else {
                        normalWaitMax = Math.max(normalWaitMax, wait);
                        normalWaits.add(wait);
                    }
                }
            }
            while (nextArrival <= now) {
                nextArrival += spacing;
                Priority prio =
                        n % 20 < 2 ? Priority.HIGH : n % 2 == 0 ? Priority.NORMAL : Priority.LOW;
                Interaction e = ShedEvents.event("c" + n, 1, Channel.VOICE, prio, now);
                n++;
                ShedReason reason = admission.decide(e, now, lane);
                if (now >= warmup) {
                    arrivals++;
                }
                if (reason != null) {
                    assertThat(reason).isEqualTo(ShedReason.PREDICTED_WAIT);
                    if (now >= warmup) {
                        shed++;
                        highShed += prio == Priority.HIGH ? 1 : 0;
                    }
                    continue;
                }
                Pending p = new Pending(e, lane, all.size());
                all.add(p);
                lane.admitted(p);
                lane.ready(p);
            }
            Pending next;
            while (lane.hasSlot(now) && (next = lane.pollReady()) != null) {
                lane.dequeued(next);
                lane.started(next);
                running.add(new long[] {now + LATENCY, now, next.arrival});
            }
            if (now >= warmup) {
                busy += running.size();
            }
        }
        double measured = end - warmup;
        return new Result(
                (double) shed / arrivals,
                busy / (measured * SLOTS),
                highShed,
                highWaitMax,
                normalWaitMax,
                p99(normalWaits));
    }

    private static long p99(List<Long> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
    }

    @Test
    void atThreeTimesCapacityTheShedFractionConvergesAndTheServiceStaysBusy() {
        Result r = simulate(30, 130);
        assertThat(r.shedFraction()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(0.02));
        assertThat(r.busyFraction()).isGreaterThan(0.98);
        assertThat(r.highShed()).isZero();
        assertThat(r.highWaitMax()).isLessThanOrEqualTo(2 * LATENCY + LATENCY);
        assertThat(r.normalWaitMax()).isLessThanOrEqualTo(TARGET + LATENCY);
    }

    @Test
    void atSixTimesCapacityToo() {
        Result r = simulate(60, 130);
        assertThat(r.shedFraction()).isCloseTo(5.0 / 6, org.assertj.core.data.Offset.offset(0.02));
        assertThat(r.busyFraction()).isGreaterThan(0.98);
        assertThat(r.highShed()).isZero();
        assertThat(r.highWaitMax()).isLessThan(2_500);
    }

    @Test
    void belowCapacityNothingIsShed() {
        Result r = simulate(8, 60);
        assertThat(r.shedFraction()).isZero();
        assertThat(r.normalWaitMax()).isLessThanOrEqualTo(2 * LATENCY);
    }

    /** Random (Poisson) arrivals and priorities: the same convergence, normal within target. */
    @Test
    void withPoissonArrivalsToo() {
        for (double factor : new double[] {3, 6}) {
            Result r = simulate(10 * factor, 300, new java.util.Random(7));
            assertThat(r.shedFraction())
                    .as("%sx", factor)
                    .isCloseTo((factor - 1) / factor, org.assertj.core.data.Offset.offset(0.02));
            assertThat(r.busyFraction()).as("%sx", factor).isGreaterThan(0.98);
            assertThat(r.highShed()).isZero();
            assertThat(r.normalWaitP99()).as("%sx", factor).isLessThanOrEqualTo(TARGET + LATENCY);
        }
    }
}
