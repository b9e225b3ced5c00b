package dev.floodgate.operators.ordering;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Metrics of {@link OrderPerCustomer}, per subtask:
 * <ul>
 *   <li>{@code bufferedEvents}: early events held now (counter moved up and down). Counts from task start: after
 *       a restore it starts at 0 and reads below zero while restored buffers drain.</li>
 *   <li>{@code gaps}, {@code gapSeqsSkipped}: ranges skipped (timeout or overflow) and how many seqs they span.</li>
 *   <li>{@code duplicates}: events dropped as duplicates (or arrived after their seq was skipped).</li>
 *   <li>{@code gapWaitMillis} (histogram over the last 1,000 waits) and {@code gapWaitMillisTotal}: how long
 *       each wait for a gap lasted, whether it ended filled, by timeout or by overflow.</li>
 * </ul>
 */
final class OrderingMetrics {
    final Counter bufferedEvents;
    final Counter gaps;
    final Counter gapSeqsSkipped;
    final Counter duplicates;
    final Counter gapWaitMillisTotal;
    final Histogram gapWaitMillis;

    OrderingMetrics(MetricGroup group) {
        bufferedEvents = group.counter("bufferedEvents");
        gaps = group.counter("gaps");
        gapSeqsSkipped = group.counter("gapSeqsSkipped");
        duplicates = group.counter("duplicates");
        gapWaitMillisTotal = group.counter("gapWaitMillisTotal");
        gapWaitMillis = group.histogram("gapWaitMillis", new DescriptiveStatisticsHistogram(1_000));
    }

    void waitEnded(long waitedMillis) {
        gapWaitMillis.update(waitedMillis);
        gapWaitMillisTotal.inc(waitedMillis);
    }
}
