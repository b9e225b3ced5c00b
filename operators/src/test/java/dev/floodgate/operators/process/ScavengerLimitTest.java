package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link ScavengerLimit} against a simulated shared FIFO service ({@link SharedFifoSimulation}):
 * the speech-to-text service of the issue (2 workers, 200 ms a call: 10 calls/s), a live lane of at
 * most 8 calls in flight, a backfill lane with a ceiling of 16 and an endless backlog. Live load
 * steps up and down; the backfill must use what live leaves, yield within seconds when live fills
 * the service, and come back when it falls.
 */
class ScavengerLimitTest {
    static final int WORKERS = 2;
    static final long SERVICE_MS = 200;
    static final int LIVE_CEILING = 8;
    static final int DRAIN_CEILING = 16;
    static final double CAPACITY = WORKERS * 1000.0 / SERVICE_MS;

    static ScavengerLimit scavenger() {
        return (ScavengerLimit)
                new ScavengerLimit.Policy(
                                0.5,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(10),
                                Duration.ofMinutes(10))
                        .create(DRAIN_CEILING);
    }

    static SharedFifoSimulation run(LongToDoubleFunction live, ConcurrencyLimit limit, int s) {
        return new SharedFifoSimulation(WORKERS, SERVICE_MS, LIVE_CEILING, live, limit, s).run();
    }

    /** Live calls per second: {@code before} until {@code atS}, then {@code after}. */
    static LongToDoubleFunction step(double before, int atS, double after) {
        return t -> t < atS * 1000L ? before : after;
    }

    @Test
    void aloneItFillsTheServiceWithoutQueueingMuch() {
        ScavengerLimit limit = scavenger();
        SharedFifoSimulation sim = run(t -> 0, limit, 120);
        double rate = sim.drainRate(10, 120);
        System.out.printf(
                "alone: %.2f calls/s of %.0f, max in flight %d%n",
                rate, CAPACITY, sim.maxDrainInFlight);
        assertThat(rate).isGreaterThanOrEqualTo(0.9 * CAPACITY);
        // it holds about the workers' worth, not its ceiling of 16: at its peaks (growing by one
        // call a round, it sees its own queue one round later) a few calls wait at the service
        assertThat(sim.maxDrainInFlight).isLessThanOrEqualTo(WORKERS + 3);
    }

    @Test
    void besideHalfLoadItUsesTheSpareCapacity() {
        double live = CAPACITY / 2;
        SharedFifoSimulation with = run(t -> live, scavenger(), 300);
        SharedFifoSimulation without = run(t -> live, new FixedLimit(0), 300);
        double spare = CAPACITY - live;
        double rate = with.drainRate(20, 300);
        System.out.printf(
                "half load: drain %.2f calls/s of %.2f spare; live mean latency %.0f ms with, %.0f ms without; max %d / %d%n",
                rate,
                spare,
                with.liveMeanLatency(20, 300),
                without.liveMeanLatency(20, 300),
                with.liveMaxLatency(20, 300),
                without.liveMaxLatency(20, 300));
        // the trade-off of a FIFO service without priorities (docs/benchmarks.md section 5): the
        // spare capacity used costs the live calls queueing behind the backfill's
        assertThat(rate).isGreaterThanOrEqualTo(0.6 * spare);
        assertThat(with.liveMeanLatency(20, 300)).isLessThan(2 * without.liveMeanLatency(20, 300));
    }

    @Test
    void aThreeTimesFloodMidDrainMakesItYieldWithinSecondsAndItComesBackAfter() {
        double half = CAPACITY / 2;
        LongToDoubleFunction live = t -> t < 60_000 ? half : t < 120_000 ? 3 * CAPACITY : half;
        ScavengerLimit limit = scavenger();
        SharedFifoSimulation sim = run(live, limit, 240);
        int yielded = 60;
        while (yielded < 110 && sim.drainShare(yielded, 120) >= 0.05) {
            yielded++;
        }
        System.out.printf(
                "flood at 60 s: share before %.3f, share below 5%% from %d s to the flood's end, share in [70,120) %.4f; after %.2f calls/s%n",
                sim.drainShare(20, 60),
                yielded - 60,
                sim.drainShare(70, 120),
                sim.drainRate(150, 240));
        assertThat(yielded - 60).isLessThanOrEqualTo(10);
        assertThat(sim.drainShare(70, 120)).isLessThan(0.05);
        assertThat(sim.drainRate(150, 240)).isGreaterThanOrEqualTo(0.5 * half);
        assertThat(sim.drainDone[130] + sim.drainDone[131] + sim.drainDone[132])
                .as("back within 10 s of the flood's end")
                .isPositive();
    }

