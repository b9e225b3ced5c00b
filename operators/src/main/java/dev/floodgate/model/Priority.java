package dev.floodgate.model;

import java.util.Locale;

/** How urgent processing is. {@code HIGH} is never shed. */
public enum Priority {
    HIGH,
    NORMAL,
    LOW;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Returns the priority for a wire name, or {@code null} when it is not one. */
    public static Priority fromWire(String name) {
        switch (name) {
            case "high": return HIGH;
            case "normal": return NORMAL;
            case "low": return LOW;
            default: return null;
        }
    }
}
