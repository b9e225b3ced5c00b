package dev.floodgate.sources.lag;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * How a partition's offsets, its oldest unprocessed event's time and the retention make its lag.
 */
class PartitionLagTest {
    private static final long NOW = 1_000_000_000L;
    private static final long RETENTION = 60_000;

    @Test
    void aLaggingGroupCountsFromItsCommittedOffset() {
        PartitionLag p = PartitionLag.of(3, 40L, 10, 100, NOW - 5_000, RETENTION, NOW);
        assertThat(p.partition()).isEqualTo(3);
        assertThat(p.lagRecords()).isEqualTo(60);
        assertThat(p.lagMs()).isEqualTo(5_000);
        assertThat(p.retentionHeadroomMs()).isEqualTo(55_000.0);
        assertThat(p.agedOutRecords()).isZero();
        assertThat(p.endOffset()).isEqualTo(100);
        assertThat(p.committedOffset()).isEqualTo(40);
    }

    @Test
    void withoutACommitItCountsFromTheEarliestOffset() {
        PartitionLag p = PartitionLag.of(0, null, 10, 100, NOW - 1_000, RETENTION, NOW);
        assertThat(p.lagRecords()).isEqualTo(90);
        assertThat(p.committedOffset()).isEqualTo(-1);
        assertThat(p.agedOutRecords()).isZero();
    }

    @Test
    void caughtUpHasNoLagAndTheWholeRetentionAhead() {
        PartitionLag p = PartitionLag.of(0, 100L, 10, 100, -1, RETENTION, NOW);
        assertThat(p.lagRecords()).isZero();
        assertThat(p.lagMs()).isZero();
        assertThat(p.retentionHeadroomMs()).isEqualTo((double) RETENTION);
    }

    @Test
    void aCommitBelowTheEarliestOffsetCountsTheDeletedRecordsAsAgedOut() {
        PartitionLag p = PartitionLag.of(0, 4L, 20, 30, NOW - 2_000, RETENTION, NOW);
        assertThat(p.agedOutRecords()).isEqualTo(16);
        assertThat(p.lagRecords()).as("what is still there").isEqualTo(10);
    }

    @Test
    void pastTheRetentionTheHeadroomIsNegativeAndInfiniteRetentionHasNoEdge() {
        assertThat(PartitionLag.of(0, 0L, 0, 5, NOW - 70_000, RETENTION, NOW).retentionHeadroomMs())
                .isEqualTo(-10_000.0);
        assertThat(PartitionLag.of(0, 0L, 0, 5, NOW - 70_000, -1, NOW).retentionHeadroomMs())
                .isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void lagWithNoVisibleEventHasNoAge() {
        // only aborted records or transaction markers behind the committed offset
        PartitionLag p = PartitionLag.of(0, 8L, 0, 10, -1, RETENTION, NOW);
        assertThat(p.lagRecords()).isEqualTo(2);
        assertThat(p.lagMs()).isZero();
    }
}
