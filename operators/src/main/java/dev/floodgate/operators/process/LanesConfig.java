package dev.floodgate.operators.process;

import dev.floodgate.model.Channel;
import dev.floodgate.model.OrderScope;
import java.io.Serializable;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * How {@link ProcessInLanes} runs each channel's lane. Immutable; {@code with...} returns a copy.
 *
 * <ul>
 *   <li>{@code maxInFlight} per channel (defaults voice 8, image 16, chat 32): calls in flight per
 *       subtask against that channel's service. Keep it near the service's own concurrency: a call
 *       beyond it waits in the service's queue, where {@code high} cannot go first.
 *   <li>{@code maxQueued} (default 64): admitted events ready to be called (heads of their
 *       customers' queues) waiting for a call slot, per lane and subtask. When a lane is full the
 *       operator stops taking input (backpressure reaches Kafka). It bounds memory and checkpoint
 *       size (the backlog belongs in Kafka); with shedding on, admission keeps a lane near {@code
 *       target x rate}, so keep it above that.
 *   <li>{@code maxQueuedPerCustomer} (default 16): events of one customer in one lane, queued and
 *       in flight. Only a customer's head is called, so a customer sending faster than one call per
 *       latency (one loud customer, {@code high} included, which admission never sheds) would grow
 *       its own queue without end; the excess is shed ({@code customer_backlog}), processed later
 *       by the drain, and everyone else's events go on.
 *   <li>{@code orderScope} (default {@link OrderScope#CHANNEL}).
 *   <li>circuit breaker ({@link CircuitBreaker}): after {@code circuitFailures} (default 5)
 *       attempts in a row failed for a reason of the service the lane opens for {@code
 *       circuitOpenFor} (default 10 s, doubling while probes fail, at most 8x); {@code
 *       Integer.MAX_VALUE} failures turns it off.
 *   <li>{@code processing}: timeouts and retries of each call ({@link ProcessingConfig}).
 *   <li>{@code settleAtCheckpoints} (default false; the drain's) and {@code settleTimeout} (default
 *       15 s): see {@link #withSettleAtCheckpoints} and {@link #withSettleTimeout}.
 * </ul>
 */
public final class LanesConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final EnumMap<Channel, Integer> maxInFlight;
    private final int maxQueued;
    private final int maxQueuedPerCustomer;
    private final OrderScope orderScope;
    private final int circuitFailures;
    private final Duration circuitOpenFor;
    private final ProcessingConfig processing;
    private final boolean settleAtCheckpoints;
    private final Duration settleTimeout;
    private final LimitPolicy limitPolicy;

    private LanesConfig(
            Map<Channel, Integer> maxInFlight,
            int maxQueued,
            int maxQueuedPerCustomer,
            OrderScope orderScope,
            int circuitFailures,
            Duration circuitOpenFor,
            ProcessingConfig processing,
            boolean settleAtCheckpoints,
            Duration settleTimeout,
            LimitPolicy limitPolicy) {
        for (Channel c : Channel.values()) {
            Integer n = maxInFlight.get(c);
            if (n == null || n < 1) {
                throw new IllegalArgumentException(
                        "max in flight of lane " + c.wireName() + " must be >= 1, got " + n);
            }
        }
        if (maxQueued < 1
                || maxQueuedPerCustomer < 1
                || circuitFailures < 1
                || circuitOpenFor.toMillis() <= 0
                || settleTimeout.toMillis() <= 0) {
            throw new IllegalArgumentException(
                    "need maxQueued >= 1, maxQueuedPerCustomer >= 1, circuitFailures >= 1,"
                            + " circuitOpenFor > 0, settleTimeout > 0; got "
                            + maxQueued
                            + ", "
                            + maxQueuedPerCustomer
                            + ", "
                            + circuitFailures
                            + ", "
                            + circuitOpenFor
                            + ", "
                            + settleTimeout);
        }
        this.maxInFlight = new EnumMap<>(maxInFlight);
        this.maxQueued = maxQueued;
        this.maxQueuedPerCustomer = maxQueuedPerCustomer;
        this.orderScope = orderScope;
        this.circuitFailures = circuitFailures;
        this.circuitOpenFor = circuitOpenFor;
        this.processing = processing;
        this.settleAtCheckpoints = settleAtCheckpoints;
        this.settleTimeout = settleTimeout;
        this.limitPolicy = limitPolicy;
    }

    /**
     * 15 s: above every normal settle measured (about two calls' time: the longest drain checkpoint
     * of {@code StockClusterDrainITCase} at a 10-calls/s service was 4.3 s; a drain that yields to
     * live traffic, up to 10.1 s at 50% load and 11.5 s through a flood at a FIFO service), and
     * above the longest pause of a yielding lane ({@code --yield-max-pause}, 10 s) plus a call, for
     * which its input may wait; well below the checkpoint timeout (2 min).
     */
    public static final Duration DEFAULT_SETTLE_TIMEOUT = Duration.ofSeconds(15);

    public static LanesConfig defaults() {
        Map<Channel, Integer> m = new EnumMap<>(Channel.class);
        m.put(Channel.VOICE, 8);
        m.put(Channel.IMAGE, 16);
        m.put(Channel.CHAT, 32);
        return new LanesConfig(
                m,
                64,
                16,
                OrderScope.CHANNEL,
                5,
                Duration.ofSeconds(10),
                ProcessingConfig.defaults(),
                false,
                DEFAULT_SETTLE_TIMEOUT,
                LimitPolicy.fixed());
    }

    public LanesConfig withMaxInFlight(Channel channel, int n) {
        Map<Channel, Integer> m = new EnumMap<>(maxInFlight);
        m.put(channel, n);
        return new LanesConfig(
                m,
                maxQueued,
                maxQueuedPerCustomer,
                orderScope,
                circuitFailures,
                circuitOpenFor,
                processing,
                settleAtCheckpoints,
                settleTimeout,
                limitPolicy);
    }

    public LanesConfig withMaxQueued(int n) {
        return new LanesConfig(
                maxInFlight,
                n,
                maxQueuedPerCustomer,
                orderScope,
                circuitFailures,
                circuitOpenFor,
                processing,
                settleAtCheckpoints,
                settleTimeout,
                limitPolicy);
    }

    /**
     * At most {@code n} events of one customer in one lane (queued and in flight); more are shed
     * ({@code customer_backlog}). {@code Integer.MAX_VALUE}: no bound, and then {@code maxQueued}
     * counts every queued event, ready or not, so a customer's backlog stops the input instead (the
     * backfill's setting: it has no later lane to shed to).
     */
    public LanesConfig withMaxQueuedPerCustomer(int n) {
        return new LanesConfig(
                maxInFlight,
                maxQueued,
                n,
                orderScope,
                circuitFailures,
                circuitOpenFor,
                processing,
                settleAtCheckpoints,
                settleTimeout,
                limitPolicy);
    }

    public LanesConfig withOrderScope(OrderScope scope) {
        return new LanesConfig(
                maxInFlight,
                maxQueued,
                maxQueuedPerCustomer,
                scope,
                circuitFailures,
                circuitOpenFor,
                processing,
                settleAtCheckpoints,
                settleTimeout,
                limitPolicy);
    }

    public LanesConfig withCircuit(int failures, Duration openFor) {
        return new LanesConfig(
                maxInFlight,
                maxQueued,
                maxQueuedPerCustomer,
                orderScope,
                failures,
                openFor,
                processing,
                settleAtCheckpoints,
                settleTimeout,
                limitPolicy);
    }

    public LanesConfig withProcessing(ProcessingConfig config) {
        return new LanesConfig(
                maxInFlight,
                maxQueued,
                maxQueuedPerCustomer,
                orderScope,
                circuitFailures,
                circuitOpenFor,
                config,
                settleAtCheckpoints,
                settleTimeout,
                limitPolicy);
    }

    /**
     * Settle at checkpoints: before each checkpoint barrier the operator waits until every admitted
     * event has its outcome, so a checkpoint holds no admitted events and everything read before it
     * has its output in that checkpoint's transactions. The drain runs so: its progress marks
     * ({@code MarkDrainProgress}) are then exact for a run started without its state. Checkpoints
     * take up to the slowest call longer, at most the {@link #withSettleTimeout settle timeout};
     * the live job does not settle.
     */
    public LanesConfig withSettleAtCheckpoints(boolean settle) {
        return new LanesConfig(
                maxInFlight,
                maxQueued,
                maxQueuedPerCustomer,
                orderScope,
                circuitFailures,
                circuitOpenFor,
                processing,
                settle,
                settleTimeout,
                limitPolicy);
    }

    /**
     * With {@link #withSettleAtCheckpoints settling}: the longest a checkpoint barrier waits for
     * the admitted events' outcomes (and the input for room in a full lane, since a barrier may
     * wait behind it), default {@link #DEFAULT_SETTLE_TIMEOUT}; then each admitted event still
     * without one is shed again ({@link SettleTimeout}). A barrier's wait is bounded by it, counted
     * from when the input began to wait for room if it did.
     */
    public LanesConfig withSettleTimeout(Duration timeout) {
        return new LanesConfig(
                maxInFlight,
                maxQueued,
                maxQueuedPerCustomer,
                orderScope,
                circuitFailures,
                circuitOpenFor,
                processing,
                settleAtCheckpoints,
                timeout,
                limitPolicy);
    }

    public Duration settleTimeout() {
        return settleTimeout;
    }

    /**
     * How each lane's calls in flight are limited below its {@code maxInFlight} ceiling ({@link
     * LimitPolicy#fixed()} by default: always the ceiling).
     */
    public LanesConfig withLimitPolicy(LimitPolicy policy) {
        return new LanesConfig(
                maxInFlight,
                maxQueued,
                maxQueuedPerCustomer,
                orderScope,
                circuitFailures,
                circuitOpenFor,
                processing,
                settleAtCheckpoints,
                settleTimeout,
                policy);
    }

    public LimitPolicy limitPolicy() {
        return limitPolicy;
    }

    public boolean settleAtCheckpoints() {
        return settleAtCheckpoints;
    }

    public int maxInFlight(Channel channel) {
        return maxInFlight.get(channel);
    }

    public int maxQueued() {
        return maxQueued;
    }

    public int maxQueuedPerCustomer() {
        return maxQueuedPerCustomer;
    }

    public OrderScope orderScope() {
        return orderScope;
    }

    public int circuitFailures() {
        return circuitFailures;
    }

    public Duration circuitOpenFor() {
        return circuitOpenFor;
    }

    public ProcessingConfig processing() {
        return processing;
    }

    @Override
    public String toString() {
        return "LanesConfig{maxInFlight="
                + maxInFlight
                + " maxQueued="
                + maxQueued
                + " perCustomer="
                + maxQueuedPerCustomer
                + " order="
                + orderScope.wireName()
                + " circuit="
                + circuitFailures
                + "/"
                + circuitOpenFor
                + " "
                + processing
                + (settleAtCheckpoints ? " settle-at-checkpoints within " + settleTimeout : "")
                + " limit="
                + limitPolicy
                + "}";
    }
}
