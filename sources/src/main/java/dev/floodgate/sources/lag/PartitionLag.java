package dev.floodgate.sources.lag;

/**
 * One partition's lag as the broker sees it, measured at one instant.
 *
 * @param partition the partition
 * @param lagRecords records between what the group has processed (its committed offset, or the
 *     earliest offset still in the log if that is later or there is no commit) and the last stable
 *     offset (what a read_committed reader can read). Offsets: on a topic written in transactions
 *     (the shed topic) each transaction's marker takes one, so this is a few more than events
 * @param lagMs age of the oldest unprocessed event (now minus the log timestamp of the first
 *     visible record at the committed offset); 0 when caught up
 * @param retentionHeadroomMs the topic's {@code retention.ms} minus {@code lagMs}: how long at
 *     least until that event can age out of the log (Kafka deletes a segment only once its newest
 *     record is older than retention, so the real time left is this or more); {@link
 *     Double#POSITIVE_INFINITY} when retention is infinite ({@code retention.ms=-1})
 * @param agedOutRecords records the group committed before but the log no longer holds (its
 *     committed offset is below the earliest offset): deleted unprocessed; 0 without a commit
 * @param endOffset the last stable offset: its rate is the arrivals
 * @param committedOffset the group's committed offset, -1 without one: its rate is what the group
 *     processes
 */
public record PartitionLag(
        int partition,
        long lagRecords,
        long lagMs,
        double retentionHeadroomMs,
        long agedOutRecords,
        long endOffset,
        long committedOffset) {

    /** The measure of a partition from its offsets and the oldest unprocessed event's time. */
    static PartitionLag of(
            int partition,
            Long committed,
            long earliest,
            long end,
            long oldestTimestamp,
            long retentionMs,
            long nowMs) {
        boolean hasCommit = committed != null && committed >= 0;
        long from = hasCommit ? Math.max(committed, earliest) : earliest;
        long lag = Math.max(0, end - from);
        long age = lag > 0 && oldestTimestamp >= 0 ? Math.max(0, nowMs - oldestTimestamp) : 0;
        double headroom = retentionMs < 0 ? Double.POSITIVE_INFINITY : (double) (retentionMs - age);
        long agedOut = hasCommit ? Math.max(0, earliest - committed) : 0;
        return new PartitionLag(
                partition, lag, age, headroom, agedOut, end, hasCommit ? committed : -1);
    }
}
