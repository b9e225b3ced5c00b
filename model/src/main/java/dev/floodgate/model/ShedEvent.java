package dev.floodgate.model;

import java.util.Objects;

/**
 * An event whose processing was shed to the durable lane, with why: written to the shed topic in
 * its original contract v1 form, the reason and detail in headers ({@code floodgate.shed-reason},
 * {@code floodgate.shed-detail}), and processed later by the drain. Shedding is of processing,
 * never of data.
 */
public class ShedEvent {
    public Interaction event;
    public ShedReason reason;

    /** A short human-readable detail (the predicted wait, the last error); may be {@code null}. */
    public String detail;

    public ShedEvent() {}

    public static ShedEvent of(Interaction event, ShedReason reason, String detail) {
        ShedEvent s = new ShedEvent();
        s.event = event;
        s.reason = reason;
        s.detail = detail;
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShedEvent s
                && Objects.equals(event, s.event)
                && reason == s.reason
                && Objects.equals(detail, s.detail);
    }

    @Override
    public int hashCode() {
        return Objects.hash(event, reason);
    }

    @Override
    public String toString() {
        // ids and positions only (the event's toString), the reason; no detail text
        return "ShedEvent{" + event + " " + reason + "}";
    }
}
