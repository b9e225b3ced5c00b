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
 * {@code order-per-customer}). The next expected seq goes out at once, followed by held successors
 * now contiguous; an early event is held until its gap fills. A gap not filled within {@code
 * maxWait} of <em>log time</em> is skipped: everything held is released in order and each hole
 * becomes a {@link Gap} (cause {@code timeout}) on {@link #GAPS}. More than {@code maxBuffered}
 * held events release the oldest contiguous run (cause {@code overflow}). The wait clock restarts
 * whenever the awaited seq arrives and events stay held. At the end of a bounded input (a replay, a
 * drained stop) the final watermark releases everything held the same way (cause {@code
 * end_of_input}): held events never vanish.
 *
 * <p>Why log time, not processing time: the clock is the watermark of the log's append timestamps,
 * so a wait ends only once the log has moved {@code maxWait} past the event that started it. Under
 * backpressure, records queue in the network buffers in front of this operator for seconds; a
 * processing-time wait would run out while the awaited event sits in that queue (the flood demo
 * lost such events), a log-time wait cannot, because the awaited event, logged earlier in the
 * customer's partition, arrives before the watermark that passes it. The cost: while the whole log
 * is quiet the clock stops, and held events wait for the next traffic or the input's end (idle
 * partitions are excluded from the watermark by the source).
 *
 * <p>Dropped only when known to be a copy: an event below the expected seq, or at a held seq, is
 * dropped (counted; optionally on {@link #DUPLICATES}) only when the same event was emitted: its id
 * matches the id remembered at that seq ({@link SeqCursor}: the last {@value SeqCursor#RING} seqs
 * and seq 1), or, beyond that window, its seq lies in the range the cursor is certain of and it did
 * not occur after everything the sequence emitted (a copy carries its original's occurred_at).
 * Everything else goes to {@link #LATE} (the job sends it to the shed lane, processed later, so the
 * main output stays in order and nothing is lost): an event arriving after its gap was skipped, one
 * below where the customer's state starts or older than the remembered skipped ranges, another
 * event at an emitted seq, and one implausibly far ahead ({@code maxSeqJump}, or above {@link
 * #MAX_SEQ}) until the next event continues it, which restarts the sequence there. A seq 1 with a
 * new id that occurred after everything the sequence emitted is a producer reset: held events are
 * released and the sequence starts over; events of the old sequence arriving later (occurred before
 * the restart) are let through, except known copies (the old sequence's seq 1 and last {@value
 * SeqCursor#RING} ids are remembered in {@code recent-ids} at the restart). Ids of events let
 * through are kept in {@code recent-ids}, so their copies are known too; where bounded state cannot
 * tell, the event is let through and readers dedupe on {@code event_id}. Events without seq pass at
 * once in log order, deduplicated by event id over the last {@code recentIdsWindow} ids of that
 * customer.
 *
 * <p>First event rule: seq 1 is a customer's natural start. A customer without state whose first
 * event has seq 1 starts there. If it has seq &gt; 1 (the job started mid-log, the state expired,
 * or seq 1 is still in flight) it is held like an early event: seq 1 arriving anchors the sequence
 * at 1 (held events that occurred before it are an earlier sequence's: they go to {@link #LATE});
 * otherwise after {@code maxWait} the customer starts from the lowest seq seen, without a gap for
 * the unknown prefix (whose events, if they come, are let through late).
 *
 * <p>State (descriptors in {@link OrderingState}): {@code next-seq}, a {@link SeqCursor} with its
 * last-write time (the only state of an idle customer), {@code recent-ids} (only for customers
 * sending events without seq, with events let through, or whose sequence restarted) and {@code
 * skipped} (the last {@value SkippedSeqs#MAX_RANGES} skipped ranges, only for customers that had a
 * gap), the last two with a processing-time TTL of {@code stateTtl} refreshed on write; {@code
 * buffer} and {@code gap-wait}, without TTL, present exactly while events are held. {@code
 * next-seq} also says whether {@code gap-wait} exists, so an in-order event reads no other state:
 * every call that creates or clears {@code gap-wait} while {@code next-seq} exists writes the flag
 * too, and for an event (and the idle timer) {@code gap-wait} is read only when {@code next-seq} is
 * absent, lacks the flag (written by an older version) or says events are held; the gap timer
 * always reads it. Timers: at most one event-time timer per customer, at {@code
 * gap-wait.sinceMillis + maxWait} (log time), registered while the buffer is non-empty and deleted
 * when it empties; a stale one is ignored. And one processing-time idle timer per customer with
 * {@code next-seq}, registered when it is first written and moved only when it fires: at {@code
 * stateTtl} after the last write it clears {@code next-seq} and {@code skipped} (unless events are
 * held), so an idle customer is forgotten after {@code stateTtl}; {@code recent-ids} keeps its own
 * TTL. Metrics: see {@link OrderingReports}.
 */
public class OrderPerCustomer extends KeyedProcessFunction<String, Interaction, Interaction> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(OrderPerCustomer.class);

    public static final OutputTag<Gap> GAPS = new OutputTag<>("gaps") {};
    public static final OutputTag<Interaction> DUPLICATES = new OutputTag<>("duplicates") {};
    public static final OutputTag<Interaction> LATE = new OutputTag<>("late") {};
    public static final String CAUSE_TIMEOUT = "timeout";
    public static final String CAUSE_OVERFLOW = "overflow";
    public static final String CAUSE_END_OF_INPUT = "end_of_input";
    public static final String CAUSE_RESET = "reset";
    public static final String CAUSE_JUMP = "jump";

    /**
     * The highest seq taken as a position in a sequence (2^62); above it an event goes to the late
     * side output, so the cursor can never overflow.
     */
    public static final long MAX_SEQ = 1L << 62;

    private final OrderingConfig config;
    private transient ValueState<long[]> nextSeq;
    private transient MapState<Long, Interaction> buffer;
    private transient ValueState<GapWait> gapWait;
    private transient RecentIds recentIds;
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
        recentIds =
                new RecentIds(
                        getRuntimeContext().getState(OrderingState.recentIds(config.stateTtl())),
                        config.recentIdsWindow());
        skipped =
                new SkippedSeqs(
                        getRuntimeContext().getState(OrderingState.skipped(config.stateTtl())));
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
        if (!in.hasSeq()) {
            if (recentIds.firstSeen(in.eventId)) {
                out.collect(in);
            } else {
                reports.duplicate(in, ctx);
            }
            return;
        }
        if (in.seq > MAX_SEQ) {
            letThrough(in, ctx, OrderingReports.Late.IMPLAUSIBLE_SEQ);
            return;
        }
        long id = idOf(in);
        SeqCursor c = SeqCursor.of(nextSeq.value());
        GapWait wait = waitOf(c);
        // The log clock: the watermark, or this event's own log time when it is ahead of the
        // watermark.
        long now = Math.max(ctx.timerService().currentWatermark(), in.logTimestamp);
        if (c != null && in.occurredAt < c.startedAt) {
            // occurred before the event the sequence started (or restarted) at: the unknown prefix
            // or an earlier sequence, which the state does not describe; let it through rather
            // than take it for a copy or hold it as a new seq
            letThrough(in, ctx, OrderingReports.Late.UNKNOWN);
            return;
        }
        if (c != null && in.seq < c.next) {
            below(in, id, c, wait, now, ctx, out);
            return;
        }
        if (c != null && in.seq - c.next > config.maxSeqJump()) {
            jump(in, id, c, wait, now, ctx, out);
            return;
        }
        if (wait != null) {
            Interaction held = buffer.get(in.seq);
            if (held != null) {
                if (idOf(held) == id) {
                    reports.duplicate(in, ctx);
                } else {
                    // another event already holds this seq: let this one through, late
                    letThrough(in, ctx, OrderingReports.Late.SEQ_CONFLICT);
                }
                return;
            }
        }
        boolean known = c != null;
        if (c == null && in.seq == 1) {
            c = SeqCursor.start(1, 1, in.occurredAt);
            if (wait != null) {
                wait = setAsideEarlierSequence(in, wait, now, ctx);
            }
        }
        if (c != null && in.seq == c.next) {
            out.collect(in);
            c.emitted(in.seq, id, in.occurredAt);
            long n = in.seq + 1;
            int released = 0;
            for (Interaction held;
                    wait != null && (held = buffer.get(n)) != null;
                    n++, released++) {
                out.collect(held);
                c.emitted(n, idOf(held), held.occurredAt);
                buffer.remove(n);
            }
            c.next = n;
            c.waiting = wait != null && wait.buffered > released;
            store(c, known, ctx.timerService());
            if (wait != null) {
                endWait(wait, released, now, ctx);
            }
            return;
        }
        buffer.put(in.seq, in);
        reports.bufferedEvents.inc();
        boolean started = wait == null;
        if (started) {
            wait = new GapWait(now, 0);
            ctx.timerService().registerEventTimeTimer(deadline(now));
        }
        wait.buffered++;
        if (wait.buffered > config.maxBuffered()) {
            release(c, wait, CAUSE_OVERFLOW, now, ctx, out);
        } else {
            gapWait.update(wait);
            if (started && c != null) {
                c.waiting = true;
                store(c, true, ctx.timerService());
            }
        }
    }

    /**
     * An event below the cursor: dropped only when it is known to be a copy of an emitted event,
     * else let through on the late side output. Known: the same id was emitted at this seq (the
     * ring of recent seqs, and seq 1), or the seq lies in the certain range of this sequence and
     * was not skipped (within one sequence a seq names one event). A seq 1 with another id than the
     * sequence's seq 1 that occurred after everything the sequence emitted is a reset: the producer
     * started over.
     */
    private void below(
            Interaction in,
            long id,
            SeqCursor c,
            GapWait wait,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        if (in.seq == 1 && c.seqOneId != id) {
            if (c.latestOccurredAt != 0 && in.occurredAt > c.latestOccurredAt) {
                // newer than all this sequence emitted: the producer started over
                restart(in, id, c, wait, CAUSE_RESET, 1, now, ctx, out);
            } else if (c.seqOneId != 0) {
                letThrough(in, ctx, OrderingReports.Late.SEQ_CONFLICT);
            } else if (c.certainFrom > 1) {
                // the unknown prefix of a customer that started later in its sequence
                letThrough(in, ctx, OrderingReports.Late.UNKNOWN);
            } else {
                // written by a version that kept no ids: seq 1 of this sequence was emitted
                reports.duplicate(in, ctx);
            }
            return;
        }
        long emitted = c.idAt(in.seq);
        if (emitted == id) {
            reports.duplicate(in, ctx);
        } else if (emitted != 0) {
            letThrough(in, ctx, OrderingReports.Late.SEQ_CONFLICT);
        } else if (skipped.take(in.seq)) {
            reports.late(in, ctx, OrderingReports.Late.AFTER_GAP);
            if (c.idAt(in.seq) == 0 && in.seq >= c.next - SeqCursor.RING) {
                c.emitted(in.seq, id, in.occurredAt);
                store(c, true, ctx.timerService());
            }
        } else if (in.seq < c.certainFrom
                || (c.latestOccurredAt != 0 && in.occurredAt > c.latestOccurredAt)) {
            // below what the state knows, or newer than everything this sequence emitted (a copy
            // carries its original's occurred_at): not known as a copy
            letThrough(in, ctx, OrderingReports.Late.UNKNOWN);
        } else {
            reports.duplicate(in, ctx);
        }
    }

    /**
     * Seq 1 reaching a customer without a cursor while events are held: a held event that occurred
     * before it cannot follow it in its sequence, so it belongs to an earlier one (a producer reset
     * the state did not see, e.g. when the job started between them). Such events go to the late
     * side output (their ids to {@code recent-ids}, so copies are known) instead of being emitted
     * at seqs of the new sequence, where they would pass for its events and make their namesakes
     * look like copies; the sequence starts at {@code first} as after a reset. Returns the wait
     * left, or null when nothing stays held.
     */
    private GapWait setAsideEarlierSequence(Interaction first, GapWait wait, long now, Context ctx)
            throws Exception {
        int taken = setAside(held(), first.occurredAt, ctx);
        if (taken == 0) {
            return wait;
        }
        reports.restarted(first, CAUSE_RESET);
        if (taken == wait.buffered) {
            endWait(wait, taken, now, ctx);
            return null;
        }
        // the wait goes on for what stays held (the caller ends it when first releases them)
        reports.bufferedEvents.dec(taken);
        wait.buffered -= taken;
        gapWait.update(wait);
        return wait;
    }

    /**
     * Sends the held events that occurred before {@code startedAt} to the late side output and
     * removes them from the buffer and from {@code held}: they cannot follow the event a customer's
     * state starts at. Returns how many.
     */
    private int setAside(TreeMap<Long, Interaction> held, long startedAt, Context ctx)
            throws Exception {
        int taken = 0;
        for (var it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Interaction> e = it.next();
            if (e.getValue().occurredAt < startedAt) {
                letThrough(e.getValue(), ctx, OrderingReports.Late.UNKNOWN);
                buffer.remove(e.getKey());
                it.remove();
                taken++;
            }
        }
        return taken;
    }

    /** A copy of the held events by seq (the buffer is not changed while it is iterated). */
    private TreeMap<Long, Interaction> held() throws Exception {
        TreeMap<Long, Interaction> held = new TreeMap<>();
        for (Map.Entry<Long, Interaction> e : buffer.entries()) {
            held.put(e.getKey(), e.getValue());
        }
        return held;
    }

    /**
     * An event implausibly far ahead of the cursor goes to the late lane and leaves the cursor
     * alone (one bogus seq must not send the customer's later events below it); a second event
     * right after it confirms that the sequence really moved there, and it restarts from it.
     */
    private void jump(
            Interaction in,
            long id,
            SeqCursor c,
            GapWait wait,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        if (c.jumpCandidate != 0 && in.seq == c.jumpCandidate + 1) {
            // the candidate went out on the late side output; below it nothing is known
            restart(in, id, c, wait, CAUSE_JUMP, c.jumpCandidate, now, ctx, out);
            return;
        }
        c.jumpCandidate = in.seq;
        store(c, true, ctx.timerService());
        letThrough(in, ctx, OrderingReports.Late.IMPLAUSIBLE_SEQ);
    }

    /**
     * The customer's sequence starts over at {@code in}: events held for the old one are released
     * first (in order, holes reported with {@code cause}), then {@code in} goes out. Events of the
     * old sequence that arrive later occurred before {@code in}: they are let through, except
     * copies of its seq 1 and its last {@value SeqCursor#RING} seqs, whose ids go to {@code
     * recent-ids} here.
     */
    private void restart(
            Interaction in,
            long id,
            SeqCursor c,
            GapWait wait,
            String cause,
            long certainFrom,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        reports.restarted(in, cause);
        if (wait != null) {
            c = release(c, wait, cause, now, ctx, out);
        }
        // copies of the old sequence's last events (those just released among them) can no longer
        // be placed by seq: remember their ids, so a copy arriving after the restart is dropped
        recentIds.remember(c.emittedIds());
        c.restartAt(in.seq, certainFrom, in.occurredAt);
        // the skipped ranges name seqs of the old sequence; its stragglers are recognised by
        // occurred_at before startedAt instead
        skipped.clear();
        out.collect(in);
        c.emitted(in.seq, id, in.occurredAt);
        c.next = in.seq + 1;
        c.waiting = false;
        store(c, true, ctx.timerService());
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
        release(
                SeqCursor.of(nextSeq.value()),
                wait,
                ended ? CAUSE_END_OF_INPUT : CAUSE_TIMEOUT,
                timestamp,
                ctx,
                out);
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
        // recent-ids is left to its own TTL: it is refreshed by events without seq, which do not
        // write next-seq, so a customer now sending only those still needs its window; skipped
        // means nothing without next-seq
        skipped.clear();
    }

    /**
     * The gap wait, read only when the cursor does not rule it out: no cursor (a new customer's
     * first events held), or one from a version without the flag.
     */
    private GapWait waitOf(SeqCursor c) throws Exception {
        return c != null && c.flagKnown && !c.waiting ? null : gapWait.value();
    }

    /** Writes the cursor; a customer's first write starts its idle timer. */
    private void store(SeqCursor c, boolean known, TimerService timers) throws Exception {
        long now = timers.currentProcessingTime();
        nextSeq.update(c.encode(now));
        if (!known) {
            timers.registerProcessingTimeTimer(now + ttlMillis);
        }
    }

    /**
     * Skips ahead: releases all held events, or on overflow the oldest contiguous run, reporting
     * holes. A customer without a cursor starts at the lowest held seq (held events that occurred
     * before it go late: an earlier sequence's); nothing below it is known. A held event
     * implausibly far past the one before it goes to the late side output instead of skipping the
     * seqs in between. Returns the cursor written.
     */
    private SeqCursor release(
            SeqCursor c,
            GapWait wait,
            String cause,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        boolean all = !cause.equals(CAUSE_OVERFLOW);
        boolean known = c != null;
        TreeMap<Long, Interaction> held = held();
        int count = held.size();
        int taken = 0;
        if (c == null && !held.isEmpty()) {
            // the customer starts at its lowest held seq: what occurred before that event is of an
            // earlier sequence
            taken = setAside(held, held.firstEntry().getValue().occurredAt, ctx);
        }
        int released = 0;
        for (Map.Entry<Long, Interaction> e : held.entrySet()) {
            long seq = e.getKey();
            Interaction event = e.getValue();
            if (c == null) {
                c = SeqCursor.start(seq, seq, event.occurredAt);
            } else if (seq > c.next) {
                if (!all && released > 0) {
                    break;
                }
                if (seq - c.next > config.maxSeqJump()) {
                    letThrough(event, ctx, OrderingReports.Late.IMPLAUSIBLE_SEQ);
                    buffer.remove(seq);
                    taken++;
                    continue;
                }
                reports.gap(ctx, c.next, seq - 1, now - wait.sinceMillis, cause);
                long forgotten = skipped.add(c.next, seq - 1);
                // seqs of a forgotten range can no longer be told from copies: below it nothing is
                // certain any more, so its stragglers are let through
                c.certainFrom = Math.max(c.certainFrom, forgotten + 1);
                c.skipped(c.next, seq - 1);
            }
            out.collect(event);
            c.emitted(seq, idOf(event), event.occurredAt);
            buffer.remove(seq);
            c.next = seq + 1;
            taken++;
            released++;
        }
        if (c != null) {
            c.waiting = count > taken;
            store(c, known, ctx.timerService());
        }
        wait.buffered = count;
        endWait(wait, taken, now, ctx);
        return c;
    }

    /**
     * The awaited seq arrived or was skipped: the wait ends; if events remain held, a new one
     * begins now.
     */
    private void endWait(GapWait wait, int released, long now, Context ctx) throws Exception {
        reports.waitEnded(now - wait.sinceMillis);
        reports.bufferedEvents.dec(released);
        ctx.timerService().deleteEventTimeTimer(deadline(wait.sinceMillis));
        wait.buffered -= released;
        if (wait.buffered <= 0) {
            gapWait.clear();
            return;
        }
        wait.sinceMillis = now;
        gapWait.update(wait);
        ctx.timerService().registerEventTimeTimer(deadline(now));
    }

    /**
     * Sends an event the cursor cannot place to the late side output, unless the same id was let
     * through recently ({@code recent-ids}, the window also used for events without seq): copies of
     * such events are then known, within that window.
     */
    private void letThrough(Interaction in, Context ctx, OrderingReports.Late kind)
            throws Exception {
        if (recentIds.firstSeen(in.eventId)) {
            reports.late(in, ctx, kind);
        } else {
            reports.duplicate(in, ctx);
        }
    }

    /** The 64-bit hash of an event's id; never 0, which means "unknown" in the cursor. */
    private static long idOf(Interaction e) {
        long h = RecentIds.hash(e.eventId == null ? "" : e.eventId);
        return h == 0 ? 1 : h;
    }

    private long deadline(long since) {
        return since > Long.MAX_VALUE - maxWaitMillis ? Long.MAX_VALUE : since + maxWaitMillis;
    }
}
