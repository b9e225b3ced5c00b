package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.VOICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link LatencyQuantile}, and the lane's latency for the second look ({@link
 * ChannelLane#secondLookLatencyMillis}): the mean, or the tail of the calls that are not urgent
 * where the service serves urgent calls first.
 */
class LatencyQuantileTest {
    @Test
    void isTheQuantileOfTheWindowAndFollowsAShiftBothWays() {
        LatencyQuantile q = new LatencyQuantile(0.95);
        assertThat(q.millis()).isEqualTo(-1);
        q.observe(300);
        assertThat(q.millis()).isEqualTo(300);
        Random random = new Random(3);
        for (int i = 0; i < 5_000; i++) {
            q.observe(random.nextInt(1_001)); // uniform 0..1000 ms: p95 950
        }
        assertThat(q.millis()).isBetween(900.0, 1_000.0);
        for (int i = 0; i < LatencyQuantile.WINDOW; i++) {
            q.observe(2_000 + random.nextInt(101)); // overtaken: the tail moves up
        }
        assertThat(q.millis()).isBetween(2_000.0, 2_100.0);
        for (int i = 0; i < LatencyQuantile.WINDOW; i++) {
            q.observe(300); // the burst of urgent calls ended
        }
        assertThat(q.millis()).isEqualTo(300);
    }

    @Test
    void refusesAQuantileOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new LatencyQuantile(1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencyQuantile(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Nine of ten calls that are not urgent answer in 300 ms, one in 2 s (overtaken at the
     * service); urgent calls answer in 200 ms. The second look expects the tail only where the
     * service serves urgent calls first, and urgent calls do not make that tail.
     */
    @Test
    void theSecondLookExpectsTheTailOfCallsThatMayBeOvertaken() {
        ChannelLane fifo = lane();
        ChannelLane priority = lane();
        priority.othersOvertakenAtService();
        long now = 0;
        for (int i = 0; i < 2_000; i++, now += 10) {
            long latency = i % 10 == 9 ? 2_000 : 300 + i % 10 * 10;
            for (ChannelLane l : new ChannelLane[] {fifo, priority}) {
                l.answeredIn(latency, now, false);
                l.answeredIn(200, now, true);
            }
        }
        assertThat(fifo.secondLookLatencyMillis(false)).isEqualTo(fifo.latencyMillis());
        assertThat(fifo.latencyMillis()).isLessThan(600);
        assertThat(priority.secondLookLatencyMillis(false)).isGreaterThan(1_000);
        assertThat(priority.secondLookLatencyMillis(true)).isEqualTo(priority.latencyMillis());
    }

    private static ChannelLane lane() {
        return new ChannelLane(VOICE, 2, 100, new CircuitBreaker(5, 10_000));
    }
}
