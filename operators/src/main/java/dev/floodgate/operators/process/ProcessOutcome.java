package dev.floodgate.operators.process;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.ProcessedEvent;

/** The result of processing one event: exactly one of {@link #processed} or {@link #failed} is set. */
public class ProcessOutcome {
    public ProcessedEvent processed;
    public DeadLetter failed;
    /**
     * A failure that another attempt cannot fix (the total timeout elapsed, or the service rejected the request
     * as invalid). Read only by the retry predicate inside the async operator, hence transient: not serialized.
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

    /** Whether the retry strategy of {@link Processing} should try the event again. */
    public boolean retryable() {
        return failed != null && !permanent;
    }
}
