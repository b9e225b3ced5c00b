package dev.floodgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A discrete-event model of issue 32's 50%-load phase ({@code YieldBench}, docs/benchmarks.md 5b):
 * one service of 2 workers, 200 ms a call, that serves live calls before drain calls but never
 * stops a call it has started (strict priority, non-preemptive, as {@code CapacityLimitedService}
 * with the priority header); live calls arrive Poisson at 5 a second (50% of it); the drain keeps
 * calls waiting there by a policy, each answer reaching it 10 ms before its next call does. It asks
 * whether any drain policy can take at least 0.9 of the spare capacity while live p99 stays within
 * 10% of the phase without a drain: the two goals the bench measures together.
 *
 * <p>None of the policies below does. At 0.9 of the spare capacity the workers are busy 95% of the
 * time, so nearly every live call waits for one of two calls in progress to end (a third of a call
 * on average) on top of the queue of live calls it waits for anyway. The model's drain shares are
 * near the bench's (one worker: 0.71 against 0.70 measured; two: 0.98 against 0.94); its p99
 * additions are +12% and +15% against the bench's +7 to 9% and +13 to 23% (runs of about 300 live
 * calls, whose p99 moves by tens of ms). The policies that add least take the least.
 */
class DrainBesideLiveModelTest {
    private static final double CALL = 0.2;
    private static final int WORKERS = 2;
    private static final double LIVE_RATE = 5;
    private static final double ROUND_TRIP = 0.010;
    private static final double SECONDS = 20_000;
    private static final double WARM_UP = 100;

    /** How many drain calls the drain keeps at the service, given what the service holds. */
    interface Policy {
        int calls(int liveInService, int liveWaiting);
    }

    record Result(double share, double p50, double p99) {}

    @Test
    void noneOfTheseDrainPoliciesTakesNinetyPercentOfTheSpareWithLiveP99WithinTenPercent() {
        List<String> both = new ArrayList<>();
        double leastAddedAtNinety = Double.MAX_VALUE;
        int atNinety = 0;
        for (var e :
                List.of(
                        new Object[] {"one call", (Policy) (l, w) -> 1},
                        new Object[] {"two calls", (Policy) (l, w) -> 2},
                        new Object[] {"three calls", (Policy) (l, w) -> 3},
                        new Object[] {
                            "a second call only while no live call is at the service",
                            (Policy) (l, w) -> l == 0 && w == 0 ? 2 : 1
                        },
                        new Object[] {
                            "none while a live call waits, else one",
                            (Policy) (l, w) -> w > 0 ? 0 : 1
                        })) {
            for (int seed = 1; seed <= 3; seed++) {
                Result alone = run((l, w) -> 0, seed); // the same live arrivals without a drain
                Result r = run((Policy) e[1], seed);
                double added = r.p99 / alone.p99 - 1;
                if (r.share >= 0.9) {
                    atNinety++;
                    leastAddedAtNinety = Math.min(leastAddedAtNinety, added);
                }
                if (r.share >= 0.9 && added <= 0.1) {
                    both.add(e[0] + " (seed " + seed + "): " + r);
                }
            }
        }
        assertThat(atNinety).as("runs taking at least 0.9 of the spare").isGreaterThan(3);
        assertThat(both).as("policies meeting both goals").isEmpty();
        assertThat(leastAddedAtNinety).as("least p99 added at >= 0.9 of spare").isGreaterThan(0.1);
    }

    @Test
    void theModelReproducesTheBenchsTwoMeasuredDrains() {
        Result alone = run((l, w) -> 0, 1);
        Result one = run((l, w) -> 1, 1);
        Result two = run((l, w) -> 2, 1);
        // bench, quiet machine: live alone p99 496 to 501 ms; one worker 0.70 of spare; two 0.94
        assertThat(alone.p99).isBetween(0.45, 0.56);
        assertThat(one.share).isBetween(0.65, 0.76);
        assertThat(two.share).isGreaterThanOrEqualTo(0.9);
        assertThat(two.p99 / alone.p99).isGreaterThan(1.1);
        assertThat(one.p99).isLessThan(two.p99);
    }

    /** Plays {@link #SECONDS} of the phase; live sojourn (arrival to answer) and drain share. */
    static Result run(Policy policy, long seed) {
        Random random = new Random(seed);
        // events: {time, kind (0 live arrival, 1 call ends: 1 live / 2 drain, 3 drain call
        // arrives)}
        PriorityQueue<double[]> events = new PriorityQueue<>((a, b) -> Double.compare(a[0], b[0]));
        events.add(new double[] {exp(random), 0});
        ArrayDeque<Double> liveQueue = new ArrayDeque<>();
        int[] inService = new int[2]; // live, drain
        int drainQueued = 0;
        int drainOwed = 0; // sent or on their way
        List<Double> sojourns = new ArrayList<>();
        long drained = 0;
        double now = 0;
        for (int i = 0; i < policy.calls(0, 0); i++) {
            events.add(new double[] {ROUND_TRIP, 3});
            drainOwed++;
        }
        while (now < SECONDS) {
            double[] e = events.poll();
            now = e[0];
            switch ((int) e[1]) {
                case 0 -> {
                    liveQueue.add(now);
                    events.add(new double[] {now + exp(random), 0});
                }
                case 1 -> {
                    inService[0]--;
                    if (e[2] > WARM_UP) {
                        sojourns.add(now - e[2]);
                    }
                }
                case 2 -> {
                    inService[1]--;
                    drainOwed--;
                    if (now > WARM_UP) {
                        drained++;
                    }
                }
                default -> drainQueued++;
            }
            while (inService[0] + inService[1] < WORKERS
                    && (!liveQueue.isEmpty() || drainQueued > 0)) {
                if (!liveQueue.isEmpty()) {
                    inService[0]++;
                    events.add(new double[] {now + CALL, 1, liveQueue.poll()});
                } else {
                    drainQueued--;
                    inService[1]++;
                    events.add(new double[] {now + CALL, 2});
                }
            }
            while (drainOwed < policy.calls(inService[0], liveQueue.size())) {
                drainOwed++;
                events.add(new double[] {now + ROUND_TRIP, 3});
            }
        }
        double spare = (WORKERS / CALL - LIVE_RATE) * (SECONDS - WARM_UP);
        double[] s = sojourns.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Result(drained / spare, s[s.length / 2], s[(int) (s.length * 0.99)]);
    }

    private static double exp(Random random) {
        return -Math.log(1 - random.nextDouble()) / LIVE_RATE;
    }
}
