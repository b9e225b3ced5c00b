package dev.floodgate.operators.process;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.ProcessedEvent;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Results go on; requests that failed after their retries go to {@link #FAILED}. Stateless; no
 * timers.
 */
public class SplitOutcomes extends ProcessFunction<ProcessOutcome, ProcessedEvent> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> FAILED = new OutputTag<>("processing-failed") {};

    @Override
    public void processElement(ProcessOutcome outcome, Context ctx, Collector<ProcessedEvent> out) {
        if (outcome.processed != null) {
            out.collect(outcome.processed);
        } else {
            ctx.output(FAILED, outcome.failed);
        }
    }
}
