package dev.floodgate.operators.shed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link PeakRate}: the largest rate of the last one to two windows, forgotten after two. */
class PeakRateTest {
    @Test
    void keepsThePeakForOneToTwoWindowsThenForgetsIt() {
        PeakRate p = new PeakRate(1_000);
        assertThat(p.observe(100, 0)).isEqualTo(100);
        assertThat(p.observe(10, 500)).isEqualTo(100);
        assertThat(p.observe(10, 1_000))
                .as("the newer bucket starts, the older holds 100")
                .isEqualTo(100);
        assertThat(p.observe(10, 1_999)).isEqualTo(100);
        assertThat(p.observe(10, 2_000)).as("two windows on: 100 is forgotten").isEqualTo(10);
        assertThat(p.observe(5, 10_000)).as("after a long gap nothing old counts").isEqualTo(5);
    }
}
