package dev.floodgate.operators.process;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.ProcessedEvent;

/** The result of processing one event: exactly one of {@link #processed} or {@link #failed} is set. */
public class ProcessOutcome {
    public ProcessedEvent processed;
    public DeadLetter failed;
    /**
     * A failure that another attempt cannot fix (the total timeout elapsed, or the service rejected the request
     * as invalid). Read only inside the processing operator, where {@link ProcessEvents} decides on retries,
     * hence transient: not serialized.
     */
    public transient boolean permanent;

    public ProcessOutcome() {}

    public static ProcessOutcome ok(ProcessedEvent p) {
        ProcessOutcome o = new ProcessOutcome();
        o.processed = p;
        return o;
    }

    public static ProcessOutcome failed(DeadLetter d) {
        ProcessOutcome o = new ProcessOutcome();
        o.failed = d;
        return o;
    }

    public static ProcessOutcome failedPermanently(DeadLetter d) {
        ProcessOutcome o = failed(d);
        o.permanent = true;
        return o;
    }

    /** Whether another attempt may fix the event: the retries of {@link ProcessEvents} are decided so. */
    public boolean retryable() {
        return failed != null && !permanent;
    }
}
