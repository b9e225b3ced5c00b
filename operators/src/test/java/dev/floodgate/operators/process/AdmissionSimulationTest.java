package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

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
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Predictive admission against a simulated voice lane with a controllable clock (1 ms steps): a
 * service of {@code SLOTS} calls at a time of {@code LATENCY} each (capacity {@code SLOTS /
 * LATENCY}: 10 calls/s; a call beyond them, a {@code high} one over the limit, queues FIFO) fed by
 * the real {@link ChannelLane} (the admitted events, {@code high} first, by arrival) and the real
 * {@link ShedPolicy}'s admission, told of each result (its closed loop). Arrivals of 10% high, 45%
 * normal, 45% low, each of its own customer, in phases of given rates: evenly spaced, or Poisson
 * with random priorities. The test only moves time.
 */
class AdmissionSimulationTest {
    private static final long LATENCY = 200;
    private static final int SLOTS = 2; // 10 calls/s
    private static final long TARGET = 2_000;
    private static final double CAPACITY = SLOTS * 1000.0 / LATENCY;

    record Phase(double perSecond, long millis) {}

    /** One event: when it arrived, its priority, whether it was shed, when its result came. */
    record Fate(long arrival, Priority priority, boolean shed, long doneAt) {
        long age() {
            return doneAt - arrival;
        }
    }

    record Run(List<Fate> fates, double busyFraction, long recoveredAt) {
        /** Shed fraction of the events arriving in {@code [from, to)}. */
        double shedFraction(long from, long to) {
            long all = fates.stream().filter(f -> f.arrival >= from && f.arrival < to).count();
            return all == 0 ? 0 : (double) shed(from, to) / all;
        }

        long shed(long from, long to) {
            return fates.stream()
                    .filter(f -> f.shed && f.arrival >= from && f.arrival < to)
                    .count();
        }

        long highShed() {
            return fates.stream().filter(f -> f.shed && f.priority == Priority.HIGH).count();
        }

        /** p99 age of the results of {@code high} (or of the others) arriving in the window. */
        long p99(boolean high, long from, long to) {
            List<Long> ages = new ArrayList<>();
            for (Fate f : fates) {
                if (!f.shed
                        && f.doneAt >= 0
                        && (f.priority == Priority.HIGH) == high
                        && f.arrival >= from
                        && f.arrival < to) {
                    ages.add(f.age());
                }
            }
            if (ages.isEmpty()) {
                return 0;
            }
            Collections.sort(ages);
            return ages.get((int) Math.ceil(0.99 * ages.size()) - 1);
        }
    }

    private static Run simulate(Random random, Phase... phases) {
        return simulate(random, LATENCY, Long.MAX_VALUE, phases);
    }

    private static Run simulate(Random random, long latency, Phase... phases) {
        return simulate(random, latency, Long.MAX_VALUE, phases);
    }

