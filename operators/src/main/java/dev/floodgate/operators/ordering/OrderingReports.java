package dev.floodgate.operators.ordering;

import dev.floodgate.model.Gap;
import dev.floodgate.model.Interaction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link OrderPerCustomer} reports: side outputs, debug logs and metrics, per subtask:
 *
 * <ul>
 *   <li>{@code bufferedEvents}: early events held now (counter moved up and down). Counts from task
 *       start: after a restore it starts at 0 and reads below zero while restored buffers drain.
 *   <li>{@code gaps}, {@code gapSeqsSkipped}: ranges skipped (timeout or overflow) and how many
 *       seqs they span.
 *   <li>{@code duplicates}: events dropped as duplicates.
 *   <li>{@code lateEvents}: events sent to the late side output, and by kind ({@link Late}): {@code
 *       lateAfterGap} (arrived after its seq was skipped), {@code lateUnknown} (below the
 *       customer's next seq and not a remembered skipped seq: below where its state started, an
 *       earlier sequence's straggler, another event at an emitted seq, or a copy older than the
 *       dedupe horizon), {@code lateEarlierEpoch} (its {@code seq_epoch} was replaced by a newer
 *       one), {@code seqConflicts} (another event holds its seq), {@code implausibleSeqs} (far
 *       ahead of the cursor).
 *   <li>{@code seqResets}, {@code seqJumps}: sequences started over (a seq 1 with a new id, or a
 *       newer {@code seq_epoch}) or at a confirmed jump.
 *   <li>{@code gapWaitMillis} (histogram over the last 1,000 waits) and {@code gapWaitMillisTotal}:
 *       how long each wait for a gap lasted, whether it ended filled, by timeout or by overflow.
 * </ul>
 */
final class OrderingReports {
    private static final Logger LOG = LoggerFactory.getLogger(OrderPerCustomer.class);

    final Counter bufferedEvents;
    private final Counter gaps;
    private final Counter gapSeqsSkipped;
    private final Counter duplicates;
    private final Counter lateEvents;
    private final Counter[] lateByKind = new Counter[Late.values().length];
    private final Counter seqResets;
    private final Counter seqJumps;
    private final Counter gapWaitMillisTotal;
    private final Histogram gapWaitMillis;
    private final boolean duplicatesToSideOutput;

    OrderingReports(MetricGroup group, boolean duplicatesToSideOutput) {
        bufferedEvents = group.counter("bufferedEvents");
        gaps = group.counter("gaps");
        gapSeqsSkipped = group.counter("gapSeqsSkipped");
        duplicates = group.counter("duplicates");
        lateEvents = group.counter("lateEvents");
        for (Late kind : Late.values()) {
            lateByKind[kind.ordinal()] = group.counter(kind.metric);
        }
        seqResets = group.counter("seqResets");
        seqJumps = group.counter("seqJumps");
        gapWaitMillisTotal = group.counter("gapWaitMillisTotal");
        gapWaitMillis = group.histogram("gapWaitMillis", new DescriptiveStatisticsHistogram(1_000));
        this.duplicatesToSideOutput = duplicatesToSideOutput;
    }

    void waitEnded(long waitedMillis) {
        gapWaitMillis.update(waitedMillis);
        gapWaitMillisTotal.inc(waitedMillis);
    }

    void duplicate(
            Interaction in, KeyedProcessFunction<String, Interaction, Interaction>.Context ctx) {
        duplicates.inc();
        LOG.debug("Dropped duplicate {}", in);
        if (duplicatesToSideOutput) {
            ctx.output(OrderPerCustomer.DUPLICATES, in);
        }
    }

    void late(
            Interaction in,
            KeyedProcessFunction<String, Interaction, Interaction>.Context ctx,
            Late kind) {
        lateEvents.inc();
        lateByKind[kind.ordinal()].inc();
        LOG.debug("Late ({}): {}", kind.metric, in);
        ctx.output(OrderPerCustomer.LATE, in);
    }

    void restarted(Interaction in, String cause) {
        (OrderPerCustomer.CAUSE_JUMP.equals(cause) ? seqJumps : seqResets).inc();
        LOG.debug("Sequence starts over ({}) at {}", cause, in);
    }

    /** Why an event went to the late side output instead of the in-order output. */
    enum Late {
        AFTER_GAP("lateAfterGap"),
        UNKNOWN("lateUnknown"),
        EARLIER_EPOCH("lateEarlierEpoch"),
        SEQ_CONFLICT("seqConflicts"),
        IMPLAUSIBLE_SEQ("implausibleSeqs");

        final String metric;

        Late(String metric) {
            this.metric = metric;
        }
    }

    void gap(
            KeyedProcessFunction<String, Interaction, Interaction>.Context ctx,
            long from,
            long to,
            long waitedMillis,
            String cause) {
        gaps.inc();
        gapSeqsSkipped.inc(to - from + 1);
        Gap gap = new Gap(ctx.getCurrentKey(), from, to, waitedMillis, cause);
        LOG.debug("Skipped {}", gap);
        ctx.output(OrderPerCustomer.GAPS, gap);
    }
}
