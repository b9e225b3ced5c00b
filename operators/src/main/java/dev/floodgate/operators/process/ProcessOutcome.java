package dev.floodgate.operators.process;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.ProcessedEvent;

/**
 * The result of processing one event: exactly one of {@link #processed} or {@link #failed} is set.
 */
public class ProcessOutcome {
    public ProcessedEvent processed;
    public DeadLetter failed;

    public ProcessOutcome() {}

    public static ProcessOutcome ok(ProcessedEvent p) {
        ProcessOutcome o = new ProcessOutcome();
        o.processed = p;
        return o;
    }

    /**
     * A failure after the last attempt ({@link ProcessEvents} decides on retries from the error,
     * not from here).
     */
    public static ProcessOutcome failed(DeadLetter d) {
        ProcessOutcome o = new ProcessOutcome();
        o.failed = d;
        return o;
    }
}
