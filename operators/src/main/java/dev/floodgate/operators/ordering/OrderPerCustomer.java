package dev.floodgate.operators.ordering;

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
 *       (state {@code emitted-ids}: the whole id, each kept for {@code dedupeHorizon}), whichever
 *       output it went to. Every other event goes out exactly once: in order on the main output, or
 *       on {@link #LATE} (the job's shed lane) when it cannot be placed. Events without seq go out
 *       at once, in log order.
 *   <li><b>Seq.</b> The next expected seq goes out at once, with the held successors it makes
 *       contiguous; an early event is held until its gap fills. A customer's first events (and a
 *       new epoch's) wait for seq 1; without it they start at the lowest seq held once the wait
 *       ends. A seq below the next expected one goes late: after its gap was skipped ({@code
 *       skipped} remembers the last {@value SkippedSeqs#MAX_RANGES} ranges), or otherwise
 *       unplaceable. A producer that starts over is seen by identity, not time: a seq 1 with a new
 *       id (not a skipped one) starts a new sequence; so does a higher {@code seq_epoch}. With
 *       epochs the old sequence's stragglers are told apart exactly (late, except the one its order
 *       still takes: {@code prevNext}); without, a straggler that arrives after the restart is
 *       placed by its seq. A seq more than {@code maxSeqJump} ahead goes late until the next event
 *       continues it, which restarts the sequence there; one above {@link #MAX_SEQ} always.
 *   <li><b>Gaps on log time.</b> A gap not filled within {@code maxWait} of log time (the watermark
 *       of the log's append timestamps: a backlog in front of this operator cannot run a wait out)
 *       is skipped: everything held goes out in order and each hole becomes a {@link
 *       dev.floodgate.model.Gap} on {@link #GAPS} (cause {@code timeout}). More than {@code
 *       maxBuffered} held events release the oldest contiguous run ({@code overflow}); a restart
 *       releases all ({@code reset}, {@code jump}); the final watermark of a bounded input all
 *       ({@code end_of_input}).
 * </ol>
 *
 * <p>State ({@link OrderingState}): {@code next-seq} ({@link SeqCursor}, no TTL), {@code
 * emitted-ids} (TTL {@code dedupeHorizon} per id), {@code skipped} (TTL {@code stateTtl}); {@code
 * buffer} and {@code gap-wait}, without TTL, exist exactly while events are held, which the
 * cursor's flag says so an in-order event reads no other state. Timers: at most one event-time
 * timer per customer, at {@code gap-wait.sinceMillis + maxWait}, registered while the buffer is
 * non-empty and deleted when it empties (a stale one is ignored); one processing-time idle timer
 * per customer with a cursor, registered at its first write and moved only when it fires: {@code
 * stateTtl} after the last write it clears {@code next-seq} and {@code skipped} unless events are
 * held. Metrics: {@link OrderingReports}.
 */
public class OrderPerCustomer extends KeyedProcessFunction<String, Interaction, Interaction> {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(OrderPerCustomer.class);

    public static final OutputTag<dev.floodgate.model.Gap> GAPS = new OutputTag<>("gaps") {};
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
    private transient MapState<String, Boolean> emittedIds;
    private transient SkippedSeqs skipped;
    private transient OrderingReports reports;
    private transient long maxWaitMillis;
    private transient long ttlMillis;

    public OrderPerCustomer(OrderingConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public void open(OpenContext openContext) {
        nextSeq = getRuntimeContext().getState(OrderingState.nextSeq());
        buffer = getRuntimeContext().getMapState(OrderingState.buffer());
        gapWait = getRuntimeContext().getState(OrderingState.gapWait());
        emittedIds =
                getRuntimeContext().getMapState(OrderingState.emittedIds(config.dedupeHorizon()));
        skipped =
                new SkippedSeqs(
                        getRuntimeContext().getState(OrderingState.skipped(config.stateTtl())));
        // registered, never used: its TTL makes entries restored from the previous form expire
        getRuntimeContext().getState(OrderingState.legacyRecentIds(config.stateTtl()));
        reports =
                new OrderingReports(
                        getRuntimeContext().getMetricGroup(), config.duplicatesToSideOutput());
        maxWaitMillis = config.maxWait().toMillis();
        ttlMillis = config.stateTtl().toMillis();
        LOG.info("Ordering events per customer with {}", config);
    }

    @Override
    public void processElement(Interaction in, Context ctx, Collector<Interaction> out)
            throws Exception {
        if (!firstSeen(in)) {
            reports.duplicate(in, ctx);
            return;
        }
        if (!in.hasSeq()) {
            out.collect(in);
            return;
        }
        if (in.seq > MAX_SEQ) {
            reports.late(in, ctx, OrderingReports.Late.IMPLAUSIBLE_SEQ);
            return;
        }
        SeqCursor c = SeqCursor.of(nextSeq.value());
        GapWait wait = waitOf(c);
        // the log clock: the watermark, or this event's own log time when ahead of it
        long now = Math.max(ctx.timerService().currentWatermark(), in.logTimestamp);
        if (c == null) {
            c = SeqCursor.notStarted(in.seqEpoch);
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
            if (skipped.take(in.seq)) {
                reports.late(in, ctx, OrderingReports.Late.AFTER_GAP);
                return;
            }
            if (in.seq != 1 || in.hasSeqEpoch()) {
                reports.late(in, ctx, OrderingReports.Late.UNKNOWN);
                return;
            }
            // a seq 1 with a new id: the producer started its sequence over
            wait = startOver(in, c, wait, CAUSE_RESET, now, ctx, out);
        } else if (c.started() && in.seq - c.next > config.maxSeqJump()) {
            if (c.jumpCandidate == 0 || in.seq != c.jumpCandidate + 1) {
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
     * Emits a held event. Its id is remembered again: events held when a savepoint of the previous
     * form was taken were accepted before {@code emitted-ids} existed.
     */
    private void emit(Interaction held, Collector<Interaction> out) throws Exception {
        if (held.eventId != null) {
            emittedIds.put(held.eventId, Boolean.TRUE);
        }
        out.collect(held);
    }

    /** Whether the event's id is new within the dedupe horizon; if so it is remembered. */
    private boolean firstSeen(Interaction in) throws Exception {
        if (in.eventId == null) {
            return true; // the contract requires an id; without one nothing can be a copy
        }
        if (emittedIds.contains(in.eventId)) {
            return false;
        }
        emittedIds.put(in.eventId, Boolean.TRUE);
        return true;
    }

    /**
     * An event of a replaced epoch: the seq its sequence expected next still goes out in order (a
     * neighbour swapped across the restart); anything else of it goes late.
     */
    private void earlierEpoch(Interaction in, SeqCursor c, Context ctx, Collector<Interaction> out)
            throws Exception {
        if (in.seqEpoch == c.prevEpoch && in.seq == c.prevNext) {
            out.collect(in);
            c.prevNext++;
            store(c, ctx.timerService());
        } else {
            reports.late(in, ctx, OrderingReports.Late.EARLIER_EPOCH);
        }
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
            emit(held, out);
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
            onIdleTimer(timestamp, ctx.timerService());
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
        if (c == null) {
            // held by a version that wrote no cursor before the customer started
            c = SeqCursor.notStarted(0);
        }
        release(c, wait, ended ? CAUSE_END_OF_INPUT : CAUSE_TIMEOUT, timestamp, ctx, out);
    }

    /**
     * Forgets a customer {@code stateTtl} after the last write, or moves the timer to that moment.
     */
    private void onIdleTimer(long timestamp, TimerService timers) throws Exception {
        SeqCursor c = SeqCursor.of(nextSeq.value());
        if (c == null) {
            return;
        }
        long idleAt = c.writtenAt + ttlMillis;
        if (timestamp < idleAt || waitOf(c) != null) {
            // events held: not idle; they are released within maxWait of log time, which writes
            // next-seq again
            timers.registerProcessingTimeTimer(
                    Math.max(idleAt, timestamp + Math.max(maxWaitMillis, 1_000L)));
            return;
        }
        nextSeq.clear();
        skipped.clear();
    }

    /** The gap wait, read only when the cursor does not rule it out. */
    private GapWait waitOf(SeqCursor c) throws Exception {
        return c != null && c.flagKnown && !c.waiting ? null : gapWait.value();
    }

    /** Writes the cursor; a cursor's first write starts the customer's idle timer. */
    private void store(SeqCursor c, TimerService timers) throws Exception {
        long now = timers.currentProcessingTime();
        boolean first = !c.stored;
        nextSeq.update(c.encode(now));
        if (first) {
            timers.registerProcessingTimeTimer(now + ttlMillis);
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
            emit(e.getValue(), out);
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
