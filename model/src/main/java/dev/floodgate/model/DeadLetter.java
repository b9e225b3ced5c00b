package dev.floodgate.model;

/**
 * A poison record with everything needed to find, understand and replay it: the original key and
 * value bytes, its position in the log, the reason, the error text, and when and where it failed.
 */
public class DeadLetter {
    public byte[] key;
    public byte[] value;
    public String topic;
    public int partition;
    public long offset;
    public long logTimestamp;
    public DeadLetterReason reason;
    public String error;

    /** Epoch milliseconds at which the record was rejected. */
    public long failedAt;

    /** {@code parse} or {@code process}. */
    public String stage;

    public DeadLetter() {}

    public static DeadLetter of(
            RawRecord raw, DeadLetterReason reason, String error, long failedAt) {
        DeadLetter d = new DeadLetter();
        d.key = raw.key;
        d.value = raw.value;
        d.topic = raw.topic;
        d.partition = raw.partition;
        d.offset = raw.offset;
        d.logTimestamp = raw.timestamp;
        d.reason = reason;
        d.error = error;
        d.failedAt = failedAt;
        d.stage = "parse";
        return d;
    }

    @Override
    public String toString() {
        return "DeadLetter{"
                + reason
                + " "
                + topic
                + "-"
                + partition
                + "@"
                + offset
                + ": "
                + error
                + "}";
    }
}
