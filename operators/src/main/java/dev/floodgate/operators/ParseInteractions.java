package dev.floodgate.operators;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.InvalidRecordException;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses and validates log records into {@link Interaction}s (contract v1). Never throws on bad
 * input: a record that breaks the contract goes to {@link #DEAD_LETTERS} with its original bytes,
 * position and reason, so one poison record never stalls a partition. Stateless; no timers.
 */
public class ParseInteractions extends ProcessFunction<RawRecord, Interaction> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final int maxRecordBytes;
    private transient Counter deadLetters;
    private transient Counter valid;

    public ParseInteractions(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
        valid = getRuntimeContext().getMetricGroup().counter("validEvents");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<Interaction> out) {
        try {
            Interaction in = InteractionCodec.parse(raw, maxRecordBytes);
            valid.inc();
            out.collect(in);
        } catch (InvalidRecordException e) {
            deadLetters.inc();
            ctx.output(
                    DEAD_LETTERS,
                    DeadLetter.of(
                            raw,
                            e.reason(),
                            e.getMessage(),
                            ctx.timerService().currentProcessingTime()));
        }
    }
}
