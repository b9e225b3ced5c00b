package dev.floodgate.operators.process;

import dev.floodgate.model.Channel;
import dev.floodgate.operators.shed.LaneLoad;
import java.util.ArrayDeque;

/**
 * One channel's lane on one subtask, for {@link ProcessInLanes}: its in-flight budget, the events
 * ready to be called (the heads of their customers' queues), {@code high} first, and the measured
 * call latency. The latency, as an exponentially weighted mean over the calls the service answered
 * (the answering attempt only: failed, timed-out attempts and retry backoffs say nothing about how
 * fast a healthy service serves, and would keep admission shedding long after an outage), gives the
 * predicted wait (Little's law: a lane with {@code limit} calls in flight completes {@code limit /
 * latency} calls per second). The lane is full when {@code maxQueued} events are ready to be
 * called: events waiting behind their customer's head cannot be called yet and are bounded per
 * customer instead ({@link LanesConfig#maxQueuedPerCustomer()}), so one customer's backlog never
 * fills the lane and stops the input of every channel. Task thread only; the gauges read the
 * volatile counts.
 */
final class ChannelLane implements LaneLoad {
    private static final double ALPHA = 0.1;

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
    private final ArrayDeque<Pending> readyOther = new ArrayDeque<>();
    volatile int inFlight;
    volatile int queued;
    private volatile double latencyMillis = -1;
    private int queuedHigh;

    /** Share of the calls started that were {@code high} (weighted mean): they go first. */
    private double highShare;

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
        this.budget = budget;
        this.currentLimit = Math.min(budget, limit.limit(0));
        this.maxQueued = maxQueued;
        this.circuit = circuit;
        this.boundsAllQueued = boundsAllQueued;
    }

    /** An admitted event joins the lane (it waits until it is ready and has a slot). */
    void admitted(Pending p) {
        queued++;
        if (p.high()) {
            queuedHigh++;
        }
    }

    /** {@code p} is the head of its customer's queue now: it may be called. */
    void ready(Pending p) {
        (p.high() ? readyHigh : readyOther).add(p);
        kick = true;
    }

    /** The next event to call, {@code high} first; {@code null} if none is ready. */
    Pending pollReady() {
        Pending p = readyHigh.poll();
        return p != null ? p : readyOther.poll();
    }

    /** Whether an event is ready to be called. */
    boolean hasReady() {
        return !readyHigh.isEmpty() || !readyOther.isEmpty();
    }

    /** {@code p} leaves the queue: it is called now, or shed. */
    void dequeued(Pending p) {
        queued--;
        if (p.high()) {
            queuedHigh--;
        }
    }

    boolean hasSlot(long now) {
        return circuit.mayStart(inFlight, currentLimit(now), now);
    }

    /** Calls that may be in flight now: the limit, at most the ceiling; remembered. */
    int currentLimit(long now) {
        int l = Math.min(budget, limit.limit(now));
        currentLimit = l;
        return l;
    }

    /**
     * Calls that may be in flight, as last asked ({@link #hasSlot}, after each answer): the lane's
     * budget for Little's law and the {@code inFlightLimit} gauge.
     */
    int currentLimit() {
        return currentLimit;
    }

    /** Whether {@code maxQueued} events are ready to be called: the input waits. */
    boolean full() {
        return (boundsAllQueued ? queued : readyHigh.size() + readyOther.size()) >= maxQueued;
    }

    void started(Pending p) {
        inFlight++;
        highShare += ALPHA * ((p.high() ? 1 : 0) - highShare);
    }

    /** A call ended, answered or not. */
    void finished() {
        inFlight--;
    }

    /** The service answered an attempt in {@code latency} ms. */
    void answeredIn(long latency, long now) {
        limit.answered(latency, inFlight, now);
        currentLimit(now);
        double l = latencyMillis;
        latencyMillis = l < 0 ? latency : l + ALPHA * (latency - l);
    }

    @Override
    public int work() {
        return inFlight + queued;
    }

    @Override
    public long predictedWaitMillis(boolean high) {
        double l = latencyMillis;
        if (l < 0) {
            return -1;
        }
        int ahead = (high ? queuedHigh : queued) + inFlight;
        int slots = Math.max(1, currentLimit());
        int waves = Math.max(0, ahead - slots + 1);
        // high events arriving while a normal one waits are served before it: it gets the rest
        double share = high ? 1.0 : Math.max(0.1, 1.0 - highShare);
        return (long) (l + waves * l / slots / share);
    }

    /** Calls per second the lane completes when it is busy (0 before the first call). */
    double completionRate() {
        double l = latencyMillis;
        return l <= 0 ? 0 : Math.max(1, currentLimit()) * 1000.0 / l;
    }
}
