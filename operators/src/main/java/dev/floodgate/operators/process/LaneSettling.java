package dev.floodgate.operators.process;

import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;

/**
 * The waits of {@link ProcessInLanes} on the task thread: a settle (at each checkpoint barrier with
 * {@link LanesConfig#settleAtCheckpoints()}, the drain; at the end of a bounded input) waits until
 * every admitted event has its outcome, and the input waits for room in a full lane (backpressure).
 * Both yield to the mailbox meanwhile, so results, retries and timers go on. Settling at
 * checkpoints, both are bounded by the settle timeout ({@link SettleTimeout}): the events still
 * without an outcome at its deadline are shed again, each customer's in order; a processing-time
 * timer at the deadline wakes the wait.
 *
 * <p>State (task thread, not checkpointed): whether a settle is under way (every lane may call
 * then, at least one at a time), and when the input began to wait for room. {@link #waitDeadline}
 * is read by tests on other threads (volatile); {@link SettleTimeout}'s abandoned calls are read by
 * the retry threads.
 */
final class LaneSettling {
    private static final long NO_WAIT = Long.MIN_VALUE;

    private final ChannelLane[] lanes;
    private final AdmittedEvents admitted;
    private final LaneMetrics metrics;
    private final MailboxExecutor mailbox;
    private final ProcessingTimeService time;
    private final Runnable pump;
    private final SettleTimeout.Shed shed;

    /** In {@link #settle}: every lane may call, at least one at a time, whatever its limit. */
    private boolean settling;

    /** With {@link LanesConfig#settleAtCheckpoints()}: its bound; else null. */
    private final SettleTimeout settle;

    /**
     * Settling: when the input began to wait for room in a full lane ({@link #waitForRoom}), if the
     * record being processed, or the last one, waited; else {@link #NO_WAIT}. A barrier may have
     * waited since then, so its settle ends no later than the timeout after it.
     */
    private long inputWaitSince = NO_WAIT;

    /** The deadline of the wait under way in {@link #yieldUntil}, else NO_WAIT (for tests). */
    private volatile long waitDeadline = NO_WAIT;

    /**
     * {@code pump} starts what the lanes allow; {@code shed} sends an event shed again at a settle
     * deadline ({@code service_unavailable}) to the shed output.
     */
    LaneSettling(
            LanesConfig config,
            ChannelLane[] lanes,
            AdmittedEvents admitted,
            LaneMetrics metrics,
            MailboxExecutor mailbox,
            ProcessingTimeService time,
            Runnable pump,
            SettleTimeout.Shed shed) {
        this.lanes = lanes;
        this.admitted = admitted;
        this.metrics = metrics;
        this.mailbox = mailbox;
        this.time = time;
        this.pump = pump;
        this.shed = shed;
        this.settle =
                config.settleAtCheckpoints()
                        ? new SettleTimeout(config.settleTimeout().toMillis())
                        : null;
    }

    /** With {@link LanesConfig#settleAtCheckpoints()}: the settle timeout's state; else null. */
    SettleTimeout timeout() {
        return settle;
    }

    /** Whether a settle is under way: every lane may call, at least one at a time. */
    boolean isSettling() {
        return settling;
    }

    /** A record arrived: a barrier before it did not wait for it. */
    void recordArrived() {
        inputWaitSince = NO_WAIT;
    }

    /**
     * Waits until every admitted event has its outcome; settling at checkpoints, at most the settle
     * timeout, counted from when the input began to wait for room if the last record did (a barrier
     * may have waited behind it since), after which the events still without one are shed again
     * ({@link SettleTimeout}).
     */
    void settle(String at) throws InterruptedException {
        settling = true;
        try {
            for (ChannelLane lane : lanes) {
                lane.kick = true; // a paused lane calls again, one at a time
            }
            pump.run();
            if (settle == null) {
                while (admitted.size() > 0) {
                    mailbox.yield();
                }
                return;
            }
            long now = time.getCurrentProcessingTime();
            long since = inputWaitSince == NO_WAIT ? now : inputWaitSince;
            yieldUntil(since + settle.timeoutMillis, () -> admitted.size() > 0);
            if (admitted.size() > 0) {
                now = time.getCurrentProcessingTime();
                settle.shedUnsettled(lanes, admitted, metrics, shed, now, now - since, at);
            }
        } finally {
            settling = false;
            inputWaitSince = NO_WAIT;
        }
    }

    /**
     * Waits until {@code lane} has room (results free it; until then the input waits:
     * backpressure). Settling at checkpoints, no longer than the settle timeout: the operator
     * cannot see a barrier waiting behind this record, and a barrier waits no longer than that;
     * after it the event is admitted beyond the lane's bound (one per timeout), the barrier reaches
     * {@link #settle} with its deadline passed, and what the lanes hold is shed again there.
     */
    void waitForRoom(ChannelLane lane) throws InterruptedException {
        if (settle == null) {
            while (lane.full()) {
                mailbox.yield();
            }
            return;
        }
        if (lane.full()) {
            inputWaitSince = time.getCurrentProcessingTime();
            yieldUntil(inputWaitSince + settle.timeoutMillis, lane::full);
        }
    }

    /**
     * Yields to the mailbox (results, retries, timers) while {@code waiting} holds, until the
     * processing time reaches {@code deadline}: a processing-time timer at the deadline wakes the
     * mailbox when nothing else does (the harness's clock in tests).
     */
    private void yieldUntil(long deadline, java.util.function.BooleanSupplier waiting)
            throws InterruptedException {
        java.util.concurrent.ScheduledFuture<?> wake = null;
        try {
            while (waiting.getAsBoolean() && time.getCurrentProcessingTime() < deadline) {
                if (wake == null || wake.isDone()) { // a timer that fired early: again
                    // a mail wakes the yield wherever the timer service runs its callbacks
                    wake =
                            time.registerTimer(
                                    deadline,
                                    t -> mailbox.execute(() -> {}, "lanes: wait deadline"));
                    waitDeadline = deadline;
                }
                mailbox.yield();
            }
        } finally {
            waitDeadline = NO_WAIT;
            if (wake != null) {
                wake.cancel(false);
            }
        }
    }

    /** The deadline of the bounded wait under way, else {@link Long#MIN_VALUE} (for tests). */
    long waitDeadline() {
        return waitDeadline;
    }

    /** Calls abandoned at a settle deadline whose outcome has not come yet (for tests). */
    int abandonedCalls() {
        return settle == null ? 0 : settle.abandonedCalls();
    }
}
