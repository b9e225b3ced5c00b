package dev.floodgate.model;

import java.util.Locale;

/**
 * How far a customer's {@code seq} order reaches in the processing lanes.
 *
 * <ul>
 *   <li>{@link #CHANNEL} (default, seed 000 section 3): within each channel's lane a customer's
 *       events are processed and emitted in order; a customer's chat does not wait for that
 *       customer's voice call. Every result carries {@code seq}, so readers can assemble the story.
 *   <li>{@link #CUSTOMER}: strict across channels: a customer's chat waits for that customer's
 *       earlier call or screenshot to be processed.
 * </ul>
 */
public enum OrderScope {
    CHANNEL,
    CUSTOMER;

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wire;
    }
}
