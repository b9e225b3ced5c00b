package dev.floodgate.testkit.service;

/**
 * The classes {@link CapacityLimitedService} serves by, from an RFC 9218 {@code Priority} field
 * with {@link ServiceOptions#honourPriority()}: {@code u=0..2} before the default, {@code u=3} (or
 * no field, or one it cannot read) the default, {@code u=4..7} after it.
 */
enum Urgency {
    HIGH,
    NORMAL,
    LOW;

    /** The class of a {@code Priority} field value; null or unreadable: {@link #NORMAL}. */
    static Urgency of(String priority) {
        if (priority == null) {
            return NORMAL;
        }
        for (String item : priority.split(",")) {
            String t = item.strip();
            if (t.length() == 3 && t.startsWith("u=") && Character.isDigit(t.charAt(2))) {
                int u = t.charAt(2) - '0';
                return u < 3 ? HIGH : u == 3 || u > 7 ? NORMAL : LOW;
            }
        }
        return NORMAL;
    }
}
