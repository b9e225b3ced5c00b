package dev.floodgate.operators.ordering;

import static dev.floodgate.operators.ordering.OrderingHarness.at;
import static dev.floodgate.operators.ordering.OrderingHarness.duplicateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.gaps;
import static dev.floodgate.operators.ordering.OrderingHarness.ids;
import static dev.floodgate.operators.ordering.OrderingHarness.lateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.send;
import static dev.floodgate.operators.ordering.OrderingHarness.state;
import static dev.floodgate.testing.Events.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Interaction;
import java.time.Duration;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which events {@link OrderPerCustomer} may drop: only events whose id it accepted before.
 * Stragglers the state cannot place, producer restarts (whatever their clocks), implausible jumps
 * and seq conflicts go late or start the sequence over; producer clocks are never read.
 */
@Timeout(60)
class OrderPerCustomerIdentityTest {
    private static final long T0 = 1_000_000L;
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults()
                    .withMaxWait(Duration.ofMillis(100))
                    .withMaxBuffered(8)
                    .withStateTtl(Duration.ofHours(1))
                    .withDedupeHorizon(Duration.ofDays(2))
                    .withDuplicatesToSideOutput(true)
                    .withMaxSeqJump(1_000);

    private KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    /** Issue 29's loss: a restart whose producer clock runs behind the old sequence's. */
    @Test
    void aProducerRestartWithAClockBehindLosesNothingAndShedsNothing() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        sendRun("old-", 1, 15, 10_000);
        sendRun("new-", 1, 15, 9_000); // new ids, occurred 1 s before the old sequence's

