package dev.floodgate.operators.ordering;

import static dev.floodgate.operators.ordering.OrderingHarness.at;
import static dev.floodgate.operators.ordering.OrderingHarness.duplicateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.ids;
import static dev.floodgate.operators.ordering.OrderingHarness.lateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.send;
import static dev.floodgate.operators.ordering.OrderingHarness.state;
import static dev.floodgate.testing.Events.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Interaction;
import java.time.Duration;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which events {@link OrderPerCustomer} may drop: only copies of emitted events. Stragglers the
 * state cannot place, producer resets, implausible jumps and seq conflicts are let through (the
 * late side output) or start the sequence over; each case here lost events before.
 */
@Timeout(60)
class OrderPerCustomerIdentityTest {
    private static final long T0 = 1_000_000L;
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults()
                    .withMaxWait(Duration.ofMillis(100))
                    .withMaxBuffered(8)
                    .withStateTtl(Duration.ofHours(1))
                    .withDuplicatesToSideOutput(true)
                    .withMaxSeqJump(1_000);

    private KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aNewCustomersSeqOneArrivingAfterItsFirstReleaseIsLetThroughNotDropped() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, event("a", 2), event("a", 3), event("a", 4));
        at(h, T0 + 200); // the wait for seq 1 runs out: a starts at 2
        assertThat(ids(h)).containsExactly("a#2", "a#3", "a#4");

        send(h, event("a", 1), event("a", 1), event("a", 3), event("a", 5));

        assertThat(lateIds(h)).containsExactly("a#1");
        assertThat(duplicateIds(h)).containsExactly("a#1", "a#3");
        assertThat(ids(h)).endsWith("a#5");
    }

    @Test
    void aProducerResetStartsTheSequenceOverAndLosesNoLaterEvent() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        sendRun("old-", 1, 5, 1_000);
        send(h, occurred("a", 9, "old-9", 1_009)); // held: the old sequence waits for 6..8
        // the producer restarts at 1 (later occurred_at, new ids): held 9 goes out first
        send(
                h,
                occurred("a", 1, "new-1", 5_000),
                occurred("a", 3, "new-3", 5_003),
                occurred("a", 2, "new-2", 5_002));
        // copies of the new sequence, of the event the reset released and of the old sequence's
        // last seqs are known (dropped); an old event never emitted cannot be placed (let through)
        send(
                h,
                occurred("a", 2, "new-2", 5_002),
                occurred("a", 9, "old-9", 1_009),
                occurred("a", 4, "old-4", 1_004),
                occurred("a", 7, "old-7", 1_007));

        assertThat(ids(h))
                .containsExactly(
                        "old-1", "old-2", "old-3", "old-4", "old-5", "old-9", "new-1", "new-2",
                        "new-3");
        assertThat(duplicateIds(h)).containsExactly("new-2", "old-9", "old-4");
        assertThat(lateIds(h)).containsExactly("old-7");
    }

    @Test
    void heldEventsOfAnEarlierSequenceGoLateWhenSeqOneStartsTheCustomer() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        // a customer without state: the old sequence's 2 and 4 are held, waiting for seq 1
        send(h, occurred("a", 2, "old-2", 1_002), occurred("a", 4, "old-4", 1_004));
        // seq 1 that occurred after both: the producer had started over (a reset the state did not
        // see); old-2 and old-4 cannot follow it
        send(h, occurred("a", 1, "new-1", 2_001));
        sendRun("new-", 3, 12, 2_000);
        // new-2 arrives after the sequence moved past the cursor's ring: it used to be dropped as a
        // copy, since old-2 had been emitted at seq 2
        send(
                h,
                occurred("a", 2, "new-2", 2_002),
                occurred("a", 1, "old-1", 1_001),
                occurred("a", 4, "old-4", 1_004));

        assertThat(ids(h))
                .containsExactly(
                        "new-1", "new-3", "new-4", "new-5", "new-6", "new-7", "new-8", "new-9",
                        "new-10", "new-11", "new-12");
        assertThat(lateIds(h)).containsExactly("old-2", "old-4", "new-2", "old-1");
        assertThat(duplicateIds(h)).containsExactly("old-4");
    }

    @Test
    void heldEventsOfAnEarlierSequenceGoLateWhenTheWaitStartsTheCustomer() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        send(h, occurred("a", 2, "new-2", 2_002), occurred("a", 4, "old-4", 1_004));
        at(h, T0 + 200); // the wait for seq 1 runs out: a starts at new-2, which old-4 preceded
        sendRun("new-", 3, 3, 2_000);
        sendRun("new-", 5, 13, 2_000); // held for 4 until the overflow skips it
        // new-4 used to be dropped as a copy of old-4, emitted at seq 4
        send(h, occurred("a", 4, "new-4", 2_004), occurred("a", 4, "old-4", 1_004));

        assertThat(ids(h))
                .containsExactly(
                        "new-2", "new-3", "new-5", "new-6", "new-7", "new-8", "new-9", "new-10",
                        "new-11", "new-12", "new-13");
        assertThat(lateIds(h)).containsExactly("old-4", "new-4");
        assertThat(duplicateIds(h)).containsExactly("old-4");
    }

    @Test
    void anEarlierSequenceArrivingAfterSeqOneStartedTheCustomerIsLetThrough() throws Exception {
        h = OrderingHarness.open(CONFIG, null, T0);
        sendRun("new-", 1, 12, 2_000);
        // the sequence before it, which occurred earlier, arrives late; old-2's seq is beyond the
        // cursor's ring, where it used to pass for a copy of new-2
        send(
                h,
                occurred("a", 1, "old-1", 1_001),
                occurred("a", 2, "old-2", 1_002),
                occurred("a", 2, "old-2", 1_002),
                occurred("a", 12, "new-12", 2_012));

        assertThat(ids(h)).hasSize(12).endsWith("new-12");
        assertThat(lateIds(h)).containsExactly("old-1", "old-2");
        assertThat(duplicateIds(h)).containsExactly("old-2", "new-12");
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
    void anotherEventAtAnEmittedSeqIsLetThroughNotDropped() throws Exception {
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

    private static Interaction occurred(String customer, long seq, String id, long occurredAt) {
        Interaction e = event(customer, seq, id);
        e.occurredAt = occurredAt;
        return e;
    }
}
