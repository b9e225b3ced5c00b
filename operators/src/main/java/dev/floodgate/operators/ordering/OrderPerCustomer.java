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
 * partitions are excluded from the watermark by the source). A seq below the expected one or
 * already held is dropped as a duplicate (counted; optionally on {@link #DUPLICATES}), unless its
 * seq was skipped: an event arriving after its gap was skipped is late data, not a duplicate, and
 * goes to {@link #LATE} (the job sends it to the shed lane, to be processed later, so the main
 * output stays in order and nothing is lost); later copies of it are duplicates. Events without seq
 * pass at once in log order, deduplicated by event id over the last {@code recentIdsWindow} ids of
 * that customer.
 *
 * <p>First event rule: seq 1 is a customer's natural start. A customer without state whose first
 * event has seq 1 starts there. If it has seq &gt; 1 (the job started mid-log, the state expired,
 * or seq 1 is still in flight) it is held like an early event: seq 1 arriving anchors the sequence
 * at 1; otherwise after {@code maxWait} the customer starts from the lowest seq seen, without a gap
 * for the unknown prefix.
 *
 * <p>State (descriptors in {@link OrderingState}): {@code next-seq} with its last-write time (the
 * only state of an idle customer), {@code recent-ids} (only for customers sending events without
 * seq) and {@code skipped} (the last {@value SkippedSeqs#MAX_RANGES} skipped ranges, only for
 * customers that had a gap), the last two with a processing-time TTL of {@code stateTtl} refreshed
 * on write; {@code buffer} and {@code gap-wait}, without TTL, present exactly while events are
 * held. {@code next-seq} also says whether {@code gap-wait} exists, so an in-order event reads no
 * other state: every call that creates or clears {@code gap-wait} while {@code next-seq} exists
 * writes the flag too, and for an event (and the idle timer) {@code gap-wait} is read only when
 * {@code next-seq} is absent, lacks the flag (written by an older version) or says events are held;
 * the gap timer always reads it. Timers: at most one event-time timer per customer, at {@code
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
    private static final long NOT_WAITING = 0;
    private static final long WAITING = 1;

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
        long[] cursor = nextSeq.value();
        Long next = cursor == null ? null : cursor[0];
        GapWait wait = waitOf(cursor);
        if (next != null && in.seq < next) {
            if (skipped.take(in.seq)) {
                reports.late(in, ctx);
            } else {
                reports.duplicate(in, ctx);
            }
            return;
        }
        if (wait != null && buffer.contains(in.seq)) {
            reports.duplicate(in, ctx);
            return;
        }
        if (next == null && in.seq == 1) {
            next = 1L;
        }
        // The log clock: the watermark, or this event's own log time when it is ahead of the
        // watermark.
        long now = Math.max(ctx.timerService().currentWatermark(), in.logTimestamp);
        if (next != null && in.seq == next) {
            out.collect(in);
            long n = in.seq + 1;
            int released = 0;
            for (Interaction held;
                    wait != null && (held = buffer.get(n)) != null;
                    n++, released++) {
                out.collect(held);
                buffer.remove(n);
            }
            setNext(
                    n,
                    cursor != null,
                    wait != null && wait.buffered > released,
                    ctx.timerService());
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
            release(next, wait, CAUSE_OVERFLOW, now, ctx, out);
        } else {
            gapWait.update(wait);
            if (started && cursor != null) {
                setNext(next, true, true, ctx.timerService());
            }
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
        long[] cursor = nextSeq.value();
        release(
                cursor == null ? null : cursor[0],
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
        long[] cursor = nextSeq.value();
        if (cursor == null) {
            return;
        }
        long idleAt = cursor[1] + ttlMillis;
        if (timestamp < idleAt || waitOf(cursor) != null) {
            // events held: not idle; they are released within maxWait of log time, which writes
            // next-seq again
            timers.registerProcessingTimeTimer(
                    Math.max(idleAt, timestamp + Math.max(maxWaitMillis, 1_000L)));
            return;
        }
        nextSeq.clear();
        // recent-ids is left to its own TTL: it is refreshed by events without seq, which do not
        // write next-seq,
        // so a customer now sending only those still needs its window; skipped means nothing
        // without next-seq
        skipped.clear();
    }

    /**
     * The gap wait, read only when the cursor does not rule it out: no cursor (a new customer's
     * first events held), or one from a version without the flag.
     */
    private GapWait waitOf(long[] cursor) throws Exception {
        return cursor != null && cursor.length > 2 && cursor[2] == NOT_WAITING
                ? null
                : gapWait.value();
    }

    /**
     * Writes the next expected seq and whether {@code gap-wait} exists once this call is done; a
     * customer's first write starts its idle timer.
     */
    private void setNext(long next, boolean known, boolean waiting, TimerService timers)
            throws Exception {
        long now = timers.currentProcessingTime();
        nextSeq.update(new long[] {next, now, waiting ? WAITING : NOT_WAITING});
        if (!known) {
            timers.registerProcessingTimeTimer(now + ttlMillis);
        }
    }

    /**
     * Skips ahead: releases all held events, or on overflow the oldest contiguous run, reporting
     * holes.
     */
    private void release(
            Long next,
            GapWait wait,
            String cause,
            long now,
            Context ctx,
            Collector<Interaction> out)
            throws Exception {
        boolean all = !cause.equals(CAUSE_OVERFLOW);
        boolean known = next != null;
        TreeMap<Long, Interaction> held = new TreeMap<>();
        for (Map.Entry<Long, Interaction> e : buffer.entries()) {
            held.put(e.getKey(), e.getValue());
        }
        int released = 0;
        for (Map.Entry<Long, Interaction> e : held.entrySet()) {
            long seq = e.getKey();
            if (next != null && seq > next) {
                if (!all && released > 0) {
                    break;
                }
                reports.gap(ctx, next, seq - 1, now - wait.sinceMillis, cause);
                skipped.add(next, seq - 1);
            }
            out.collect(e.getValue());
            buffer.remove(seq);
            next = seq + 1;
            released++;
        }
        if (next != null) {
            setNext(next, known, held.size() > released, ctx.timerService());
        }
        wait.buffered = held.size();
        endWait(wait, released, now, ctx);
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

    private long deadline(long since) {
        return since > Long.MAX_VALUE - maxWaitMillis ? Long.MAX_VALUE : since + maxWaitMillis;
    }
}