    @Test
    void pausedItAnswersZeroUntilItsProbeAndEachCongestedProbeDoublesThePause() {
        ScavengerLimit limit = scavenger();
        long t = 0;
        for (int i = 0; i < 20; i++) {
            limit.answered(SERVICE_MS, 1, t += SERVICE_MS); // base 200 ms, no queue: grows
        }
        assertThat(limit.limit(t)).isBetween(2, DRAIN_CEILING);
        while (!limit.paused()) {
            limit.answered(5 * SERVICE_MS, 1, t += 5 * SERVICE_MS); // a standing queue
        }
        assertThat(limit.limit(t)).isZero();
        assertThat(limit.resumeAt(t)).isEqualTo(t + 1000);
        assertThat(limit.limit(t + 999)).isZero();
        t += 1000;
        assertThat(limit.limit(t)).as("the probe").isEqualTo(1);
        limit.answered(5 * SERVICE_MS, 1, t += 5 * SERVICE_MS);
        assertThat(limit.resumeAt(t)).isEqualTo(t + 2000);
        for (int i = 0; i < 10; i++) {
            t = limit.resumeAt(t);
            limit.answered(5 * SERVICE_MS, 1, t += 5 * SERVICE_MS);
        }
        assertThat(limit.resumeAt(t)).as("at most probeMax").isEqualTo(t + 10_000);
        t = limit.resumeAt(t);
        limit.answered(SERVICE_MS, 1, t += SERVICE_MS);
        assertThat(limit.paused()).isFalse();
        assertThat(limit.limit(t)).isEqualTo(1);
    }

    @Test
    void theLimitNeverPassesTheCeilingAndAFailureHalvesIt() {
        ScavengerLimit limit =
                new ScavengerLimit(
                        3,
                        0.5,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(10),
                        Duration.ofMinutes(10));
        long t = 0;
        for (int i = 0; i < 50; i++) {
            limit.answered(SERVICE_MS, 1, t += SERVICE_MS);
        }
        assertThat(limit.limit(t)).isEqualTo(3);
        limit.failed(t);
        assertThat(limit.limit(t)).isEqualTo(1);
        limit.failed(t);
        assertThat(limit.paused()).isTrue();
    }

    @Test
    void a429StormOfOneRoundHalvesOnceAndARetryAfterPausesUntilIt() {
        ScavengerLimit limit = scavenger();
        long t = 0;
        for (int i = 0; i < 50; i++) {
            limit.answered(SERVICE_MS, 1, t += SERVICE_MS);
        }
        assertThat(limit.limit(t)).isEqualTo(DRAIN_CEILING);
        // the 16 calls of one window all hear 429: one loss, as TCP counts one per window
        for (int i = 0; i < DRAIN_CEILING; i++) {
            limit.congested(t + i, -1);
        }
        assertThat(limit.limit(t)).isEqualTo(DRAIN_CEILING / 2);
        t += SERVICE_MS; // the next round: another loss halves again
        limit.congested(t, -1);
        assertThat(limit.limit(t)).isEqualTo(DRAIN_CEILING / 4);

        limit.congested(t += SERVICE_MS, 3_000); // "come back in 3 s"
        assertThat(limit.paused()).isTrue();
        assertThat(limit.limit(t + 2_999)).isZero();
        assertThat(limit.limit(t + 3_000)).as("the probe after the Retry-After").isEqualTo(1);
        limit.congested(t + 3_000, -1); // the probe hears 429 again: twice the wait
        assertThat(limit.resumeAt(t + 3_000)).isEqualTo(t + 3_000 + 2_000);
        limit.congested(t + 5_000, 60_000); // a Retry-After beyond probeMax: probeMax
        assertThat(limit.resumeAt(t + 5_000)).isEqualTo(t + 5_000 + 10_000);
        limit.answered(SERVICE_MS, 1, t + 15_000 + SERVICE_MS); // the probe answered fast
        assertThat(limit.paused()).isFalse();
        assertThat(limit.limit(t + 15_000 + SERVICE_MS)).isEqualTo(1);
    }
}
