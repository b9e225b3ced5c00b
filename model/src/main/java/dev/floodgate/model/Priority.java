package dev.floodgate.model;

import java.util.Locale;

/** How urgent processing is. {@code HIGH} is never shed. */
public enum Priority {
    HIGH,
    NORMAL,
    LOW;

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wire;
    }

    /** Returns the priority for a wire name, or {@code null} when it is not one. */
    public static Priority fromWire(String name) {
        switch (name) {
            case "high":
                return HIGH;
            case "normal":
                return NORMAL;
            case "low":
                return LOW;
            default:
                return null;
        }
    }
}
