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

    /** The event's id, for {@code stage} process (the value is the event); null for parse. */
    public String eventId;

    /**
     * As read back from the dead-letter topic ({@code OutputCodec.readDeadLetter}): the original
     * value's length and SHA-256 (lower-case hex), and whether {@link #value} holds only a prefix
     * of it because the whole did not fit the record budget. The original is then found at {@link
     * #topic}, {@link #partition}, {@link #offset} while the log retains it. Unset ({@code -1},
     * null, false) on a dead letter the job has just made: it holds the whole value.
     */
    public long valueBytes = -1;

    public String valueSha256;
    public boolean valueTruncated;

    /** The same three for the key. */
    public long keyBytes = -1;

    public String keySha256;
    public boolean keyTruncated;

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
        // ids and positions only: no key or value (customer content), no error text
        return "DeadLetter{"
                + reason
                + " "
                + stage
                + " "
                + eventId
                + " "
                + topic
                + "-"
                + partition
                + "@"
                + offset
                + "}";
    }
}
