package dev.floodgate.model;

import java.util.Locale;

/** Where an interaction came from; decides which processing service handles it. */
public enum Channel {
    VOICE,
    CHAT,
    IMAGE;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The name used on the wire and in option keys: {@code voice}, {@code chat}, {@code image}. */
    public String wireName() {
        return wire;
    }

    /** Returns the channel for a wire name, or {@code null} when it is not one. */
    public static Channel fromWire(String name) {
        switch (name) {
            case "voice":
                return VOICE;
            case "chat":
                return CHAT;
            case "image":
                return IMAGE;
            default:
                return null;
        }
    }
}
