package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The breaker's answers and failures: which calls may tell, and how often a probe counts. */
class CircuitBreakerTest {
    private static final long OPEN_FOR = 1_000;

    /** Opens a breaker of threshold 2 at {@code now} with two failed calls of generation 0. */
    private static CircuitBreaker openedAt(long now) {
        CircuitBreaker b = new CircuitBreaker(2, OPEN_FOR);
        b.failed(0, 0, now);
        assertThat(b.failed(0, 0, now)).isTrue();
        return b;
    }

    @Test
    void aLostProbesLateFailureIsNotCountedTwice() {
        CircuitBreaker b = openedAt(0);
        assertThat(b.mayStart(0, 8, 1_000)).isTrue();
        long lost = b.started(1_000);
        assertThat(b.rejects(1_500)).as("probe in flight").isTrue();
        // no answer within the open period: given up on, open again for 2 periods from its start
        assertThat(b.rejects(2_000)).isTrue();
        assertThat(b.openUntil()).isEqualTo(3_000);
        assertThat(b.rejects(3_000)).as("half-open again").isFalse();
        // the lost probe's request times out now: it must not double the backoff again
        assertThat(b.failed(b.generation(), lost, 3_100)).isFalse();
        assertThat(b.rejects(3_100)).isFalse();
        assertThat(b.mayStart(0, 8, 3_200)).isTrue();
        long next = b.started(3_200);
        assertThat(b.failed(b.generation(), next, 3_300)).isTrue();
        assertThat(b.openUntil()).as("4 periods from the second probe's start").isEqualTo(7_200);
    }

    @Test
    void aStaleFailureWhileTheNextProbeIsInFlightDoesNotReopen() {
        CircuitBreaker b = openedAt(0);
        assertThat(b.mayStart(0, 8, 1_000)).isTrue();
        long lost = b.started(1_000);
        b.rejects(2_000); // given up on
        b.rejects(3_000);
        assertThat(b.mayStart(0, 8, 3_000)).isTrue();
        long next = b.started(3_000);
        assertThat(b.failed(b.generation(), lost, 3_050)).isFalse();
        assertThat(b.isOpen()).isTrue();
        b.answered(b.generation(), next);
        assertThat(b.isOpen()).isFalse();
    }

    @Test
    void aLostProbeThatAnswersLateClosesTheCircuit() {
        CircuitBreaker b = openedAt(0);
        assertThat(b.mayStart(0, 8, 1_000)).isTrue();
        long lost = b.started(1_000);
        b.rejects(2_000); // given up on: open until 3,000
        b.answered(b.generation(), lost); // the service is up after all
        assertThat(b.isOpen()).isFalse();
        assertThat(b.rejects(2_100)).isFalse();
    }

    @Test
    void callsFromBeforeTheOpeningNeitherCloseItNorResetItsCountAfterwards() {
        CircuitBreaker b = openedAt(0);
        int before = 0;
        b.answered(before, 0);
        assertThat(b.isOpen()).as("an old call's answer is no probe's").isTrue();
        assertThat(b.mayStart(0, 8, 1_000)).isTrue();
        long probe = b.started(1_000);
        b.answered(b.generation(), probe);
        assertThat(b.isOpen()).isFalse();
        assertThat(b.failed(b.generation(), 0, 1_100)).isFalse(); // 1 of 2
        b.answered(before, 0); // an old call answers: tells nothing about now
        assertThat(b.failed(b.generation(), 0, 1_200)).as("2 of 2 in a row").isTrue();
    }
}
