package dev.floodgate.job;

import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.PassThroughProcessor;
import java.io.Serializable;
import java.time.Duration;

/**
 * The settings of the graph between the edges: how records are validated and how they are processed. Built from
 * {@link FloodgateOptions} by the jobs, or directly by tests.
 */
public record Pipeline(int maxRecordBytes, EventProcessor processor, int maxInFlight, Duration processingTimeout)
        implements Serializable {

    public static Pipeline from(FloodgateOptions o) {
        return new Pipeline(o.get(FloodgateOptions.MAX_RECORD_BYTES), new PassThroughProcessor(), 100,
                Duration.ofMinutes(1));
    }

    /** Defaults for tests: pass-through processing. */
    public static Pipeline defaults() {
        return new Pipeline(1 << 20, new PassThroughProcessor(), 100, Duration.ofMinutes(1));
    }

    public Pipeline withProcessor(EventProcessor p) {
        return new Pipeline(maxRecordBytes, p, maxInFlight, processingTimeout);
    }
}
