package dev.floodgate.model;

import java.util.Arrays;

/**
 * One record of the interaction log exactly as the broker returned it: bytes and position. Parsing
 * happens in the job (never in the source), so a poison record becomes a dead letter instead of a
 * failing source.
 */
public class RawRecord {
    public byte[] key;
    public byte[] value;
    public String topic;
    public int partition;
    public long offset;

    /** The record's log timestamp (LogAppendTime on Floodgate's topics), epoch milliseconds. */
    public long timestamp;

    public RawRecord() {}

    public RawRecord(
            byte[] key, byte[] value, String topic, int partition, long offset, long timestamp) {
        this.key = key;
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawRecord)) {
            return false;
        }
        RawRecord r = (RawRecord) o;
        return partition == r.partition
                && offset == r.offset
                && timestamp == r.timestamp
                && Arrays.equals(key, r.key)
                && Arrays.equals(value, r.value)
                && java.util.Objects.equals(topic, r.topic);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(topic, partition, offset);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
