package dev.floodgate.job;

import dev.floodgate.operators.process.LimitPolicy;

/**
 * How each lane's calls in flight are limited below {@code --max-in-flight-<channel>} ({@code
 * --in-flight-limit}): adapted to the service's latency and failures, or always the configured
 * number.
 */
public enum InFlightLimit {
    /** Finds the service's concurrency (delay-based), the configured number as its ceiling. */
    ADAPTIVE,
    /** Always the configured number: tuned by hand to the service's slots. */
    FIXED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public LimitPolicy policy() {
        return this == ADAPTIVE ? LimitPolicy.adaptive() : LimitPolicy.fixed();
    }

    static InFlightLimit parse(String s) {
        for (InFlightLimit m : values()) {
            if (m.wireName().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("neither adaptive nor fixed");
    }
}
