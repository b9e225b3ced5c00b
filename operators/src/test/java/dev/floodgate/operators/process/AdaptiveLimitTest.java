package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link AdaptiveLimit} against a simulated FIFO service of N workers ({@link
 * SimulatedFifoService}, deterministic clock): it finds the service's concurrency, shares it
 * between subtasks, backs off when the latency rises or attempts fail, and reaches the ceiling with
 * a service that answers at once.
 */
class AdaptiveLimitTest {

    /** The limits (summed over the clients) sampled every 100 ms of simulated time. */
    private static List<Integer> run(SimulatedFifoService s, long untilMillis) {
        List<Integer> sums = new ArrayList<>();
        long busy0 = s.busyMillis;
        long t0 = s.now;
        s.runUntil(untilMillis, 100, () -> sums.add(s.sumOfLimits()));
        System.out.printf(
                "busy %.3f%n", (s.busyMillis - busy0) / (double) (s.workers * (s.now - t0)));
        return sums;
    }

    private static double mean(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).average().orElseThrow();
    }

    @Test
    void findsTheConcurrencyOfAFifoServiceWithinTenSeconds() {
        SimulatedFifoService s = new SimulatedFifoService(8, 200, 0.1, 1);
        s.client(new AdaptiveLimit(256));
        List<Integer> limits = run(s, 10_000);
        System.out.println("one client, 8 workers: " + limits);
        List<Integer> last = limits.subList(50, 100);
        assertThat(mean(last)).isBetween(8.0, 12.0);
        assertThat(last).allSatisfy(l -> assertThat(l).isBetween(6, 16));
    }

    @Test
    void twoSubtasksShareTheServiceSlots() {
        SimulatedFifoService s = new SimulatedFifoService(8, 200, 0.1, 2);
        s.client(new AdaptiveLimit(256));
        s.client(new AdaptiveLimit(256));
        List<Integer> sums = run(s, 10_000);
        System.out.println("two clients, 8 workers: " + sums);
        List<Integer> last = sums.subList(50, 100);
        assertThat(mean(last)).isBetween(8.0, 12.0);
    }

    @Test
    void twoSubtasksShareTwoSlots() {
        SimulatedFifoService s = new SimulatedFifoService(2, 200, 0.1, 3);
        s.client(new AdaptiveLimit(256));
        s.client(new AdaptiveLimit(256));
        List<Integer> sums = run(s, 10_000);
        System.out.println("two clients, 2 workers: " + sums);
        List<Integer> last = sums.subList(50, 100);
        assertThat(mean(last)).isBetween(2.0, 3.2);
    }

    @Test
    void climbsToTheCeilingWithAServiceThatAnswersAtOnce() {
        SimulatedFifoService s = new SimulatedFifoService(100_000, 1, 0, 4);
        s.client(new AdaptiveLimit(256));
        List<Integer> limits = run(s, 1_000);
        System.out.println("fast: " + limits);
        assertThat(limits.get(1)).isEqualTo(256);
    }

    @Test
    void backsOffWhenTheServiceLosesWorkers() {
        SimulatedFifoService s = new SimulatedFifoService(8, 200, 0.1, 5);
        s.client(new AdaptiveLimit(256));
        run(s, 10_000);
        s.workers = 4; // latency rises: the same calls in flight now queue
        List<Integer> limits = run(s, 15_000);
        System.out.println("8 then 4 workers: " + limits);
        assertThat(mean(limits.subList(20, 50))).isBetween(4.0, 6.0);
    }

    @Test
    void backsOffWhenAnotherClientFillsTheQueue() {
        SimulatedFifoService s = new SimulatedFifoService(8, 200, 0.1, 6);
        SimulatedFifoService.Client adaptive = s.client(new AdaptiveLimit(256));
        run(s, 10_000);
        s.client(new FixedLimit(8)); // a client that ignores the latency takes every slot
        List<Integer> limits = new ArrayList<>();
        s.runUntil(15_000, 100, () -> limits.add(adaptive.limit.limit(s.now)));
        System.out.println("adaptive beside fixed(8): " + limits);
        assertThat(mean(limits.subList(20, 50))).isLessThanOrEqualTo(3.0);
        assertThat(limits).allSatisfy(l -> assertThat(l).isGreaterThanOrEqualTo(1));
    }

    @Test
    void backsOffOnFailuresToOneAndClimbsBackAfterThem() {
        SimulatedFifoService s = new SimulatedFifoService(8, 200, 0.1, 7);
        SimulatedFifoService.Client c = s.client(new AdaptiveLimit(256));
        run(s, 10_000);
        c.failUntil = 13_000; // every call fails (a 503, a timeout) for 3 s
        List<Integer> during = run(s, 13_000);
        List<Integer> after = run(s, 18_000);
        System.out.println("failures: " + during + " then " + after);
        assertThat(during.get(during.size() - 1)).isEqualTo(1);
        assertThat(during).allSatisfy(l -> assertThat(l).isGreaterThanOrEqualTo(1));
        assertThat(mean(after.subList(20, 50))).isBetween(8.0, 12.0);
    }

    @Test
    void relearnsTheNoLoadLatencyOfAServiceThatBecameSlower() {
        SimulatedFifoService s = new SimulatedFifoService(8, 100, 0.1, 8);
        s.client(new AdaptiveLimit(256));
        run(s, 10_000);
        s.serviceMillis = 300; // the same 8 workers, each call 3x as long: no queue, a new normal
        List<Integer> limits = run(s, 50_000);
        System.out.println("slower service: " + limits);
        // the old no-load latency is forgotten after two baseline windows (20 s), then it climbs
        assertThat(mean(limits.subList(0, 100))).isLessThan(4.0);
        assertThat(mean(limits.subList(300, 400))).isBetween(8.0, 12.0);
    }

    @Test
    void aLaneWithLessTrafficThanItsLimitDoesNotGrowIt() {
        SimulatedFifoService s = new SimulatedFifoService(100_000, 1, 0, 9);
        SimulatedFifoService.Client c = s.client(new AdaptiveLimit(256));
        c.demand = 3;
        run(s, 1_000);
        assertThat(c.limit.limit(s.now)).isBetween(3, 8);
    }
}
