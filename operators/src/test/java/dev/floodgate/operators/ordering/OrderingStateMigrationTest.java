package dev.floodgate.operators.ordering;

import static dev.floodgate.operators.ordering.OrderingHarness.duplicateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.ids;
import static dev.floodgate.operators.ordering.OrderingHarness.lateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.send;
import static dev.floodgate.testing.Events.event;
import static dev.floodgate.testing.Events.unsequenced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Interaction;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ordering state of the previous form restores: {@code ordering/wave2-heap.snapshot} was
 * written by the operator at 3f9013d (heap backend; 16-element cursors, {@code recent-ids}, held
 * events in the {@code Interaction} serializer's format 1). Written with maxWait 100 ms and a 1 h
 * state TTL at time 1,000,120 ms: customer {@code done} emitted seqs 1..20, {@code skipped} emitted
 * 1 and 3 (2 skipped), {@code waiting} started at 3, {@code noseq} sent ids x and y without seq,
 * and {@code held} emitted 1 and holds 3 and 4, waiting for 2.
 */
@Timeout(60)
class OrderingStateMigrationTest {
    private static final long WRITTEN_AT = 1_000_120L;
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults()
                    .withMaxWait(Duration.ofMillis(100))
                    .withStateTtl(Duration.ofHours(1))
                    .withDuplicatesToSideOutput(true);

    private KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aSavepointOfThePreviousFormRestoresPositionsHeldEventsAndSkippedSeqs() throws Exception {
        h = OrderingHarness.open(CONFIG, previousForm(), WRITTEN_AT + 10);

        send(
                h,
                event("held", 2),
                event("done", 21),
                event("waiting", 4),
                unsequenced("noseq", "z"),
                event("skipped", 2));
        assertThat(ids(h))
                .containsExactly("held#2", "held#3", "held#4", "done#21", "waiting#4", "z");
        assertThat(lateIds(h))
                .as("skipped's seq 2, remembered as skipped")
                .containsExactly("skipped#2");

        // the previous form kept hashes of a few ids, not the ids: a copy of an event emitted
        // before the upgrade goes late once (not lost); its copies from now on are known
        send(h, event("done", 20), event("done", 20), event("done", 21));
        assertThat(lateIds(h)).endsWith("done#20");
        assertThat(duplicateIds(h)).containsExactly("done#20", "done#21");

        // written again in this form, it restores again
        OperatorSubtaskState now = h.snapshot(2, WRITTEN_AT + 20);
        h.close();
        h = OrderingHarness.open(CONFIG, now, WRITTEN_AT + 30);
        send(h, event("held", 5), event("held", 4), event("done", 22));
        assertThat(ids(h)).containsExactly("held#5", "done#22");
        assertThat(duplicateIds(h)).containsExactly("held#4");
    }

    /** Held events the gap timer releases before anything else arrives keep their identity too. */
    @Test
    void heldEventsOfThePreviousFormReleasedByTheirTimerAreKnownByTheirIds() throws Exception {
        h = OrderingHarness.open(CONFIG, previousForm(), WRITTEN_AT + 10);
        OrderingHarness.at(h, WRITTEN_AT + 1_000); // held's wait runs out: 3 and 4 go out

        send(h, event("held", 3), event("held", 4));

        assertThat(ids(h)).containsExactly("held#3", "held#4");
        assertThat(duplicateIds(h)).containsExactly("held#3", "held#4");
    }

    private static OperatorSubtaskState previousForm() throws Exception {
        Path file =
                Path.of(
                        OrderingStateMigrationTest.class
                                .getResource("/ordering/wave2-heap.snapshot")
                                .toURI());
        return OperatorSnapshotUtil.readStateHandle(file.toString());
    }
}
