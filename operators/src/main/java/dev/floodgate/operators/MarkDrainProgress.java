package dev.floodgate.operators;

import dev.floodgate.model.DrainMark;
import dev.floodgate.model.RawRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Right after the drain's source: passes every shed-lane record on unchanged and, just before each
 * checkpoint barrier (and at the end of the input), emits a {@link DrainMark} per partition it has
 * read: the offset after the last record read. The lanes chained after it settle before the same
 * barrier ({@code LanesConfig#settleAtCheckpoints}; no input is read meanwhile, so the marks cover
 * exactly the records settled), and the drain's one transactional sink per subtask takes the marks
 * and the outcomes of every record before them in the same transaction. A later drain run starts at
 * the committed marks, so it neither repeats nor skips what an earlier run left, however that run
 * ended.
 *
 * <p>State: none checkpointed. The positions are those read since this subtask (re)started; a
 * partition not read since then keeps its last committed mark. No timers.
 */
public class MarkDrainProgress extends AbstractStreamOperator<RawRecord>
        implements OneInputStreamOperator<RawRecord, RawRecord>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** The marks: to the drain-progress sink. */
    public static final OutputTag<DrainMark> MARKS = new OutputTag<>("drain-marks") {};

    private transient Map<String, DrainMark> positions;

    /** After the end of the input the sinks take nothing more: the last marks are out. */
    private transient boolean ended;

    @Override
    public void open() throws Exception {
        super.open();
        positions = new LinkedHashMap<>();
    }

    @Override
    public void processElement(StreamRecord<RawRecord> element) {
        RawRecord r = element.getValue();
        DrainMark m =
                positions.computeIfAbsent(
                        r.topic + "-" + r.partition,
                        k -> new DrainMark(r.topic, r.partition, r.offset + 1, -1));
        m.nextOffset = Math.max(m.nextOffset, r.offset + 1);
        output.collect(element);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        if (!ended) {
            emit(checkpointId);
        }
    }

    /** The last marks go with the final checkpoint. */
    @Override
    public void endInput() {
        emit(Long.MAX_VALUE);
        ended = true;
    }

    private void emit(long checkpointId) {
        for (DrainMark m : positions.values()) {
            output.collect(
                    MARKS,
                    new StreamRecord<>(
                            new DrainMark(m.topic, m.partition, m.nextOffset, checkpointId)));
        }
    }

    /** Partitions with a position on this subtask (for tests). */
    int partitions() {
        return positions.size();
    }
}
