package dev.floodgate.model;

/**
 * The drain's progress on one partition of the shed lane: every record before {@code nextOffset}
 * has its output (processed, dead letter or shed again) in the same checkpoint's transactions as
 * this mark, or an earlier one. Written by {@code MarkDrainProgress} at each checkpoint and read by
 * the next drain run as its starting position (see docs/operating.md, "Drains").
 */
public class DrainMark {
    public String topic;
    public int partition;
    public long nextOffset;
    public long checkpointId;

    public DrainMark() {}

    public DrainMark(String topic, int partition, long nextOffset, long checkpointId) {
        this.topic = topic;
        this.partition = partition;
        this.nextOffset = nextOffset;
        this.checkpointId = checkpointId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DrainMark m
                && partition == m.partition
                && nextOffset == m.nextOffset
                && checkpointId == m.checkpointId
                && java.util.Objects.equals(topic, m.topic);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(topic, partition, nextOffset, checkpointId);
    }

    @Override
    public String toString() {
        return topic
                + "-"
                + partition
                + " next "
                + nextOffset
                + " (checkpoint "
                + checkpointId
                + ")";
    }
}
