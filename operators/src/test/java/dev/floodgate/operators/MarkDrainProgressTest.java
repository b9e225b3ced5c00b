package dev.floodgate.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.DrainMark;
import dev.floodgate.model.RawRecord;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MarkDrainProgressTest {
    private OneInputStreamOperatorTestHarness<RawRecord, RawRecord> h;

    @BeforeEach
    void open() throws Exception {
        h = new OneInputStreamOperatorTestHarness<>(new MarkDrainProgress());
        h.open();
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private void read(int partition, long offset) throws Exception {
        h.processElement(
                new StreamRecord<>(
                        new RawRecord(null, new byte[] {1}, "shed", partition, offset, 0L)));
    }

    private List<DrainMark> marks() {
        ConcurrentLinkedQueue<StreamRecord<DrainMark>> out =
                h.getSideOutput(MarkDrainProgress.MARKS);
        List<DrainMark> marks =
                out == null
                        ? List.of()
                        : out.stream().map(StreamRecord::getValue).collect(Collectors.toList());
        if (out != null) {
            out.clear();
        }
        return marks;
    }

    @Test
    void passesEveryRecordOnUnchanged() throws Exception {
        read(0, 5);
        read(1, 9);
        assertThat(h.extractOutputValues())
                .extracting(r -> r.partition + "@" + r.offset)
                .containsExactly("0@5", "1@9");
        assertThat(marks()).as("no mark between checkpoints").isEmpty();
    }

    @Test
    void beforeEachBarrierMarksTheOffsetAfterTheLastRecordOfEachPartition() throws Exception {
        read(0, 5);
        read(0, 7); // offsets may have gaps (transaction markers)
        read(1, 3);
        h.prepareSnapshotPreBarrier(1);
        assertThat(marks())
                .containsExactlyInAnyOrder(
                        new DrainMark("shed", 0, 8, 1), new DrainMark("shed", 1, 4, 1));
        read(1, 4);
        h.prepareSnapshotPreBarrier(2);
        // every partition again (a mark in a failed checkpoint's transaction is aborted with it)
        assertThat(marks())
                .containsExactlyInAnyOrder(
                        new DrainMark("shed", 0, 8, 2), new DrainMark("shed", 1, 5, 2));
    }

    @Test
    void theEndOfTheInputMarksTheRestForTheFinalCheckpoint() throws Exception {
        read(2, 41);
        h.endInput();
        assertThat(marks()).containsExactly(new DrainMark("shed", 2, 42, Long.MAX_VALUE));
        h.prepareSnapshotPreBarrier(5); // the checkpoints until the final one: nothing more
        assertThat(marks()).isEmpty();
    }

    @Test
    void nothingReadNothingMarked() throws Exception {
        h.prepareSnapshotPreBarrier(1);
        h.endInput();
        assertThat(marks()).isEmpty();
        assertThat(((MarkDrainProgress) h.getOperator()).partitions()).isZero();
    }
}
