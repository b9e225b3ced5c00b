package dev.floodgate.operators.process;

import java.io.Serializable;

/**
 * Chooses the {@link ConcurrencyLimit} of each lane; shipped with the job ({@link LanesConfig}),
 * creates one limit per lane and subtask.
 */
@FunctionalInterface
public interface LimitPolicy extends Serializable {

    /**
     * A new limit for one lane whose configured ceiling ({@code --max-in-flight-<channel>}) is
     * {@code ceiling}.
     */
    ConcurrencyLimit create(int ceiling);

    /** Always the ceiling: the configured number of calls in flight, whatever the service does. */
    static LimitPolicy fixed() {
        return new FixedLimit.Policy();
    }

    /**
     * Adapts to the service's latency and failures below the ceiling ({@link AdaptiveLimit}): finds
     * the service's concurrency, never below 1.
     */
    static LimitPolicy adaptive() {
        return new AdaptiveLimit.Policy();
    }
}
