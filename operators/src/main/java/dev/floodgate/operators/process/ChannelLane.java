package dev.floodgate.operators.process;

import dev.floodgate.model.Channel;
import dev.floodgate.operators.shed.DecayingMean;
import dev.floodgate.operators.shed.LaneLoad;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * One channel's lane on one subtask, for {@link ProcessInLanes}: its in-flight limit ({@link
 * ConcurrencyLimit}, at most the configured budget), the events ready to be called (the heads of
 * their customers' queues) and the measured call latency.
 *
 * <p>Ready events are called {@code high} first. The others are called in order of arrival on the
 * subtask, not of becoming ready: a customer's successor that becomes ready when its predecessor's
 * call ends competes by its arrival, where a FIFO put it behind every head that arrived after it
 * (its age was two queue waits, while admission had predicted one). {@code high} events are called
 * in the order they became ready (a FIFO): their queue is short (they are a small share, and never
 * queue behind the rest), and ready order is round-robin between customers, so one customer sending
 * {@code high} faster than its calls finish cannot put its backlog, all older than the others'
 * events, ahead of everyone ({@code LoudCustomerSimulationTest}). Priority inheritance: a ready
 * event that a {@code high} event of its customer's queue waits behind is called as {@code high}
 * ({@link #boost}; it stays in order, only the heads ahead of a {@code high} event are boosted, at
 * most {@link LanesConfig#maxQueuedPerCustomer()} of them), so a {@code high} event waits for its
 * customer's earlier events at {@code high}'s pace, not behind the lane's admitted backlog. A
 * boosted event is in both ready queues; the copy left behind is skipped when it comes up ({@link
 * Pending#called}).
 *
 * <p>The latency is a mean over the calls the service answered, weighted by age ({@link
 * DecayingMean}; the answering attempt only: failed, timed-out attempts and retry backoffs say
 * nothing about how fast a healthy service serves, and would keep admission shedding long after an
 * outage). The lane is full when {@code maxQueued} events are ready to be called: events waiting
 * behind their customer's head cannot be called yet and are bounded per customer instead ({@link
 * LanesConfig#maxQueuedPerCustomer()}), so one customer's backlog never fills the lane and stops
 * the input of every channel. Task thread only; the gauges read the volatile counts.
 */
final class ChannelLane implements LaneLoad {
    /** How long after a {@code high} event arrived the lane keeps a slot for the next one. */
    static final long HIGH_RESERVE_MILLIS = 10_000;

    /**
     * The quantile of the latencies of calls that are not urgent the second look expects, when the
     * service serves urgent calls first ({@link #secondLookLatencyMillis}).
     */
    static final double OTHERS_TAIL_QUANTILE = 0.95;

    /** Decay window of the latency estimate. */
    private static final long LATENCY_TAU_MILLIS = 2_000;

    private static final Comparator<Pending> BY_ARRIVAL = Comparator.comparingLong(p -> p.arrival);

    final Channel channel;
    final int budget;
    final int maxQueued;
    final CircuitBreaker circuit;

    /** Calls that may be in flight now, at most {@link #budget} (the configured ceiling). */
    final ConcurrencyLimit limit;

    /** The limit as last asked (the gauge's and {@link #currentLimit()}'s: task thread writes). */
    private volatile int currentLimit;

    /** Without a per-customer bound the lane's bound counts every queued event, ready or not. */
    private final boolean boundsAllQueued;

    private final ArrayDeque<Pending> readyHigh = new ArrayDeque<>();
    private final PriorityQueue<Pending> readyOther = new PriorityQueue<>(BY_ARRIVAL);
    private final DecayingMean latency = new DecayingMean(LATENCY_TAU_MILLIS);
    private final DecayingMean othersLatency = new DecayingMean(LATENCY_TAU_MILLIS);
    private final LatencyFloor latencyFloor = new LatencyFloor();
    private final LatencyQuantile othersTail = new LatencyQuantile(OTHERS_TAIL_QUANTILE);
    private boolean othersOvertaken;

    /**
     * Calls out, by start; finished ones leave from the head (one that hangs keeps those behind it
     * until it ends: its timeout bounds them). The head is the oldest call still out.
     */
    private final ArrayDeque<Pending> out = new ArrayDeque<>();

    /**
     * When the oldest call still out started; {@code Long.MAX_VALUE} if none (gauge thread reads).
     */
    private volatile long oldestStart = Long.MAX_VALUE;

    volatile int inFlight;
    volatile int queued;

    /** Ready events, each counted once (a boosted one is in both queues). */
    private int ready;

    /** When a {@code high} event last arrived ({@link #highArrived}); long ago if never. */
    private long highArrivedAt = Long.MIN_VALUE / 2;

    /** Set when the lane may be able to start calls: {@link ProcessInLanes} pumps it. */
    boolean kick;

    /** A paused lane's wake-up is registered ({@link ProcessInLanes}). */
    boolean resumeScheduled;

    ChannelLane(Channel channel, int budget, int maxQueued, CircuitBreaker circuit) {
        this(channel, budget, maxQueued, circuit, false, new FixedLimit(budget));
    }

    ChannelLane(
            Channel channel,
            int budget,
            int maxQueued,
            CircuitBreaker circuit,
            boolean boundsAllQueued,
            ConcurrencyLimit limit) {
        this.channel = channel;
        this.limit = limit;
        this.currentLimit = Math.min(budget, limit.limit(0));
        this.budget = budget;
        this.maxQueued = maxQueued;
        this.circuit = circuit;
        this.boundsAllQueued = boundsAllQueued;
    }

    /** An admitted event joins the lane (it waits until it is ready and has a slot). */
    void admitted(Pending p) {
        queued++;
    }

    /**
     * {@code p} is the head of its customer's queue now: it may be called; as {@code high} if it
     * is, or if a {@code high} event waits behind it ({@code inherits}).
     */
    void ready(Pending p, boolean inherits) {
        ready++;
        if (p.high() || inherits) {
            p.boosted = true;
            readyHigh.add(p);
        } else {
            readyOther.add(p);
        }
        kick = true;
    }

    /** A {@code high} event now waits behind the ready {@code p}: {@code p} inherits it. */
    void boost(Pending p) {
        if (!p.boosted && !p.called) {
            p.boosted = true;
            readyHigh.add(p);
            kick = true;
        }
    }

    /** The next event to call, {@code high} first, by arrival; {@code null} if none is ready. */
    Pending pollReady() {
        Pending p = poll(readyHigh);
        return p != null ? p : poll(readyOther);
    }

    private Pending poll(java.util.Queue<Pending> q) {
        Pending p;
        while ((p = q.poll()) != null) {
            if (!p.called) {
                p.called = true;
                ready--;
                return p;
            }
        }
        return null;
    }

    /** Whether an event is ready to be called. */
    boolean hasReady() {
        return ready > 0;
    }

    /** {@code p} leaves the queue: it is called now, or shed. */
    void dequeued(Pending p) {
        queued--;
    }

    /**
     * Whether a call of the next ready event ({@code high} or not, {@link #nextIsHigh}) may start
     * now; with {@code atLeastOne} a paused limit (0) still lets one call run at a time: the lane
     * must settle before a checkpoint barrier, and a backfill that yields the service must not hold
     * that barrier for its pause.
     *
     * <p>A slot for {@code high}: while {@code high} events arrive and the other calls queue at the
     * service ({@link #reserving}), the others leave one slot of a limit of 2 or more free, and
     * {@code high} may take one beyond the limit (a second {@code high} event need not wait for a
     * slot of its own lane when the service pools the subtasks' calls). A call queued at the
     * service before a {@code high} one delays it by a whole call: in a flood, with every slot
     * taken by normal and low calls and the service's queue FIFO, a {@code high} event waited for a
     * slot of its lane and then behind the calls queued at the service (the 6x demo's voice {@code
     * high} p99 1.6 s). The reserve costs a flooded lane at most the gap between an answer and its
     * next call on one slot, and nothing while no {@code high} arrives or nothing queues at the
     * service; the call beyond the limit is only {@code high}'s, and only where calls queue at the
     * service anyway.
     */
    boolean hasSlot(long now, boolean atLeastOne, boolean high) {
        int l = currentLimit(now);
        if (atLeastOne) {
            l = Math.max(1, l);
        }
        int slots = l;
        if (l >= 2 && reserving(now)) {
            slots = high ? l + 1 : l - 1;
        }
        return circuit.mayStart(inFlight, slots, now);
    }

    /**
     * Whether the others leave a slot to {@code high}: a {@code high} event arrived within {@link
     * #HIGH_RESERVE_MILLIS}, and the other calls wait at the service (their mean latency a quarter
     * above the {@link LatencyFloor}). Without a queue at the service, a slot held back would idle
     * one of its workers, and a {@code high} call waits for no queue anyway.
     */
    private boolean reserving(long now) {
        if (now - highArrivedAt >= HIGH_RESERVE_MILLIS) {
            return false;
        }
        long floor = latencyFloor.millis();
        return floor != Long.MAX_VALUE && othersLatency.mean() >= 1.25 * floor;
    }

    /** A {@code high} event arrived in this lane at {@code now}: the lane keeps a slot for it. */
    void highArrived(long now) {
        highArrivedAt = now;
    }

    /** Whether the event {@link #pollReady} returns next is {@code high} (own or inherited). */
    boolean nextIsHigh() {
        while (!readyHigh.isEmpty() && readyHigh.peekFirst().called) {
            readyHigh.pollFirst();
        }
        return !readyHigh.isEmpty();
    }

    /** Calls that may be in flight now: the limit, at most the ceiling; remembered. */
    int currentLimit(long now) {
        int l = Math.min(budget, limit.limit(now));
        currentLimit = l;
        return l;
    }

    /**
     * Calls that may be in flight, as last asked ({@link #hasSlot}, after each answer): the lane's
     * limit for Little's law and the {@code inFlightLimit} gauge.
     */
    int currentLimit() {
        return currentLimit;
    }

    /**
     * Whether {@code maxQueued} events are ready to be called: the input waits. A lane without a
     * per-customer bound (the backfill's: it has no later lane to shed to, and it settles at
     * checkpoints) counts every queued event, and queues at most as many as its limit lets it call
     * at once (at least one): what a checkpoint barrier waits for is then about two calls' time at
     * the service's pace, also while a yielding limit has shrunk.
     */
    boolean full() {
        return boundsAllQueued
                ? queued >= Math.min(maxQueued, Math.max(1, currentLimit))
                : ready >= maxQueued;
    }

    /** {@code p}'s call starts ({@link Pending#startedAt} set). */
    void started(Pending p) {
        inFlight++;
        p.out = true;
        out.add(p);
        if (out.size() == 1) {
            oldestStart = p.startedAt;
        }
    }

    /** {@code p}'s call ended, answered or not. */
    void finished(Pending p) {
        inFlight--;
        p.out = false;
        while (!out.isEmpty() && !out.peekFirst().out) {
            out.pollFirst();
        }
        oldestStart = out.isEmpty() ? Long.MAX_VALUE : out.peekFirst().startedAt;
    }

    /** The calls out now (started, not finished), oldest first: what a settle deadline abandons. */
    java.util.List<Pending> callsOut() {
        java.util.List<Pending> calls = new java.util.ArrayList<>(inFlight);
        for (Pending p : out) {
            if (p.out) {
                calls.add(p);
            }
        }
        return calls;
    }

    /**
     * The service answered an attempt in {@code latency} ms, at {@code now}, of a call made as
     * {@code high} or not: the others' latency says whether they queue at the service ({@link
     * #reserving}; {@code high}'s calls beyond the limit queue by design).
     */
    void answeredIn(long latency, long now, boolean high) {
        if (!high) {
            othersLatency.add(now, latency);
            if (othersOvertaken) { // kept only where the second look reads it
                othersTail.observe(latency);
            }
        }
        limit.answered(latency, inFlight, now);
        currentLimit(now);
        this.latency.add(now, latency);
        latencyFloor.observe(latency, now);
    }

    @Override
    public int work() {
        return inFlight + queued;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public int queued() {
        return queued;
    }

    @Override
    public int limit() {
        return currentLimit();
    }

    @Override
    public double latencyMillis() {
        return latency.mean();
    }

    /**
     * The service serves urgent calls first ({@link EventProcessor#servesUrgentFirst}): a call that
     * is not urgent may be overtaken there by every urgent call that arrives while it waits, so its
     * latency has a tail the mean does not show.
     */
    void othersOvertakenAtService() {
        othersOvertaken = true;
    }

    /**
     * For a call that is not {@code urgent}, with {@link #othersOvertakenAtService}: the {@value
     * #OTHERS_TAIL_QUANTILE} quantile of the latencies of the calls that were not urgent (at least
     * the mean); else the mean.
     */
    @Override
    public double secondLookLatencyMillis(boolean urgent) {
        double mean = latency.mean();
        if (urgent || !othersOvertaken) {
            return mean; // no window sorted on the lanes' default path
        }
        double tail = othersTail.millis();
        return tail > 0 ? Math.max(mean, tail) : mean;
    }

    @Override
    public long oldestCallMillis(long now) {
        long start = oldestStart;
        return start == Long.MAX_VALUE ? 0 : Math.max(0, now - start);
    }
}