    /**
     * With {@code random}: exponential gaps between arrivals and random priorities (Poisson). The
     * lane's queue is measured as the backlog: {@code recoveredAt} is when it was first empty after
     * the last phase above capacity began to end. From {@code drainFrom} a drain fills every worker
     * no live call waits for (a backfill at a service that serves live calls first, without
     * preempting a call in progress).
     */
    private static Run simulate(Random random, long latency, long drainFrom, Phase... phases) {
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
        Admission admission =
                policy.create(new org.apache.flink.metrics.groups.UnregisteredMetricsGroup());
        ChannelLane lane =
                new ChannelLane(Channel.VOICE, SLOTS, 10_000, new CircuitBreaker(5, 10_000));
        PriorityQueue<long[]> running = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        java.util.ArrayDeque<long[]> atService = new java.util.ArrayDeque<>();
        List<Pending> all = new ArrayList<>();
        List<Fate> fates = new ArrayList<>();
        long end = 0;
        long lastFloodEnd = -1;
        for (Phase p : phases) {
            end += p.millis();
            if (p.perSecond() > CAPACITY) {
                lastFloodEnd = end;
            }
        }
        end += 30_000; // the queue drains
        long recoveredAt = -1;
        double nextArrival = 0;
        long busy = 0;
        int n = 0;
        int phase = 0;
        long phaseEnd = phases[0].millis();
        for (long now = 0; now < end; now++) {
            while (phase < phases.length && now >= phaseEnd) {
                phase++;
                if (phase < phases.length) {
                    phaseEnd += phases[phase].millis();
                    nextArrival = Math.max(nextArrival, now);
                }
            }
            while (!running.isEmpty() && running.peek()[0] <= now) {
                long[] done = running.poll();
                long[] waiting = atService.poll();
                if (waiting != null) {
                    waiting[0] = now + latency; // a worker takes the service's oldest call
                    running.add(waiting);
                }
                if (done[2] < 0) {
                    continue; // a drain call
                }
                Pending p = all.get((int) done[2]);
                lane.finished(p);
                lane.answeredIn(now - done[1], now, p.boosted || p.high());
                admission.processed(p.event, now, p.admittedAt, p.predictedWait);
                Fate f = fates.get((int) done[3]);
                fates.set((int) done[3], new Fate(f.arrival, f.priority, false, now));
            }
            while (phase < phases.length && nextArrival <= now) {
                double rate = phases[phase].perSecond();
                nextArrival +=
                        random == null
                                ? 1000.0 / rate
                                : -Math.log(1 - random.nextDouble()) * 1000.0 / rate;
                Priority prio = priority(random, n);
                Interaction e = ShedEvents.event("c" + n, 1, Channel.VOICE, prio, now);
                n++;
                ShedReason reason = admission.decide(e, now, lane);
                if (reason != null) {
                    assertThat(reason).isEqualTo(ShedReason.PREDICTED_WAIT);
                    fates.add(new Fate(now, prio, true, -1));
                    continue;
                }
                if (prio == Priority.HIGH) {
                    lane.highArrived(now);
                }
                Pending p = new Pending(e, lane, all.size());
                p.admittedAt = now;
                p.predictedWait = admission.lastPredictedWaitMillis();
                all.add(p);
                fates.add(new Fate(now, prio, false, -1));
                lane.admitted(p);
                lane.ready(p, false);
                p.startedAt = fates.size() - 1; // the fate's index, until it is called
            }
            Pending next;
            while (lane.hasSlot(now, false, lane.nextIsHigh())
                    && (next = lane.pollReady()) != null) {
                lane.dequeued(next);
                long fate = next.startedAt;
                if (!next.high()
                        && admission.lateInQueue(
                                next.event,
                                now,
                                next.admittedAt,
                                next.predictedWait,
                                next.boosted,
                                lane)) {
                    Fate f = fates.get((int) fate); // the second look: shed at the queue's head
                    fates.set((int) fate, new Fate(f.arrival, f.priority, true, -1));
                    continue;
                }
                next.startedAt = now;
                lane.started(next);
                long[] call = {now + latency, now, next.arrival, fate};
                if (running.size() < SLOTS) {
                    running.add(call);
                } else {
                    atService.add(call); // beyond its workers a call queues at the service
                }
            }
            while (now >= drainFrom && running.size() < SLOTS && atService.isEmpty()) {
                running.add(new long[] {now + latency, now, -1, -1});
            }
            busy += running.size();
            if (recoveredAt < 0 && lastFloodEnd >= 0 && now >= lastFloodEnd && lane.work() == 0) {
                recoveredAt = now;
            }
        }
        return new Run(fates, busy / ((double) end * SLOTS), recoveredAt);
    }

    private static Priority priority(Random random, int n) {
        if (random != null) {
            double x = random.nextDouble();
            return x < 0.1 ? Priority.HIGH : x < 0.55 ? Priority.NORMAL : Priority.LOW;
        }
        return n % 20 < 2 ? Priority.HIGH : n % 2 == 0 ? Priority.NORMAL : Priority.LOW;
    }

    /** A flood of {@code factor} x capacity for 120 s between 30 s of calm (half the capacity). */
    private static Run flood(double factor, Random random) {
        return simulate(
                random,
                new Phase(CAPACITY / 2, 30_000),
                new Phase(CAPACITY * factor, 120_000),
                new Phase(CAPACITY / 2, 60_000));
    }

    @Test
    void atThreeAndSixTimesCapacityTheShedFractionConvergesAndTheAgesHoldTheTarget() {
        for (double factor : new double[] {3, 6}) {
            assertConverges("even", factor, flood(factor, null));
        }
    }

    /** Random (Poisson) arrivals and priorities: the same convergence, normal within target. */
    @Test
    void withPoissonArrivalsToo() {
        for (double factor : new double[] {3, 6}) {
            assertConverges("poisson", factor, flood(factor, new Random(7)));
        }
    }

    /**
     * A mild overload, where the demand reads near the lane's peak rate and the wait correction
     * must not relax while a queue stands: the same convergence.
     */
    @Test
    void inAMildOverloadToo() {
        for (double factor : new double[] {1.2, 1.5}) {
            assertConverges("poisson", factor, flood(factor, new Random(7)));
        }
    }

