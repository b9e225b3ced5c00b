package dev.floodgate.operators.ordering;

import static dev.floodgate.operators.ordering.OrderingHarness.at;
import static dev.floodgate.operators.ordering.OrderingHarness.customersWith;
import static dev.floodgate.operators.ordering.OrderingHarness.duplicateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.gaps;
import static dev.floodgate.operators.ordering.OrderingHarness.ids;
import static dev.floodgate.operators.ordering.OrderingHarness.lateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.send;
import static dev.floodgate.operators.ordering.OrderingHarness.state;
import static dev.floodgate.testing.Events.event;
import static dev.floodgate.testing.Events.unsequenced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.model.Gap;
import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class OrderPerCustomerTest {
    private static final long T0 = 1_000_000L;
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults()
                    .withMaxWait(Duration.ofMillis(100))
                    .withMaxBuffered(3)
                    .withStateTtl(Duration.ofHours(1))
                    .withDedupeHorizon(Duration.ofHours(1))
                    .withDuplicatesToSideOutput(true);

    private KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void inOrderEventsGoOutAtOnceAndLeaveOnlyTheCursorAndTheirIds() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("b", 1), event("a", 2), event("a", 3), event("b", 2));

        assertThat(ids(h)).containsExactly("a#1", "b#1", "a#2", "a#3", "b#2");
        assertThat(gaps(h)).isEmpty();
        assertDrained(2);
    }

    @Test
    void earlyEventsWaitForTheirGapAndFollowItOut() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), event("b", 1), event("a", 4));
        assertThat(ids(h)).containsExactly("a#1", "b#1");
        assertThat(h.numEventTimeTimers()).isEqualTo(1);

        send(h, event("a", 2), event("a", 5));

        assertThat(ids(h)).containsExactly("a#1", "b#1", "a#2", "a#3", "a#4", "a#5");
        assertThat(gaps(h)).isEmpty();
        assertDrained(2);
    }

    @Test
    void duplicatesAreDroppedWhetherEmittedOrHeld() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(
                h,
                event("a", 1),
                event("a", 2),
                event("a", 2),
                event("a", 1),
                event("a", 4),
                event("a", 4));
        send(h, event("a", 3), event("a", 3));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3", "a#4");
        assertThat(duplicateIds(h)).containsExactly("a#2", "a#1", "a#4", "a#3");
        assertDrained(1);
    }

    @Test
    void duplicatesStayOffTheSideOutputUnlessAskedFor() throws Exception {
        h = OrderingHarness.open(CONFIG.withDuplicatesToSideOutput(false), null, T0);
        send(h, event("a", 1), event("a", 1));

        assertThat(ids(h)).containsExactly("a#1");
        assertThat(duplicateIds(h)).isEmpty();
    }

    @Test
    void unfilledGapTimesOutReleasingEverythingHeldInOrder() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 4));
        at(h, T0 + 30);
        send(h, event("a", 7), event("a", 3));
        at(h, T0 + 99);
        assertThat(ids(h)).containsExactly("a#1");

        at(h, T0 + 100);

        assertThat(ids(h)).containsExactly("a#1", "a#3", "a#4", "a#7");
        assertThat(gaps(h))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(
                        new Gap("a", 2, 2, 100, "timeout"), new Gap("a", 5, 6, 100, "timeout"));
        assertDrained(1, 1);

        // Late, not duplicate: a skipped seq that arrives goes to the late output once; a second
        // copy is a duplicate.
        send(h, event("a", 2), event("a", 8), event("a", 6), event("a", 2), event("a", 5));
        assertThat(ids(h)).endsWith("a#7", "a#8");
        assertThat(lateIds(h)).containsExactly("a#2", "a#6", "a#5");
        assertThat(duplicateIds(h)).containsExactly("a#2");
        assertDrained(1, 0);
    }

    /**
     * Backpressure: records queue in front of the operator, processing time runs, the log clock
     * does not.
     */
    @Test
    void aWaitDoesNotRunOutWhileTheLogStandsStill() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3));
        h.setProcessingTime(
                T0 + 50 * CONFIG.maxWait().toMillis()); // the awaited event is still in the queue

        send(h, event("a", 2));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3");
        assertThat(gaps(h)).isEmpty();
        assertDrained(1);
    }

    @Test
    void seqsOfForgottenSkippedRangesStillGoLateAndCopiesAreKnownByTheirIds() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1));
        long now = T0;
        int ranges = SkippedSeqs.MAX_RANGES + 3;
        for (int r = 1; r <= ranges; r++) { // skips seq 2r: a#3 skips 2, a#5 skips 4, ...
            send(h, event("a", 2L * r + 1));
            at(h, now += 100);
        }
        assertThat(gaps(h)).hasSize(ranges);

        send(h, event("a", 2), event("a", 6), event("a", 8), event("a", 2L * ranges));
        // the three oldest ranges (2, 4, 6) were forgotten: their stragglers still go late (as
        // lateUnknown); copies are known by id, however old their seq
        send(h, event("a", 3), event("a", 9));

        assertThat(lateIds(h)).containsExactly("a#2", "a#6", "a#8", "a#" + 2 * ranges);
        assertThat(duplicateIds(h)).containsExactly("a#3", "a#9");
    }

    /**
     * A customer the previous form held before its first seq (no cursor, no ids): a copy of a held
     * event is known, and the customer gets its cursor and housekeeping timer.
     */
    @Test
    void eventsHeldWithoutACursorByThePreviousFormKeepTheirIdentity() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("c", 2));
        state(h, "c", OrderingState.nextSeq()).clear(); // as 3f9013d left it
        state(h, "c", OrderingState.emittedIds()).clear();

        send(h, event("c", 2), event("c", 1));

        assertThat(duplicateIds(h)).containsExactly("c#2");
        assertThat(ids(h)).containsExactly("c#1", "c#2");
        assertThat(lateIds(h)).isEmpty();
        assertDrained(1);
    }

    /**
     * After a restart the housekeeping timers that fell due fire before the first watermark: they
     * look again soon, not a horizon later.
     */
    @Test
    void idsAreSweptSoonAfterARestartOnceTheLogClockIsKnown() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1));
        OperatorSubtaskState snapshot = h.snapshot(1, T0);
        h.close();
        long hour = Duration.ofHours(1).toMillis();
        h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new OrderPerCustomer(CONFIG)),
                        CustomerKey.INSTANCE,
                        Types.STRING);
        h.setup();
        h.initializeState(snapshot);
        h.open();
        h.setStateTtlProcessingTime(T0 + 3 * hour);
        h.setProcessingTime(T0 + 3 * hour); // no watermark yet: the log's clock is unknown
        assertThat(customersWith(h, OrderingState.EMITTED_IDS)).isEqualTo(1);

        h.processWatermark(T0 + 3 * hour);
        h.setProcessingTime(T0 + 3 * hour + hour / 10 + 1);

        assertThat(customersWith(h, OrderingState.EMITTED_IDS)).isZero();
    }

    /** Stragglers that split one long skipped range keep at most MAX_RANGES ranges. */
    @Test
    void stragglersSplittingASkippedRangeKeepItBounded() throws Exception {
        h = OrderingHarness.open(CONFIG.withMaxSeqJump(10_000), null, T0);
        send(h, event("a", 1), event("a", 1_001));
        at(h, T0 + 100); // 2..1000 skipped
        for (long s = 3; s < 1_000; s += 2) {
            send(h, event("a", s));
        }

        assertThat(lateIds(h)).hasSize(499);
        assertThat(state(h, "a", OrderingState.skipped(CONFIG.stateTtl())).value())
                .hasSizeLessThanOrEqualTo(2 * SkippedSeqs.MAX_RANGES);
    }

    /**
     * A customer that never goes quiet still has its ids swept: what it holds stays about what it
     * accepted within the horizon (sweeps are a tenth of the horizon apart).
     */
    @Test
    void idsOlderThanTheHorizonAreSweptWhileACustomerStaysBusy() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        long minute = Duration.ofMinutes(1).toMillis();
        for (long s = 1; s <= 300; s++) { // one event a minute for 5 hours, horizon 1 hour
            at(h, T0 + s * minute);
            send(h, event("a", s));
        }

        int held = 0;
        for (var ignored : state(h, "a", OrderingState.emittedIds()).keys()) {
            held++;
        }
        assertThat(held).isBetween(60, 60 + 6 + 1);
        assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
        send(h, event("a", 250)); // within the horizon: a copy
        send(h, event("a", 200)); // accepted 100 minutes ago: taken for a new event, late
        assertThat(duplicateIds(h)).containsExactly("a#250");
        assertThat(lateIds(h)).containsExactly("a#200");
    }

    @Test
    void theWaitRestartsWhenTheAwaitedSeqArrives() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), event("a", 5));
        at(h, T0 + 80);
        send(h, event("a", 2));
        at(h, T0 + 179);
        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3");
        assertThat(h.numEventTimeTimers()).isEqualTo(1);

        at(h, T0 + 180);

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3", "a#5");
        assertThat(gaps(h))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(new Gap("a", 4, 4, 100, "timeout"));
        assertDrained(1, 1);
    }

    @Test
    void overflowReleasesTheOldestContiguousRun() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), event("a", 4), event("a", 6));
        at(h, T0 + 10);
        send(h, event("a", 7));

        assertThat(ids(h)).containsExactly("a#1", "a#3", "a#4");
        assertThat(gaps(h))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(new Gap("a", 2, 2, 10, "overflow"));
        assertThat(h.numEventTimeTimers()).isEqualTo(1);

        send(h, event("a", 5));
        assertThat(ids(h)).endsWith("a#4", "a#5", "a#6", "a#7");
        assertDrained(1, 1);
    }

    @Test
    void aNewCustomerStartsAtSeqOneOrAfterWaitingAtTheLowestSeen() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(
                h,
                event("one", 1),
                event("late", 3),
                event("mid", 42),
                event("mid", 41),
                event("late", 1));
        assertThat(ids(h)).containsExactly("one#1", "late#1");

        send(h, event("late", 2));
        assertThat(ids(h)).containsExactly("one#1", "late#1", "late#2", "late#3");

        at(h, T0 + 100);
        assertThat(ids(h)).endsWith("late#3", "mid#41", "mid#42");
        assertThat(gaps(h)).isEmpty();
        send(h, event("mid", 40), event("mid", 43), event("mid", 41));
        assertThat(ids(h)).endsWith("mid#42", "mid#43");
        // below where mid started: seq 40 cannot be placed, so it goes late, not dropped; 41's id
        // was emitted, so it is a copy
        assertThat(lateIds(h)).containsExactly("mid#40");
        assertThat(duplicateIds(h)).containsExactly("mid#41");
        assertDrained(3);
    }

    @Test
    void eventsWithoutSeqPassInLogOrderDedupedByTheirIds() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(
                h,
                unsequenced("a", "x"),
                unsequenced("a", "y"),
                unsequenced("a", "x"),
                unsequenced("b", "x"));
        send(h, unsequenced("a", "z"), unsequenced("a", "x"));

        assertThat(ids(h)).containsExactly("x", "y", "x", "z");
        assertThat(duplicateIds(h)).containsExactly("x", "x");
        assertThat(h.numProcessingTimeTimers()).as("a housekeeping timer each").isEqualTo(2);
        assertThat(h.numKeyedStateEntries())
                .as("a's and b's ids, and a cursor that has not started")
                .isEqualTo(4);
    }

    @Test
    void idleCustomersAreForgottenAfterTheTtl() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 2), unsequenced("b", "x"));
        assertThat(h.numKeyedStateEntries()).as("a cursor and ids each").isEqualTo(4);
        assertThat(h.numProcessingTimeTimers()).as("a housekeeping timer each").isEqualTo(2);

        at(h, T0 + Duration.ofHours(1).toMillis() + 1);
        OperatorSubtaskState snapshot = h.snapshot(1, T0);
        h.close();
        h = OrderingHarness.open(CONFIG, snapshot, T0 + Duration.ofHours(1).toMillis() + 1);

        assertThat(h.numKeyedStateEntries()).isZero();
        send(h, unsequenced("b", "x"), event("a", 1));
        assertThat(ids(h)).containsExactly("x", "a#1");
    }

    /**
     * The housekeeping timer clears a customer exactly once it has been idle for the TTL: state and
     * timers to zero.
     */
    @Test
    void idleTimersForgetQuietCustomersWhileRunningAndFollowActiveOnes() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        for (int c = 0; c < 10; c++) {
            send(h, event("idle" + c, 1));
        }
        long hour = Duration.ofHours(1).toMillis();
        at(h, T0 + hour / 2);
        send(h, event("busy", 1));
        send(h, event("idle0", 2)); // active again: its timer moves on instead of clearing it
        assertThat(customersWith(h, OrderingState.NEXT_SEQ)).isEqualTo(11);
        assertThat(h.numProcessingTimeTimers()).isEqualTo(11);

        at(h, T0 + hour);
        assertThat(customersWith(h, OrderingState.NEXT_SEQ))
                .as("idle1..idle9 forgotten")
                .isEqualTo(2);
        assertThat(h.numProcessingTimeTimers()).isEqualTo(2);

        send(h, event("held", 1), event("held", 3)); // seq 3 held, waiting for 2
        h.setProcessingTime(
                T0 + 2 * hour + 1); // an hour of processing time, while the log stands still
        assertThat(cursor("held")[0]).as("held is not idle while it waits").isEqualTo(2);
        assertThat(cursor("busy")[0])
                .as("busy's position forgotten; its ids (the log stands still) not yet")
                .isZero();
        assertThat(cursor("idle0")[0]).isZero();
        at(h, T0 + 2 * hour + 2); // the log moves on: the wait runs out and releases seq 3
        assertThat(ids(h)).endsWith("held#1", "held#3");
        at(h, T0 + 5 * hour);
        assertThat(customersWith(h, OrderingState.NEXT_SEQ)).isZero();
        assertThat(customersWith(h, OrderingState.SKIPPED)).isZero();
        assertThat(h.numProcessingTimeTimers()).isZero();
        assertThat(h.numEventTimeTimers()).isZero();
        assertThat(h.numKeyedStateEntries()).as("ids swept after the horizon").isZero();
        OperatorSubtaskState snapshot = h.snapshot(1, T0 + 5 * hour);
        h.close();
        h = OrderingHarness.open(CONFIG, snapshot, T0 + 5 * hour);
        assertThat(h.numKeyedStateEntries()).isZero();
    }

    @Test
    void theIdleTimerLeavesEventIdsToTheDedupeHorizon() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1));
        long hour = Duration.ofHours(1).toMillis();
        at(h, T0 + hour * 9 / 10);
        send(h, unsequenced("a", "x")); // still active, without seq: next-seq is not written
        at(h, T0 + hour + 1); // next-seq idle for the TTL: forgotten

        send(h, unsequenced("a", "x"));

        assertThat(duplicateIds(h)).as("its ids outlive next-seq").containsExactly("x");
        assertThat(h.numProcessingTimeTimers()).as("kept for the ids").isEqualTo(1);
        assertThat(state(h, "a", OrderingState.nextSeq()).value()[0])
                .as("its position forgotten: a cursor that has not started")
                .isZero();
    }

    @Test
    void expiredStateIsNotReadEvenBeforeItIsCleanedUp() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 2));
        at(h, T0 + Duration.ofHours(1).toMillis() + 1);

        send(h, event("a", 1));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#1");
    }

    @Test
    void snapshotInTheMiddleOfAGapLosesAndRepeatsNothing() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), event("a", 4), event("b", 1), event("b", 3));
        List<String> before = ids(h);
        OperatorSubtaskState snapshot = h.snapshot(1, T0);
        h.close();

        h = OrderingHarness.open(CONFIG, snapshot, T0 + 10);
        assertThat(h.numEventTimeTimers()).isEqualTo(2);
        send(h, event("a", 2), event("a", 3), event("b", 1));
        at(h, T0 + 100);

        List<String> all = new ArrayList<>(before);
        all.addAll(ids(h));
        assertThat(all).containsExactly("a#1", "b#1", "a#2", "a#3", "a#4", "b#3");
        assertThat(gaps(h))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(new Gap("b", 2, 2, 100, "timeout"));
        assertThat(duplicateIds(h)).containsExactly("a#3", "b#1");
        assertDrained(2, 1);
    }

    @Test
    void theOperatorAndItsConfigSurviveJavaSerialization() throws Exception {
        OrderPerCustomer copy = InstantiationUtil.clone(new OrderPerCustomer(CONFIG));
        h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(copy), CustomerKey.INSTANCE, Types.STRING);
        h.open();
        send(h, event("a", 2), event("a", 1));
        assertThat(ids(h)).containsExactly("a#1", "a#2");
    }

    @Test
    void configRejectsSettingsThatCannotWork() {
        assertThatThrownBy(() -> CONFIG.withMaxBuffered(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CONFIG.withMaxWait(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CONFIG.withStateTtl(Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CONFIG.withDedupeHorizon(Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theEndOfABoundedInputReleasesEverythingHeldAndReportsTheHoles() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), event("a", 5), event("b", 4), event("c", 1));
        assertThat(h.numEventTimeTimers()).as("one gap timer per waiting customer").isEqualTo(2);

        at(h, T0 + 10); // well within the maximum wait: only the end of input releases them
        h.processWatermark(Long.MAX_VALUE);

        assertThat(ids(h)).containsExactly("a#1", "c#1", "a#3", "a#5", "b#4");
        assertThat(gaps(h))
                .extracting(g -> g.customerId + ":" + g.fromSeq + ".." + g.toSeq + ":" + g.cause)
                .containsExactly("a:2..2:end_of_input", "a:4..4:end_of_input");
        assertDrained(3, 1);
    }

    /** next-seq's third element follows gap-wait through every path that starts or ends a wait. */
    @Test
    void theCursorSaysWhetherEventsAreHeld() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1));
        assertCursor("a", 2, false);
        send(h, event("a", 3), event("a", 5));
        assertCursor("a", 2, true);
        send(h, event("a", 2)); // a#5 still held: the wait goes on
        assertCursor("a", 4, true);
        send(h, event("a", 4));
        assertCursor("a", 6, false);

        send(
                h,
                event("a", 7),
                event("a", 8),
                event("a", 10),
                event("a", 11)); // overflow: 7 and 8 go, 10 and 11 stay
        assertCursor("a", 9, true);
        at(h, T0 + 100);
        assertCursor("a", 12, false);

        send(h, event("new", 3));
        assertCursor("new", 0, true); // held before its first seq: not started
        send(h, event("new", 1));
        assertCursor("new", 2, true);
        send(h, event("new", 2));
        assertCursor("new", 4, false);

        assertThat(ids(h))
                .containsExactly(
                        "a#1", "a#2", "a#3", "a#4", "a#5", "a#7", "a#8", "a#10", "a#11", "new#1",
                        "new#2", "new#3");
        assertThat(gaps(h))
                .extracting(g -> g.fromSeq + ".." + g.toSeq + ":" + g.cause)
                .containsExactly("6..6:overflow", "9..9:timeout");
        assertDrained(2, 1);
    }

    /** A savepoint of the version before the flag: its two-element cursors hide nothing held. */
    @Test
    void aCursorWithoutTheFlagStillReleasesHeldEventsWhenTheGapFills() throws Exception {
        h =
                OrderingHarness.open(
                        CONFIG,
                        withoutTheFlag(event("a", 1), event("a", 3), event("a", 4), event("b", 1)),
                        T0 + 10);
        assertThat(cursor("a")).containsExactly(2, T0);

        send(h, event("a", 3), event("a", 2));
        assertThat(ids(h)).containsExactly("a#2", "a#3", "a#4");
        assertThat(duplicateIds(h)).containsExactly("a#3");
        assertCursor("a", 5, false);

        send(h, event("b", 3)); // a wait starts on a two-element cursor
        assertCursor("b", 2, true);
        send(h, event("b", 2));
        assertCursor("b", 4, false);
        assertThat(ids(h)).endsWith("a#4", "b#2", "b#3");
        assertDrained(2);
    }

    @Test
    void aCursorWithoutTheFlagStillKeepsItsCustomerWhileHeldAndTimesOut() throws Exception {
        h = OrderingHarness.open(CONFIG, withoutTheFlag(event("a", 1), event("a", 3)), T0);
        long hour = Duration.ofHours(1).toMillis();
        h.setProcessingTime(
                T0 + hour + 1); // the housekeeping timer fires while the log stands still
        assertThat(cursor("a")).as("not idle while it waits").containsExactly(2, T0);

        at(h, T0 + hour + 2);

        assertThat(ids(h)).containsExactly("a#3");
        assertThat(gaps(h))
                .extracting(g -> g.fromSeq + ".." + g.toSeq + ":" + g.cause)
                .containsExactly("2..2:timeout");
        assertCursor("a", 4, false);
        assertThat(customersWith(h, OrderingState.SKIPPED)).isEqualTo(1);
        at(h, T0 + 3 * hour);
        assertThat(customersWith(h, OrderingState.NEXT_SEQ)).isZero();
        assertThat(customersWith(h, OrderingState.EMITTED_IDS)).isZero();
        assertThat(h.numProcessingTimeTimers()).isZero();
    }

    /**
     * The state these events leave, with next-seq cut to {@code [next seq, last written at]} as
     * before the flag.
     */
    private static OperatorSubtaskState withoutTheFlag(Interaction... events) throws Exception {
        try (var before = OrderingHarness.open(CONFIG, null, T0)) {
            send(before, events);
            for (String customer :
                    Arrays.stream(events).map(e -> e.customerId).distinct().toList()) {
                ValueState<long[]> nextSeq = state(before, customer, OrderingState.nextSeq());
                nextSeq.update(Arrays.copyOf(nextSeq.value(), 2));
            }
            return before.snapshot(1, T0);
        }
    }

    private long[] cursor(String customer) throws Exception {
        return state(h, customer, OrderingState.nextSeq()).value();
    }

    /**
     * next-seq holds {@code next} and says whether events are held, and gap-wait and buffer agree.
     */
    private void assertCursor(String customer, long next, boolean held) throws Exception {
        long[] cursor = cursor(customer);
        assertThat(cursor)
                .as("%s's next-seq", customer)
                .hasSize(SeqCursor.SHORT_LENGTH)
                .startsWith(next)
                .matches(c -> c[2] == (held ? 1 : 0), "flag " + held);
        assertThat(state(h, customer, OrderingState.gapWait()).value())
                .as("%s's gap-wait", customer)
                .matches(w -> (w != null) == held);
        assertThat(state(h, customer, OrderingState.buffer()).isEmpty())
                .as("%s's buffer empty", customer)
                .isEqualTo(!held);
    }

    /** Nothing held: no gap timers; a cursor, ids and a housekeeping timer per customer. */
    private void assertDrained(int customers) {
        assertDrained(customers, 0);
    }

    /**
     * Nothing held: no gap timers, no buffer or gap-wait; a cursor, ids and a housekeeping timer
     * per customer, and {@code skipped} for {@code withSkipped} customers (skipped seqs unclaimed).
     */
    private void assertDrained(int customers, int withSkipped) {
        assertThat(h.numProcessingTimeTimers()).as("housekeeping timers").isEqualTo(customers);
        assertThat(h.numEventTimeTimers()).isZero();
        assertThat(customersWith(h, OrderingState.NEXT_SEQ)).isEqualTo(customers);
        assertThat(customersWith(h, OrderingState.EMITTED_IDS)).isEqualTo(customers);
        assertThat(customersWith(h, OrderingState.SKIPPED)).isEqualTo(withSkipped);
        assertThat(customersWith(h, OrderingState.BUFFER)).isZero();
        assertThat(customersWith(h, OrderingState.GAP_WAIT)).isZero();
        assertThat(h.numKeyedStateEntries()).isEqualTo(2L * customers + withSkipped);
    }
}
