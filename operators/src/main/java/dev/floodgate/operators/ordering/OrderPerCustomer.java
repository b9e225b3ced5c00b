package dev.floodgate.operators.ordering;

import dev.floodgate.model.Gap;
import dev.floodgate.model.Interaction;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits each customer's events in {@code seq} order (keyed by {@code CustomerKey.INSTANCE}, uid
 * {@code order-per-customer}). Three rules, and nothing reads a producer's clock:
 *
 * <ol>
 *   <li><b>Identity.</b> An event is dropped only when its {@code event_id} was accepted before
 *       within {@code dedupeHorizon} of log time (state {@code emitted-ids}: the whole id and the
 *       log time of its event), whichever output it went to. Every other event goes out exactly
 *       once: in order on the main output, or on {@link #LATE} (the job's shed lane) when it cannot
 *       be placed. Events without seq go out at once, in log order.
 *   <li><b>Seq.</b> The next expected seq goes out at once, with the held successors it makes
 *       contiguous; an early event is held until its gap fills. A customer's first events (and a
 *       new epoch's) wait for seq 1; without it they start at the lowest seq held once the wait
 *       ends. A seq below the next expected one goes late: after its gap was skipped ({@code
 *       skipped}, the last {@value SkippedSeqs#MAX_RANGES} ranges), or otherwise unplaceable. A
 *       producer that starts over is seen by identity, not time: without {@code seq_epoch}, a seq 1
 *       with a new id below the next expected seq starts a new sequence; with it, a higher epoch
 *       does (a customer's first epoch continues its sequence), the replaced sequence's stragglers
 *       go late except those that continue it in order ({@code prevNext}; one replaced sequence is
 *       remembered). Without an epoch, an old sequence's straggler arriving after the restart is
 *       placed by its seq. A seq more than {@code maxSeqJump} ahead goes late unless it follows
 *       such a seq right away, which restarts the sequence there; one above {@link #MAX_SEQ} always
 *       goes late.
 *   <li><b>Gaps on log time.</b> A gap not filled within {@code maxWait} of log time (the watermark
 *       of the log's append timestamps: a backlog in front of this operator cannot run a wait out)
 *       is skipped: everything held goes out in order and each hole becomes a {@link Gap} on {@link
 *       #GAPS} (cause {@code timeout}). More than {@code maxBuffered} held events release the
 *       oldest contiguous run ({@code overflow}); a restart releases all ({@code reset}, {@code
 *       jump}); the final watermark of a bounded input all ({@code end_of_input}).
 * </ol>
 *
 * <p>State ({@link OrderingState}): {@code next-seq} ({@link SeqCursor}) and {@code emitted-ids},
 * no TTL; {@code skipped} (TTL {@code stateTtl}); {@code buffer} and {@code gap-wait}, no TTL,
 * exist exactly while events are held, which the cursor's flag says so an in-order event reads no
 * other state. Timers: at most one event-time timer per customer, at {@code gap-wait.sinceMillis +
 * maxWait}, registered while the buffer is non-empty and deleted when it empties (a stale one is
 * ignored); one processing-time housekeeping timer per customer with a cursor (every customer with
 * ids has one), registered at its first write and moved only when it fires: it sweeps ids whose
 * events were logged longer than the horizon before the watermark, and forgets the position {@code
 * stateTtl} after the last write unless events are held; a customer with neither left holds no
 * state and no timer. Metrics: {@link OrderingReports}.
 */
public class OrderPerCustomer extends KeyedProcessFunction<String, Interaction, Interaction> {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(OrderPerCustomer.class);

    public static final OutputTag<Gap> GAPS = new OutputTag<>("gaps") {};
    public static final OutputTag<Interaction> DUPLICATES = new OutputTag<>("duplicates") {};
    public static final OutputTag<Interaction> LATE = new OutputTag<>("late") {};
    public static final String CAUSE_TIMEOUT = "timeout";
    public static final String CAUSE_OVERFLOW = "overflow";
    public static final String CAUSE_END_OF_INPUT = "end_of_input";
    public static final String CAUSE_RESET = "reset";
    public static final String CAUSE_JUMP = "jump";

    /** The highest seq taken as a position in a sequence (2^62); above it an event goes late. */
    public static final long MAX_SEQ = 1L << 62;

    private final OrderingConfig config;
    private transient ValueState<long[]> nextSeq;
    private transient MapState<Long, Interaction> buffer;
    private transient ValueState<GapWait> gapWait;
    private transient EmittedIds emittedIds;
    private transient ValueState<long[]> legacyRecentIds;
    private transient SkippedSeqs skipped;
    private transient OrderingReports reports;
    private transient long maxWaitMillis;
    private transient long ttlMillis;
    private transient long horizonMillis;

    public OrderPerCustomer(OrderingConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public void open(OpenContext openContext) {
        nextSeq = getRuntimeContext().getState(OrderingState.nextSeq());
        buffer = getRuntimeContext().getMapState(OrderingState.buffer());
        gapWait = getRuntimeContext().getState(OrderingState.gapWait());
        emittedIds =
                new EmittedIds(
                        getRuntimeContext().getMapState(OrderingState.emittedIds()),
                        config.dedupeHorizon().toMillis());
        skipped =
                new SkippedSeqs(
                        getRuntimeContext().getState(OrderingState.skipped(config.stateTtl())));
        legacyRecentIds =
                getRuntimeContext().getState(OrderingState.legacyRecentIds(config.stateTtl()));
        reports =
                new OrderingReports(
                        getRuntimeContext().getMetricGroup(), config.duplicatesToSideOutput());
        maxWaitMillis = config.maxWait().toMillis();
        ttlMillis = config.stateTtl().toMillis();
        horizonMillis = config.dedupeHorizon().toMillis();
        LOG.info("Ordering events per customer with {}", config);
    }

    @Override
    public void processElement(Interaction in, Context ctx, Collector<Interaction> out)
            throws Exception {
        SeqCursor c = SeqCursor.of(nextSeq.value());
        GapWait wait = waitOf(c);
        adoptHeldIds(c, wait);
        if (!emittedIds.firstSeen(in.eventId, in.logTimestamp)) {
            reports.duplicate(in, ctx);
            return;
        }
        // a jump candidate is confirmed only by the very next event
        long candidate = c == null ? 0 : c.jumpCandidate;
        if (c == null || candidate != 0) {
            // a new customer has ids now: its cursor carries the housekeeping timer
            c = c == null ? SeqCursor.notStarted(in.seqEpoch) : c;
            c.jumpCandidate = 0;
            store(c, ctx.timerService());
        }
        if (!in.hasSeq()) {
            out.collect(in);
            return;
        }
        if (in.seq > MAX_SEQ) {
            reports.late(in, ctx, OrderingReports.Late.IMPLAUSIBLE_SEQ);
            return;
        }
        // the log clock: the watermark, or this event's own log time when ahead of it
        long now = Math.max(ctx.timerService().currentWatermark(), in.logTimestamp);
        // a seq 1 starts a sequence over only without an epoch (with one, a newer epoch does)
        boolean bySeqOne = !in.hasSeqEpoch();
        if (in.hasSeqEpoch() && c.epoch == Interaction.NO_EPOCH) {
            c.epoch = in.seqEpoch; // the producer starts sending epochs: the sequence goes on
            bySeqOne = true;
        } else if (in.hasSeqEpoch() && in.seqEpoch != c.epoch) {
            if (in.seqEpoch < c.epoch) {
                earlierEpoch(in, c, ctx, out);
                return;
            }
            // a newer sequence: the old one's held events go out first, in its order
            reports.restarted(in, CAUSE_RESET);
            wait = release(c, wait, CAUSE_RESET, now, ctx, out);
            c.newEpoch(in.seqEpoch);
            skipped.clear();
        }
        if (!c.started() && in.seq == 1) {
            c.next = 1;
        } else if (c.started() && in.seq < c.next) {
            boolean afterGap = skipped.take(in.seq);
            if (in.seq != 1 || !bySeqOne || afterGap) {
                reports.late(
                        in,
                        ctx,
                        afterGap ? OrderingReports.Late.AFTER_GAP : OrderingReports.Late.UNKNOWN);
                return;
            }
            // a seq 1 with a new id: the producer started its sequence over
            wait = startOver(in, c, wait, CAUSE_RESET, now, ctx, out);
        } else if (c.started() && in.seq - c.next > config.maxSeqJump()) {
            if (candidate == 0 || in.seq != candidate + 1) {
                c.jumpCandidate = in.seq;
                store(c, ctx.timerService());
                reports.late(in, ctx, OrderingReports.Late.IMPLAUSIBLE_SEQ);
                return;
            }
            // the candidate (gone late) is confirmed: the sequence moved there
            wait = startOver(in, c, wait, CAUSE_JUMP, now, ctx, out);
        }
        if (in.seq == c.next) {
            emitInOrder(in, c, wait, now, ctx, out);
        } else {
            hold(in, c, wait, now, ctx, out);
        }
    }

    /**
     * An event of a replaced epoch: the seq its sequence expected next still goes out in order (a
     * neighbour swapped across the restart), followed by what continues it; anything else of it
     * goes late, and the replaced sequence then steps over it when it gets there.
     */
    private void earlierEpoch(Interaction in, SeqCursor c, Context ctx, Collector<Interaction> out)
            throws Exception {
        boolean replaced = in.seqEpoch == c.prevEpoch;
        if (replaced && in.seq == c.prevNext) {
            out.collect(in);
            c.prevContinued();
            store(c, ctx.timerService());
            return;
        }
        if (replaced && c.prevWentLate(in.seq)) {
            store(c, ctx.timerService());
        }
        reports.late(in, ctx, OrderingReports.Late.EARLIER_EPOCH);
    }

    /**
     * The sequence continues from {@code in}'s seq: what is held goes out first (in order, holes
     * reported with {@code cause}), the skipped ranges are forgotten. Returns the wait left (none).
     */
    private GapWait startOver(
            Interaction in,
            SeqCursor c,
            GapWait wait,
            String cause,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        reports.restarted(in, cause);
        GapWait left = release(c, wait, cause, now, ctx, out);
        c.restartAt(in.seq);
        skipped.clear();
        return left;
    }

    /** Emits {@code in} (the next seq) and the held events it makes contiguous. */
    private void emitInOrder(
            Interaction in,
            SeqCursor c,
            GapWait wait,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        out.collect(in);
        long n = in.seq + 1;
        int released = 0;
        for (Interaction held; wait != null && (held = buffer.get(n)) != null; n++, released++) {
            out.collect(held);
            buffer.remove(n);
        }
        c.next = n;
        c.waiting = wait != null && wait.buffered > released;
        store(c, ctx.timerService());
        if (wait != null) {
            endWait(wait, released, now, ctx);
        }
    }

    /** Holds an early event; one more than {@code maxBuffered} releases the oldest run. */
    private void hold(
            Interaction in,
            SeqCursor c,
            GapWait wait,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        if (wait != null && buffer.contains(in.seq)) {
            // another event (its id is new) already holds this seq
            reports.late(in, ctx, OrderingReports.Late.SEQ_CONFLICT);
            return;
        }
        buffer.put(in.seq, in);
        reports.bufferedEvents.inc();
        if (wait == null) {
            wait = new GapWait(now, 0);
            ctx.timerService().registerEventTimeTimer(deadline(now));
        }
        wait.buffered++;
        c.waiting = true;
        if (wait.buffered > config.maxBuffered()) {
            release(c, wait, CAUSE_OVERFLOW, now, ctx, out);
        } else {
            gapWait.update(wait);
            store(c, ctx.timerService());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Interaction> out)
            throws Exception {
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            onHousekeepingTimer(timestamp, ctx.timerService());
            return;
        }
        GapWait wait = gapWait.value();
        if (wait == null) {
            return;
        }
        if (timestamp < deadline(wait.sinceMillis)) {
            ctx.timerService().registerEventTimeTimer(deadline(wait.sinceMillis));
            return;
        }
        boolean ended = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
        SeqCursor c = SeqCursor.of(nextSeq.value());
        adoptHeldIds(c, wait);
        if (c == null) {
            // held by a version that wrote no cursor before the customer started
            c = SeqCursor.notStarted(0);
        }
        release(c, wait, ended ? CAUSE_END_OF_INPUT : CAUSE_TIMEOUT, timestamp, ctx, out);
    }

    /**
     * Events held in a savepoint of the previous form (a cursor of its form, or none while the
     * customer's first events waited) were accepted before {@code emitted-ids} existed: their ids
     * are remembered before anything else happens to them. Once only: the next write stores this
     * form.
     */
    private void adoptHeldIds(SeqCursor c, GapWait wait) throws Exception {
        if (wait != null && (c == null || c.legacy)) {
            emittedIds.adopt(buffer.values());
        }
    }

    /**
     * Housekeeping, one timer per customer with a cursor: forgets ids whose events were logged
     * longer than the dedupe horizon before the watermark, and the customer's position {@code
     * stateTtl} (processing time) after its last write, unless events are held (they are released
     * within maxWait of log time, which writes the cursor again). While ids remain, a forgotten
     * position is kept as a cursor that has not started (the same as none), so the timer stays;
     * with neither left, the customer holds no state and no timer. Checks are at least a tenth of
     * the shorter of the horizon and the state TTL apart (at least 1 s), so each id is visited a
     * bounded number of times, also while the log stands still.
     */
    private void onHousekeepingTimer(long timestamp, TimerService timers) throws Exception {
        SeqCursor c = SeqCursor.of(nextSeq.value());
        if (c == null) {
            return;
        }
        legacyRecentIds.clear();
        // ids expire on the log's clock (the watermark), as the log's retention does; unknown
        // before the first watermark, and after the last one (a drained stop) ids are kept
        long logNow = timers.currentWatermark();
        boolean logKnown = logNow != Long.MIN_VALUE && logNow != Long.MAX_VALUE;
        long oldest = emittedIds.sweep(logKnown ? logNow : Long.MIN_VALUE);
        boolean held = waitOf(c) != null;
        long idleAt = c.writtenAt + ttlMillis;
        if (!held && timestamp >= idleAt) {
            skipped.clear();
            if (oldest == Long.MAX_VALUE) {
                nextSeq.clear();
                return;
            }
            c = SeqCursor.notStarted(Interaction.NO_EPOCH);
            c.stored = true; // its timer is the one set below
            nextSeq.update(c.encode(timestamp));
            idleAt = timestamp + ttlMillis;
        }
        // the log clock unknown (a restart, before the first watermark): look again soon
        long idsDue =
                oldest == Long.MAX_VALUE
                        ? Long.MAX_VALUE
                        : timestamp + (logKnown ? oldest + horizonMillis - logNow : 0);
        long floor = timestamp + Math.max(Math.min(horizonMillis, ttlMillis) / 10, 1_000L);
        timers.registerProcessingTimeTimer(Math.max(Math.min(idleAt, idsDue), floor));
    }

    /** The gap wait, read only when the cursor does not rule it out. */
    private GapWait waitOf(SeqCursor c) throws Exception {
        return c != null && c.flagKnown && !c.waiting ? null : gapWait.value();
    }

    /** Writes the cursor; a cursor's first write starts the customer's housekeeping timer. */
    private void store(SeqCursor c, TimerService timers) throws Exception {
        long now = timers.currentProcessingTime();
        boolean first = !c.stored;
        nextSeq.update(c.encode(now));
        if (first) {
            timers.registerProcessingTimeTimer(now + Math.min(ttlMillis, horizonMillis));
        }
    }

    /**
     * Skips ahead: releases everything held, or on overflow the oldest contiguous run, reporting
     * holes. A sequence that has not started starts at its lowest held seq (no gap for the unknown
     * seqs below it). A held event implausibly far past the one before it goes late instead of
     * skipping the seqs in between. Writes the cursor; returns the wait left (null if none).
     */
    private GapWait release(
            SeqCursor c,
            GapWait wait,
            String cause,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        if (wait == null) {
            return null;
        }
        boolean all = !cause.equals(CAUSE_OVERFLOW);
        TreeMap<Long, Interaction> held = new TreeMap<>();
        for (Map.Entry<Long, Interaction> e : buffer.entries()) {
            held.put(e.getKey(), e.getValue());
        }
        int taken = 0;
        for (Map.Entry<Long, Interaction> e : held.entrySet()) {
            long seq = e.getKey();
            if (!c.started()) {
                c.next = seq;
            } else if (seq > c.next) {
                if (!all && taken > 0) {
                    break;
                }
                if (seq - c.next > config.maxSeqJump()) {
                    reports.late(e.getValue(), ctx, OrderingReports.Late.IMPLAUSIBLE_SEQ);
                    buffer.remove(seq);
                    taken++;
                    continue;
                }
                reports.gap(ctx, c.next, seq - 1, now - wait.sinceMillis, cause);
                skipped.add(c.next, seq - 1);
            }
            out.collect(e.getValue());
            buffer.remove(seq);
            c.next = seq + 1;
            taken++;
        }
        wait.buffered = held.size();
        c.waiting = held.size() > taken;
        store(c, ctx.timerService());
        return endWait(wait, taken, now, ctx);
    }

    /**
     * The awaited seq arrived or was skipped: the wait ends; if events remain held, a new one
     * begins now. Returns it, or null.
     */
    private GapWait endWait(GapWait wait, int released, long now, Context ctx) throws Exception {
        reports.waitEnded(now - wait.sinceMillis);
        reports.bufferedEvents.dec(released);
        ctx.timerService().deleteEventTimeTimer(deadline(wait.sinceMillis));
        wait.buffered -= released;
        if (wait.buffered <= 0) {
            gapWait.clear();
            return null;
        }
        wait.sinceMillis = now;
        gapWait.update(wait);
        ctx.timerService().registerEventTimeTimer(deadline(now));
        return wait;
    }

    private long deadline(long since) {
        return since > Long.MAX_VALUE - maxWaitMillis ? Long.MAX_VALUE : since + maxWaitMillis;
    }
}