    /**
     * From 10 s into the flood to its end: the shed fraction within 0.02 of {@code (f-1)/f}, no
     * {@code high} shed, normal p99 within the target + 10%, {@code high} within 1 s.
     */
    private static void assertConverges(String arrivals, double factor, Run r) {
        long from = 40_000;
        long to = 150_000;
        System.out.printf(
                "SIM %s %sx: shed %.3f, p99 normal %d high %d%n",
                arrivals,
                factor,
                r.shedFraction(from, to),
                r.p99(false, from, to),
                r.p99(true, from, to));
        assertThat(r.shedFraction(from, to))
                .as("%sx", factor)
                .isCloseTo((factor - 1) / factor, offset(0.02));
        assertThat(r.highShed()).isZero();
        assertThat(r.p99(false, from, to)).as("%sx normal", factor).isLessThanOrEqualTo(2_200);
        assertThat(r.p99(true, from, to)).as("%sx high", factor).isLessThanOrEqualTo(1_000);
    }

    /**
     * After the flood, from 10 s after the lane's queue is first empty, calm traffic is never shed
     * (the demand estimate forgets the flood within about 13 s of log time at 6x).
     */
    @Test
    void nothingIsShedAfterTheFloodOnceTheBacklogIsGone() {
        for (double factor : new double[] {3, 6}) {
            for (int seed = 11; seed < 14; seed++) {
                Run r = flood(factor, new Random(seed));
                assertThat(r.recoveredAt()).as("%sx recovered", factor).isPositive();
                assertThat(r.recoveredAt())
                        .as("%sx recovered", factor)
                        .isLessThan(150_000 + 10_000);
                assertThat(r.shed(r.recoveredAt() + 10_000, Long.MAX_VALUE))
                        .as("%sx seed %s", factor, seed)
                        .isZero();
            }
        }
    }

    /**
     * After the flood, a drain fills the service's idle workers; a live call then waits for the
     * call in progress (up to a latency more). The live traffic is still half the capacity, and
     * nothing of it is shed: the flood's wait correction (2 to 3) no longer multiplies the calm's
     * short queues (kept, it shed live voice during the 6x demo's drain).
     */
    @Test
    void nothingLiveIsShedBesideADrainAfterTheFlood() {
        for (double factor : new double[] {3, 6}) {
            for (int seed = 11; seed < 14; seed++) {
                Run r =
                        simulate(
                                new Random(seed),
                                LATENCY,
                                150_000 + 20_000,
                                new Phase(CAPACITY / 2, 30_000),
                                new Phase(CAPACITY * factor, 120_000),
                                new Phase(CAPACITY / 2, 240_000));
                assertThat(r.shed(r.recoveredAt() + 10_000, Long.MAX_VALUE))
                        .as("%sx seed %s", factor, seed)
                        .isZero();
                assertThat(r.p99(false, 170_000, 420_000)).isLessThanOrEqualTo(TARGET);
            }
        }
    }

    @Test
    void belowCapacityNothingIsShedFromTheStart() {
        for (double load : new double[] {0.5, 0.8}) {
            Run r = simulate(new Random(3), new Phase(CAPACITY * load, 60_000));
            assertThat(r.shed(0, Long.MAX_VALUE)).as("load %s", load).isZero();
            assertThat(r.p99(false, 0, Long.MAX_VALUE)).isLessThanOrEqualTo(TARGET);
        }
    }

    /** A service whose first call is cold (10x its latency) does not make the lane shed. */
    @Test
    void aColdFirstCallDoesNotShed() {
        ShedPolicy policy =
                ShedPolicy.none()
                        .withChannel(
                                Channel.VOICE,
                                ChannelPolicy.shed(
                                        Duration.ofSeconds(5),
                                        Duration.ofMillis(TARGET),
                                        Priority.NORMAL))
                        .withHotKey(HotKeyPolicy.disabled());
        Admission admission =
                policy.create(new org.apache.flink.metrics.groups.UnregisteredMetricsGroup());
        ChannelLane lane = new ChannelLane(Channel.VOICE, 1, 100, new CircuitBreaker(5, 10_000));
        lane.answeredIn(20_000, 0, false); // the cold one
        for (int i = 1; i <= 5; i++) {
            lane.answeredIn(LATENCY, i * 250L, false);
        }
        assertThat(lane.latencyMillis()).isEqualTo(LATENCY);
        for (int i = 0; i < 20; i++) {
            Interaction e =
                    ShedEvents.event("c" + i, 1, Channel.VOICE, Priority.NORMAL, 2_000 + i * 100L);
            assertThat(admission.decide(e, 2_000 + i * 100L, lane)).isNull();
        }
    }
}
