package dev.floodgate.operators.process;

import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.InteractionTypeInfo;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.Admission;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes a stream keyed by customer in one lane per channel, each with its own in-flight budget
 * against its own service ({@link LanesConfig}), so a slow or failing channel never stalls another.
 *
 * <p>Per event, on arrival: if the lane's circuit is open it is shed ({@code circuit_open}); else
 * {@link Admission} decides (shed: {@code predicted_wait}, {@code hot_key}); else, unless its
 * customer has {@link LanesConfig#maxQueuedPerCustomer()} events in the lane already ({@code
 * customer_backlog}), it joins its customer's queue ({@link CustomerQueues}: per channel, or across
 * channels with order scope {@code customer}); one whose customer has nothing admitted, in a lane
 * with a free slot and nothing ready, is called at once, as the queues would call it, without
 * joining them until it fails to answer at once. Only a queue's head is called, so a customer's
 * events in a queue are processed and emitted in order, while other customers' events pass a
 * blocked customer. Ready heads are called {@code high} first, as the lane's budget and its {@link
 * CircuitBreaker} allow. A result goes to the main output; a call that still failed for a reason of
 * the service after its retries ({@link Attempts}), or that the service refused for a reason of its
 * own (401, 403, 404: counted in {@code serviceRejected}), is shed ({@code service_unavailable}):
 * an outage is backlog, not poison; a rejection of the event itself is a dead letter ({@link
 * #FAILED}). Every failed attempt is told to the lane's circuit as it happens (a hang opens it
 * after one request timeout); while it is open, calls in flight are not retried. When {@code
 * maxQueued} events of a lane are ready to be called, the operator stops taking input until a call
 * finishes: backpressure to the source.
 *
 * <p>Threads: results and failed attempts arrive on the processor's or the retry scheduler's
 * threads and are handed to the task thread through the mailbox; all state is touched by the task
 * thread only. Calls still running when the operator closes are cancelled ({@link
 * ProcessEvents#close}).
 *
 * <p>State: the admitted events (queued and in flight) of each customer, in arrival order, in keyed
 * list state {@link #PENDING}, written for the customers that changed at each snapshot and cleared
 * when a customer has none left; on restore (any parallelism: it is keyed) they are queued and
 * called again, so an output is emitted exactly once, in the checkpoint after its call. No timers.
 * Watermarks are forwarded as they come: outputs are not ordered against them (no downstream
 * operator uses event time).
 *
 * <p>With {@link LanesConfig#settleAtCheckpoints()} (the drain) every admitted event has its
 * outcome before each barrier, so there is no state, and the operator may run on a stream that is
 * not keyed (the drain chains it to its source: one customer's events come from one partition, in
 * order). A barrier waits for that at most {@link LanesConfig#settleTimeout()}, and so does the
 * input for room in a full lane (a barrier may wait behind it); the events still without an outcome
 * then are shed again, each customer's in order ({@link SettleTimeout}); a processing-time timer at
 * the deadline wakes the wait.
 */
public class ProcessInLanes extends AbstractStreamOperator<ProcessedEvent>
        implements OneInputStreamOperator<Interaction, ProcessedEvent>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessInLanes.class);

    /** Events whose processing was shed, with the reason: to the shed topic. */
    public static final OutputTag<ShedEvent> SHED = new OutputTag<>("shed") {};

    /** Events the service rejected permanently: dead letters (stage {@code process}). */
    public static final OutputTag<DeadLetter> FAILED = new OutputTag<>("processing-failed") {};

    /** Admitted events not yet emitted, per customer, in arrival order. */
    public static final ListStateDescriptor<Interaction> PENDING =
            new ListStateDescriptor<>("lane-pending", new InteractionTypeInfo());

    private final ProcessEvents calls;
    private final LanesConfig config;
    private final AdmissionPolicy admissionPolicy;
    private final transient MailboxExecutor mailbox;

    /** By channel ordinal. */
    private transient ChannelLane[] lanes;

    private transient AdmittedEvents admitted;
    private transient ListState<Interaction> pendingState;
    private transient List<Interaction> restored;
    private transient Admission admission;
    private transient LaneMetrics metrics;
    private transient TypeSerializer<Interaction> copier;
    private transient boolean pumping;

    /** In {@link #settle}: every lane may call, at least one at a time, whatever its limit. */
    private transient boolean settling;

    /** With {@link LanesConfig#settleAtCheckpoints()}: its bound; else null. */
    private transient SettleTimeout settle;

    /**
     * Settling: when the input began to wait for room in a full lane ({@link #waitForRoom}), if the
     * record being processed, or the last one, waited; else {@link #NO_WAIT}. A barrier may have
     * waited since then, so its settle ends no later than the timeout after it.
     */
    private transient long inputWaitSince;

    /** The deadline of the wait under way in {@link #yieldUntil}, else NO_WAIT (for tests). */
    private transient volatile long waitDeadline;

    private static final long NO_WAIT = Long.MIN_VALUE;

    ProcessInLanes(
            StreamOperatorParameters<ProcessedEvent> parameters,
            EventProcessor processor,
            Lane outputLane,
            LanesConfig config,
            AdmissionPolicy admissionPolicy) {
        super(parameters);
        this.calls = new ProcessEvents(processor, outputLane, config.processing());
        this.config = config;
        this.admissionPolicy = admissionPolicy;
        this.mailbox = parameters.getMailboxExecutor();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = new ArrayList<>();
        inputWaitSince = NO_WAIT;
        waitDeadline = NO_WAIT;
        if (config.settleAtCheckpoints()) {
            settle = new SettleTimeout(config.settleTimeout().toMillis());
            return; // settled at every checkpoint: nothing admitted to keep (see snapshotState)
        }
        pendingState = context.getKeyedStateStore().getListState(PENDING);
        if (context.isRestored()) {
            List<Object> keys;
            try (Stream<Object> s =
                    getKeyedStateBackend().getKeys(PENDING.getName(), VoidNamespace.INSTANCE)) {
                keys = s.collect(Collectors.toList());
            }
            for (Object key : keys) {
                setCurrentKey(key);
                for (Interaction e : pendingState.get()) {
                    restored.add(e);
                }
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        calls.open(null);
        lanes = new ChannelLane[Channel.values().length];
        Map<Channel, ChannelLane> byChannel = new EnumMap<>(Channel.class);
        long openFor = config.circuitOpenFor().toMillis();
        for (Channel c : Channel.values()) {
            ChannelLane lane =
                    new ChannelLane(
                            c,
                            config.maxInFlight(c),
                            config.maxQueued(),
                            new CircuitBreaker(config.circuitFailures(), openFor),
                            config.maxQueuedPerCustomer() == Integer.MAX_VALUE,
                            config.limitPolicy().create(config.maxInFlight(c)));
            lanes[c.ordinal()] = lane;
            byChannel.put(c, lane);
        }
        admitted = new AdmittedEvents(config.orderScope(), lanes.length);
        admission = admissionPolicy.create(getMetricGroup());
        long[] slo = new long[lanes.length];
        for (Channel c : Channel.values()) {
            slo[c.ordinal()] = admissionPolicy.sloMillis(c);
        }
        metrics = new LaneMetrics(getMetricGroup(), byChannel, slo);
        copier =
                getExecutionConfig().isObjectReuseEnabled()
                        ? new InteractionTypeInfo()
                                .createSerializer(getExecutionConfig().getSerializerConfig())
                        : null;
        if (!restored.isEmpty()) {
            LOG.info(
                    "restoring {} events admitted to the lanes before the checkpoint",
                    restored.size());
        }
        for (Interaction e : restored) {
            admit(e, lanes[e.channel.ordinal()]); // admitted before the checkpoint: admitted again
        }
        restored = null;
        pump();
    }

    @Override
    public void processElement(StreamRecord<Interaction> record) throws Exception {
        inputWaitSince = NO_WAIT; // a barrier before this record did not wait for it
        Interaction event = copier == null ? record.getValue() : copier.copy(record.getValue());
        ChannelLane lane = lanes[event.channel.ordinal()];
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (lane.circuit.rejects(now)) {
            shed(
                    event,
                    ShedReason.CIRCUIT_OPEN,
                    "circuit open until " + lane.circuit.openUntil(),
                    now);
            return;
        }
        ShedReason reason = admission.decide(event, now, lane);
        if (reason != null) {
            shed(event, reason, detail(reason, event, now), now);
            return;
        }
        if (event.priority == Priority.HIGH) {
            lane.highArrived(now);
        }
        waitForRoom(lane);
        long predicted = admission.lastPredictedWaitMillis();
        if (!lane.hasReady()
                && lane.hasSlot(now, false, event.priority == Priority.HIGH)
                && admitted.idle(event.customerId)) {
            callAtOnce(event, lane, now, predicted);
            return;
        }
        Pending p = admitted.admit(event, lane, config.maxQueuedPerCustomer());
        if (p == null) {
            shed(
                    event,
                    ShedReason.CUSTOMER_BACKLOG,
                    "the customer has "
                            + config.maxQueuedPerCustomer()
                            + " events in the lane already",
                    now);
            return;
        }
        p.admittedAt = now;
        p.predictedWait = predicted;
        metrics.admitted(event.channel, event.priority);
        pump();
    }

    /**
     * An admitted event whose customer has nothing admitted, in a lane with a free slot and no
     * event ready: the queues would call it at once, so it is called here without joining them. A
     * call that answers at once (the dry run) is emitted with no map touched and nothing for the
     * next snapshot to write (the customer's state is empty, or its customer was changed already);
     * any other is registered as its customer's queue's head, in flight, before its answer can
     * arrive (answers come through the mailbox).
     */
    private void callAtOnce(Interaction event, ChannelLane lane, long now, long predicted) {
        Pending p = admitted.pending(event, lane);
        p.admittedAt = now;
        p.predictedWait = predicted;
        metrics.admitted(event.channel, event.priority);
        start(lane, p, now);
        CompletableFuture<String> f = calls.call(event);
        if (f.isDone() && !f.isCompletedExceptionally()) {
            finish(p, calls.succeeded(event, f.join()));
            pump();
        } else {
            admitted.calledAtOnce(p);
            follow(p, f);
        }
    }

    /** Admitted before the checkpoint: admitted again, whatever the bounds say now. */
    private void admit(Interaction event, ChannelLane lane) {
        metrics.admitted(event.channel, event.priority);
        admitted.admit(event, lane).admittedAt =
                getProcessingTimeService().getCurrentProcessingTime();
    }

    /**
     * Starts what the lanes' budgets allow, and sheds what waits in a lane whose circuit opened. A
     * call that answers at once completes inside this loop and asks for another pump: it only sets
     * its lane's kick, which the running loop picks up, so the stack never grows with the queue.
     */
    private void pump() {
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            pumpLanes();
        } finally {
            pumping = false;
        }
    }

    private void pumpLanes() {
        boolean again = true;
        while (again) {
            again = false;
            for (ChannelLane lane : lanes) {
                if (lane.kick) {
                    lane.kick = false;
                    again = true;
                    startReady(lane);
                }
            }
        }
    }

    private void startReady(ChannelLane lane) {
        while (true) {
            long now = getProcessingTimeService().getCurrentProcessingTime();
            if (lane.circuit.shedsWaiting(now)) {
                Pending p = lane.pollReady();
                if (p == null) {
                    return;
                }
                lane.dequeued(p);
                admitted.done(p);
                shed(p.event, ShedReason.CIRCUIT_OPEN, "circuit opened while queued", now);
                continue;
            }
            if (!lane.hasSlot(now, settling, lane.nextIsHigh())) {
                resumeLater(lane, now);
                return;
            }
            Pending p = lane.pollReady();
            if (p == null) {
                return;
            }
            lane.dequeued(p);
            if (!p.high()
                    && p.predictedWait >= 0 // admitted by a decision, not restored
                    && admission.lateInQueue(p.event, now, p.admittedAt, p.predictedWait, lane)) {
                admitted.done(p);
                shed(p.event, ShedReason.PREDICTED_WAIT, lateDetail(p, now), now);
                continue;
            }
            start(lane, p, now);
            call(p);
        }
    }

    private static void start(ChannelLane lane, Pending p, long now) {
        p.startedAt = now; // before the lane hears: its oldest call out is by start
        p.answeredAt = 0;
        p.answeredNanos = 0;
        lane.started(p);
        p.generation = lane.circuit.generation();
        p.probe = lane.circuit.started(now);
    }

    /**
     * A lane whose limit paused it (0) with nothing in flight hears no answer that would pump it:
     * it is pumped again when its limit asks ({@link ConcurrencyLimit#resumeAt}).
     */
    private void resumeLater(ChannelLane lane, long now) {
        if (lane.inFlight > 0 || lane.resumeScheduled || !lane.hasReady()) {
            return;
        }
        lane.resumeScheduled = true;
        getProcessingTimeService()
                .registerTimer(
                        Math.max(now + 1, lane.limit.resumeAt(now)),
                        t -> {
                            lane.resumeScheduled = false;
                            lane.kick = true;
                            pump();
                        });
    }

    private void call(Pending p) {
        CompletableFuture<String> f = calls.call(p.event);
        if (f.isDone() && !f.isCompletedExceptionally()) {
            completed(p, calls.succeeded(p.event, f.join()));
        } else {
            follow(p, f);
        }
    }

    /** Follows a call that did not answer at once: its retries, timeout and final outcome. */
    private void follow(Pending p, CompletableFuture<String> f) {
        new Attempts(
                        calls,
                        calls.scheduler(),
                        config.processing(),
                        p.event,
                        new MailboxResult(
                                mailbox,
                                o -> completed(p, o),
                                () ->
                                        p.arrived(
                                                getProcessingTimeService()
                                                        .getCurrentProcessingTime())),
                        new LaneAttempts(p))
                .follow(f);
    }

    /** Tells the lane's circuit of each failed attempt of {@code p}, through the mailbox. */
    private final class LaneAttempts implements Attempts.Listener {
        private final Pending p;

        LaneAttempts(Pending p) {
            this.p = p;
        }

        @Override
        public void retrying() {
            p.retryStartedNanos = System.nanoTime();
        }

        @Override
        public void attemptFailed(Throwable error) {
            try {
                mailbox.execute(() -> failedAttempt(p, error), "lane attempt failed");
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the task is closing
            }
        }

        @Override
        public boolean mayRetry() {
            // volatile reads: at worst one retry more
            return !p.lane.circuit.isOpen() && (settle == null || !settle.isAbandoned(p));
        }
    }

    private void failedAttempt(Pending p, Throwable error) {
        if (settle != null && settle.isAbandoned(p)) {
            return; // its lane heard one loss at the deadline (SettleTimeout)
        }
        ChannelLane lane = p.lane;
        long now = getProcessingTimeService().getCurrentProcessingTime();
        lane.limit.failed(now);
        if (lane.circuit.failed(p.generation, p.probe, now)) {
            LOG.warn(
                    "Lane {}: circuit open until {} after failed calls, last: {}; its events go to the shed lane",
                    lane.channel.wireName(),
                    lane.circuit.openUntil(),
                    ProcessEvents.describe(error));
            lane.kick = true;
            pump();
        }
    }

    /** A call's final outcome, on the task thread: its customer's next event is ready. */
    private void completed(Pending p, ProcessOutcome outcome) {
        if (settle != null && settle.abandonedCallEnded(p)) {
            // shed again at a settle deadline: nothing goes out; its slot is free now
            p.lane.finished(p);
            p.lane.kick = true;
            pump();
            return;
        }
        if (outcome.congested) {
            // "not now": p stays admitted, at the head of its customer's queue
            p.lane.finished(p);
            congested(
                    p,
                    outcome.retryAfterMillis,
                    getProcessingTimeService().getCurrentProcessingTime());
            return;
        }
        admitted.done(p);
        finish(p, outcome);
        p.lane.kick = true;
        pump();
    }

    /**
     * The outcome of {@code p}'s call: its slot is free, and its result, shed or dead letter out.
     */
    private void finish(Pending p, ProcessOutcome outcome) {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        ChannelLane lane = p.lane;
        lane.finished(p);
        if (outcome.processed != null) {
            answered(p, now);
            admission.processed(p.event, now, p.admittedAt, p.predictedWait);
            metrics.processed(p.event.channel, p.event.priority, outcome.processed.ageMillis());
            output.collect(new StreamRecord<>(outcome.processed, p.event.logTimestamp));
        } else if (outcome.transientFailure) {
            // the circuit heard of this failure already, attempt by attempt (failedAttempt)
            if (outcome.serviceRejected) {
                metrics.serviceRejected(p.event.channel);
            }
            shed(p.event, ShedReason.SERVICE_UNAVAILABLE, outcome.failed.error, now);
        } else {
            answered(p, now);
            output.collect(FAILED, new StreamRecord<>(outcome.failed, p.event.logTimestamp));
        }
    }

    /**
     * The service said "not now" to {@code p} (with {@link ProcessingConfig#requeueOnCongestion}):
     * a loss for the lane's limit, nothing for its circuit (the service is up, and busy). {@code p}
     * stays admitted at the head of its customer's queue and counts as queued; after the
     * Retry-After (at most the total timeout) or a jittered backoff that grows with its
     * congestions, it is ready again, and called when the limit lets it (in {@link #settle}, one at
     * a time as usual: the wait, not the limit, paces it there).
     */
    private void congested(Pending p, long retryAfterMillis, long now) {
        ChannelLane lane = p.lane;
        metrics.congested(p.event.channel);
        lane.limit.congested(now, retryAfterMillis);
        lane.currentLimit(now);
        ProcessingConfig cfg = config.processing();
        long backoff = Attempts.jittered(Attempts.backoffNanos(cfg, p.congestions++)) / 1_000_000;
        long wait =
                Math.max(
                        1,
                        Math.max(backoff, Math.min(retryAfterMillis, cfg.totalTimeout.toMillis())));
        lane.admitted(p); // queued again: the lane's bound counts it while it waits
        if (settle != null) {
            settle.waitsAfterCongestion(p);
        }
        getProcessingTimeService()
                .registerTimer(
                        now + wait,
                        t -> {
                            if (settle != null && !settle.endsWait(p)) {
                                return; // shed again at a settle deadline meanwhile
                            }
                            boolean inherits = p.boosted;
                            p.boosted = false;
                            p.called = false;
                            p.retryStartedNanos = 0;
                            lane.ready(p, inherits);
                            pump();
                        });
        lane.kick = true;
        pump();
    }

    /**
     * The service answered {@code p}'s last attempt: its latency counts, the circuit hears. The
     * latency ends when the answer arrived ({@link Pending#answeredAt}), not when the task got to
     * it.
     */
    private void answered(Pending p, long now) {
        ChannelLane lane = p.lane;
        long at = p.answeredAt != 0 ? Math.min(p.answeredAt, now) : now;
        long retried = p.retryStartedNanos;
        long latency =
                retried == 0
                        ? at - p.startedAt
                        : ((p.answeredNanos != 0 ? p.answeredNanos : System.nanoTime()) - retried)
                                / 1_000_000;
        lane.answeredIn(Math.max(0, latency), at, p.boosted || p.high());
        boolean wasOpen = lane.circuit.isOpen();
        lane.circuit.answered(p.generation, p.probe);
        if (wasOpen && !lane.circuit.isOpen()) {
            LOG.info("Lane {}: its service answers again, circuit closed", lane.channel.wireName());
        }
    }

    private void shed(Interaction event, ShedReason reason, String detail, long now) {
        metrics.shed(event.channel, event.priority, reason, now);
        output.collect(
                SHED, new StreamRecord<>(ShedEvent.of(event, reason, detail), event.logTimestamp));
    }

    private static String lateDetail(Pending p, long now) {
        return "late in the queue: age "
                + p.event.ageAt(now)
                + " ms, admitted at age "
                + p.event.ageAt(p.admittedAt)
                + " ms with a predicted wait of "
                + p.predictedWait
                + " ms";
    }

    private String detail(ShedReason reason, Interaction e, long now) {
        return reason == ShedReason.PREDICTED_WAIT
                ? "age "
                        + e.ageAt(now)
                        + " ms, predicted wait "
                        + admission.lastPredictedWaitMillis()
                        + " ms"
                : null;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (config.settleAtCheckpoints()) {
            // prepareSnapshotPreBarrier settled every admitted event and no input came since
            if (admitted.size() > 0) {
                throw new IllegalStateException(
                        admitted.size() + " admitted events unsettled at checkpoint");
            }
            admitted.snapshot((customer, events) -> {});
            return;
        }
        admitted.snapshot(
                (customer, events) -> {
                    setCurrentKey(customer);
                    if (events.isEmpty()) {
                        pendingState.clear();
                    } else {
                        pendingState.update(events);
                    }
                });
    }

    /**
     * With {@link LanesConfig#settleAtCheckpoints()}: every admitted event gets its outcome before
     * the barrier goes on, so the checkpoint holds none (results and retries arrive through the
     * mailbox meanwhile; input waits).
     */
    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        if (config.settleAtCheckpoints()) {
            settle("at checkpoint " + checkpointId);
        }
    }

    /** Processors that batch or hold resources per checkpoint may listen for completed ones. */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        calls.notifyCheckpointComplete(checkpointId);
    }

    /** At the end of a bounded input (a drain, a replay): waits for every admitted event. */
    @Override
    public void endInput() throws Exception {
        settle("at the end of the input");
    }

    /**
     * Waits until every admitted event has its outcome; settling at checkpoints, at most the settle
     * timeout, counted from when the input began to wait for room if the last record did (a barrier
     * may have waited behind it since), after which the events still without one are shed again
     * ({@link SettleTimeout}).
     */
    private void settle(String at) throws InterruptedException {
        settling = true;
        try {
            for (ChannelLane lane : lanes) {
                lane.kick = true; // a paused lane calls again, one at a time
            }
            pump();
            if (settle == null) {
                while (admitted.size() > 0) {
                    mailbox.yield();
                }
                return;
            }
            long now = getProcessingTimeService().getCurrentProcessingTime();
            long since = inputWaitSince == NO_WAIT ? now : inputWaitSince;
            yieldUntil(since + settle.timeoutMillis, () -> admitted.size() > 0);
            if (admitted.size() > 0) {
                now = getProcessingTimeService().getCurrentProcessingTime();
                settle.shedUnsettled(
                        lanes,
                        admitted,
                        metrics,
                        (p, detail, t) -> shed(p.event, ShedReason.SERVICE_UNAVAILABLE, detail, t),
                        now,
                        now - since,
                        at);
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
    private void waitForRoom(ChannelLane lane) throws InterruptedException {
        if (settle == null) {
            while (lane.full()) {
                mailbox.yield();
            }
            return;
        }
        if (lane.full()) {
            inputWaitSince = getProcessingTimeService().getCurrentProcessingTime();
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
            while (waiting.getAsBoolean()
                    && getProcessingTimeService().getCurrentProcessingTime() < deadline) {
                if (wake == null || wake.isDone()) { // a timer that fired early: again
                    // a mail wakes the yield wherever the timer service runs its callbacks
                    wake =
                            getProcessingTimeService()
                                    .registerTimer(
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

    @Override
    public void close() throws Exception {
        try {
            calls.close();
        } finally {
            super.close();
        }
    }

    /** Events admitted and not yet emitted on this subtask (for tests). */
    int pending() {
        return admitted.size();
    }

    ChannelLane lane(Channel c) {
        return lanes[c.ordinal()];
    }

    LaneMetrics metrics() {
        return metrics;
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
