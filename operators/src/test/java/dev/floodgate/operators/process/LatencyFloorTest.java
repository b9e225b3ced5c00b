package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyFloorTest {
    @Test
    void unknownBeforeTheFirstAnswer() {
        assertThat(new LatencyFloor(1_000).millis()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void theShortestOfTheLastOneToTwoWindows() {
        LatencyFloor floor = new LatencyFloor(1_000);
        floor.observe(200, 0);
        floor.observe(450, 500);
        assertThat(floor.millis()).isEqualTo(200);
        floor.observe(400, 1_000); // a new bucket: the older one still counts
        assertThat(floor.millis()).isEqualTo(200);
        floor.observe(380, 2_000); // two windows on: the 200 is forgotten
        assertThat(floor.millis()).isEqualTo(380);
    }

    @Test
    void aLongSilenceForgetsBoth() {
        LatencyFloor floor = new LatencyFloor(1_000);
        floor.observe(200, 0);
        floor.observe(500, 5_000);
        assertThat(floor.millis()).isEqualTo(500);
    }
}
