package dev.floodgate.contract;

import dev.floodgate.model.DeadLetterReason;

/**
 * A record that breaks contract v1. Carries the dead-letter reason; no stack trace (it is data, not
 * a bug).
 */
public class InvalidRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    private final DeadLetterReason reason;

    public InvalidRecordException(DeadLetterReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
