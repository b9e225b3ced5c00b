package dev.floodgate.model;

import java.util.Locale;

/** Which path processed an event: the live job, the shed-lane drain, or a savepoint replay. */
public enum Lane {
    LIVE,
    BACKFILL,
    REPLAY;

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wire;
    }

    public static Lane fromWire(String name) {
        for (Lane lane : values()) {
            if (lane.wireName().equals(name)) {
                return lane;
            }
        }
        return null;
    }
}