        assertThat(ids(h))
                .hasSize(30)
                .startsWith("old-1")
                .containsSubsequence("old-15", "new-1", "new-15");
        assertThat(lateIds(h)).isEmpty();
        assertThat(duplicateIds(h)).isEmpty();
    }

    /** Producer clocks are not read: occurred_at in any order changes nothing. */
    @Test
    void occurredAtOutOfSeqOrderIsNeitherLateNorACopy() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(
                h,
                occurred("a", 1, "call", 5_000), // a call logged after it ended, with its start
                occurred("a", 2, "chat-1", 1_000),
                occurred("a", 4, "chat-3", 9_000),
                occurred("a", 3, "chat-2", 1));

        assertThat(ids(h)).containsExactly("call", "chat-1", "chat-2", "chat-3");
        assertThat(lateIds(h)).isEmpty();
    }

    @Test
    void aProducerRestartReleasesWhatTheOldSequenceHeldFirst() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        sendRun("old-", 1, 5, 1_000);
        send(h, occurred("a", 9, "old-9", 1_009)); // held: the old sequence waits for 6..8
        send(
                h,
                occurred("a", 1, "new-1", 0), // a seq 1 with a new id: started over
                occurred("a", 3, "new-3", 0),
                occurred("a", 2, "new-2", 0));
        // copies of either sequence are known by id; without an epoch, an old event never
        // emitted that comes after the restart is placed by its seq: old-7 waits as seq 7
        send(
                h,
                occurred("a", 2, "new-2", 0),
                occurred("a", 9, "old-9", 1_009),
                occurred("a", 4, "old-4", 1_004),
                occurred("a", 7, "old-7", 1_007));
        at(h, T0 + 200);

        assertThat(ids(h))
                .containsExactly(
                        "old-1", "old-2", "old-3", "old-4", "old-5", "old-9", "new-1", "new-2",
                        "new-3", "old-7");
        assertThat(gaps(h))
                .extracting(g -> g.fromSeq + ".." + g.toSeq + ":" + g.cause)
                .containsExactly("6..8:reset", "4..6:timeout");
        assertThat(duplicateIds(h)).containsExactly("new-2", "old-9", "old-4");
        assertThat(lateIds(h)).isEmpty();
    }

    /**
     * Without an epoch a seq 1 with a new id always starts over, also after a customer started
     * later in its sequence (the state cannot tell seq 1 of a new sequence from a straggler).
     */
    @Test
    void aSeqOneWithANewIdStartsOverEvenAfterTheCustomerStartedLater() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 2), event("a", 3), event("a", 4));
        at(h, T0 + 200); // the wait for seq 1 runs out: a starts at 2
        send(h, event("a", 1), event("a", 1), event("a", 3), event("a", 2, "new-2"));

        assertThat(ids(h)).containsExactly("a#2", "a#3", "a#4", "a#1", "new-2");
        assertThat(duplicateIds(h)).containsExactly("a#1", "a#3");
        assertThat(lateIds(h)).isEmpty();
    }

    /** With an epoch the same seq 1 is a straggler of the sequence the customer started in. */
    @Test
    void withAnEpochASeqOneOfTheSameEpochIsAStragglerNotARestart() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, epoch(event("a", 2), 1), epoch(event("a", 3), 1));
        at(h, T0 + 200);
        send(h, epoch(event("a", 1), 1), epoch(event("a", 4), 1));

        assertThat(ids(h)).containsExactly("a#2", "a#3", "a#4");
        assertThat(lateIds(h)).containsExactly("a#1");
    }

    /**
     * A higher seq_epoch starts a new sequence even when its seq 1 comes after its seq 2; the old
     * sequence's next seq still goes out in order; its other stragglers go late.
     */
    @Test
    void aNewEpochTellsTheOldSequencesStragglersApartExactly() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        for (long s = 1; s <= 5; s++) {
            send(h, epoch(event("a", s, "e1-" + s), 1));
        }
        send(h, epoch(event("a", 7, "e1-7"), 1)); // held, waiting for 6
        send(h, epoch(event("a", 2, "e2-2"), 2)); // the new sequence's seq 2 first
        send(
                h,
                epoch(event("a", 8, "e1-8"), 1), // the old sequence's next: still in order
                epoch(event("a", 6, "e1-6"), 1), // skipped when the new epoch released 7
                epoch(event("a", 1, "e2-1"), 2),
                epoch(event("a", 3, "e2-3"), 2),
                epoch(event("a", 7, "e1-7"), 1)); // a copy

        assertThat(ids(h))
                .containsExactly(
                        "e1-1", "e1-2", "e1-3", "e1-4", "e1-5", "e1-7", "e1-8", "e2-1", "e2-2",
                        "e2-3");
        assertThat(lateIds(h)).containsExactly("e1-6");
        assertThat(duplicateIds(h)).containsExactly("e1-7");
        assertThat(gaps(h))
                .extracting(g -> g.fromSeq + ".." + g.toSeq + ":" + g.cause)
                .containsExactly("6..6:reset");
    }

    /**
     * The replaced sequence's stragglers out of order among themselves: one goes late (its
     * predecessor had not come), and the sequence steps over it, so the next ones still go out.
     * (The adversarial property found this after 88,617 tries.)
     */
    @Test
    void aReplacedSequenceStepsOverItsStragglersThatWentLate() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, epoch(event("a", 1, "e1-1"), 1), epoch(event("a", 1, "e2-1"), 2));
        send(
                h,
                epoch(event("a", 3, "e1-3"), 1),
                epoch(event("a", 2, "e1-2"), 1),
                epoch(event("a", 4, "e1-4"), 1),
                epoch(event("a", 2, "e2-2"), 2));

        assertThat(ids(h)).containsExactly("e1-1", "e2-1", "e1-2", "e1-4", "e2-2");
        assertThat(lateIds(h)).containsExactly("e1-3");
    }

    /** Issue 29's copies out twice: a late event's copy is known by its id, however late. */
    @Test
    void aCopyOfAnEventSentLateIsDroppedWithinTheHorizonAndGoesOutAfterIt() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3));
        at(h, T0 + 200); // 2 is skipped
        send(h, event("a", 2)); // late
        at(h, T0 + Duration.ofHours(20).toMillis()); // days later, within the horizon
        send(h, event("a", 2), event("a", 3), event("a", 4));
        assertThat(lateIds(h)).containsExactly("a#2");
        assertThat(duplicateIds(h)).containsExactly("a#2", "a#3");

        // logged a horizon after its original: a new event (the customer, idle for the state TTL,
        // starts again from it)
        at(h, T0 + 200 + CONFIG.dedupeHorizon().toMillis());
        send(h, event("a", 2));
        at(h, T0 + 400 + CONFIG.dedupeHorizon().toMillis());
        assertThat(ids(h)).as("beyond the horizon, a copy goes out again").endsWith("a#2");
    }

    /**
     * The horizon runs on the log's clock, like the retention: a job stopped for longer than the
     * horizon still knows a copy logged within it after the original.
     */
    @Test
    void aStoppedJobStillKnowsCopiesLoggedWithinTheHorizon() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 2));
        long tenDays = Duration.ofDays(10).toMillis();
        h.setStateTtlProcessingTime(T0 + tenDays); // stopped, then a backlog to read
        h.setProcessingTime(T0 + tenDays);
        Interaction copy = event("a", 2);
        copy.logTimestamp = T0 + Duration.ofDays(1).toMillis();
        h.processElement(new StreamRecord<>(copy, copy.logTimestamp));

        assertThat(duplicateIds(h)).containsExactly("a#2");
    }

    @Test
    void anotherEventAtAHeldSeqGoesLate() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), event("a", 3, "other"), event("a", 2));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3");
        assertThat(lateIds(h)).containsExactly("other");
    }

    @Test
    void oneImplausibleSeqGoesLateAndTheCustomerStaysInOrder() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 2), event("a", 1_000_000_000L), event("a", 3));
        send(h, event("a", 1_000_000_000L), event("a", 4));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3", "a#4");
        assertThat(lateIds(h)).containsExactly("a#1000000000");
        assertThat(duplicateIds(h)).containsExactly("a#1000000000");
    }

    @Test
    void aJumpConfirmedByTheNextSeqRestartsTheSequenceThere() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 2), event("a", 50_000), event("a", 50_001));
        send(h, event("a", 50_002), event("a", 50_001), event("a", 3));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#50001", "a#50002");
        assertThat(lateIds(h)).containsExactly("a#50000", "a#3");
        assertThat(duplicateIds(h)).containsExactly("a#50001");
    }

    /** A jump is confirmed only by the very next event: a stale candidate confirms nothing. */
    @Test
    void aJumpCandidateIsForgottenByTheNextEvent() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 2), event("a", 5_000), event("a", 3));
        send(h, event("a", 5_001), event("a", 4));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3", "a#4");
        assertThat(lateIds(h)).containsExactly("a#5000", "a#5001");
    }

    /** Nor by an event that goes late in between (another event at a held seq). */
    @Test
    void aJumpCandidateIsForgottenByAnEventThatGoesLate() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), event("a", 5_000), event("a", 3, "other"));
        send(h, event("a", 5_001), event("a", 2));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3");
        assertThat(lateIds(h)).containsExactly("a#5000", "other", "a#5001");
    }

    /** A producer that starts sending epochs mid-sequence goes on; it has not restarted. */
    @Test
    void aFirstEpochContinuesTheSequenceItJoins() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 3), epoch(event("a", 2), 1), epoch(event("a", 4), 1));
        send(h, epoch(event("a", 1, "restart-1"), 2), epoch(event("a", 2, "restart-2"), 2));

        assertThat(ids(h)).containsExactly("a#1", "a#2", "a#3", "a#4", "restart-1", "restart-2");
        assertThat(gaps(h)).isEmpty();
        assertThat(lateIds(h)).isEmpty();
    }

    @Test
    void aSeqAtTheTopOfTheRangeCannotOverflowTheCursor() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", Long.MAX_VALUE), event("a", 1), event("a", Long.MAX_VALUE));
        send(h, event("b", Long.MAX_VALUE - 1));
        at(h, T0 + 200);
        send(h, event("b", 1), event("b", 2));

        assertThat(lateIds(h)).containsExactly("a#" + Long.MAX_VALUE, "b#" + (Long.MAX_VALUE - 1));
        assertThat(ids(h)).containsExactly("a#1", "b#1", "b#2");
        assertThat(state(h, "b", OrderingState.nextSeq()).value()[0]).isEqualTo(3);
    }

    @Test
    void anotherEventAtAnEmittedSeqGoesLateNotDropped() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 1), event("a", 2), event("a", 3));
        send(h, event("a", 2, "other"), event("a", 2), event("a", 2, "other"));

        assertThat(lateIds(h)).containsExactly("other");
        assertThat(duplicateIds(h)).containsExactly("a#2", "other");
    }

    /** Customer a's seqs {@code from..to}, ids {@code prefix + seq}, occurred at base + seq. */
    private void sendRun(String prefix, long from, long to, long base) throws Exception {
        for (long s = from; s <= to; s++) {
            send(h, occurred("a", s, prefix + s, base + s));
        }
    }

    private static Interaction epoch(Interaction e, long seqEpoch) {
        e.seqEpoch = seqEpoch;
        return e;
    }

    private static Interaction occurred(String customer, long seq, String id, long occurredAt) {
        Interaction e = event(customer, seq, id);
        e.occurredAt = occurredAt;
        return e;
    }
}
