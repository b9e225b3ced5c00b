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
 * threads and are handed to the task thread through the mailbox ({@link LaneOutcomes}); all state
 * is touched by the task thread only. Calls still running when the operator closes are cancelled
 * ({@link ProcessEvents#close}).
 *
 * <p>State: the admitted events (queued and in flight) of each customer, in arrival order, in keyed
 * list state {@link #PENDING}, written for the customers that changed at each snapshot and cleared
 * when a customer has none left; on restore (any parallelism: it is keyed) they are queued and
 * called again, so an output is emitted exactly once, in the checkpoint after its call. No keyed
 * timers; processing-time callbacks of the operator's own (not in state): a paused lane's resume, a
 * "not now"'s backoff, the settle deadline's wake-up. Watermarks are forwarded as they come:
 * outputs are not ordered against them (no downstream operator uses event time).
 *
 * <p>With {@link LanesConfig#settleAtCheckpoints()} (the drain) every admitted event has its
 * outcome before each barrier, so there is no state, and the operator may run on a stream that is
 * not keyed (the drain chains it to its source: one customer's events come from one partition, in
 * order). A barrier waits for that at most {@link LanesConfig#settleTimeout()}, and so does the
 * input for room in a full lane (a barrier may wait behind it); the events still without an outcome
 * then are shed again, each customer's in order ({@link SettleTimeout}); a processing-time timer at
 * the deadline wakes the wait ({@link LaneSettling}).
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

    /** The settles and the input's wait for room ({@link LaneSettling}). */
    private transient LaneSettling settling;

    /** Follows the calls to their outcome, and sends the sheds ({@link LaneOutcomes}). */
    private transient LaneOutcomes outcomes;

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
        if (config.settleAtCheckpoints()) {
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
            if (calls.servesUrgentFirst()) {
                lane.othersOvertakenAtService();
            }
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
        settling =
                new LaneSettling(
                        config,
                        lanes,
                        admitted,
                        metrics,
                        mailbox,
                        getProcessingTimeService(),
                        this::pump,
                        (p, detail, t) ->
                                outcomes.shed(p.event, ShedReason.SERVICE_UNAVAILABLE, detail, t));
        outcomes =
                new LaneOutcomes(
                        calls,
                        config.processing(),
                        mailbox,
                        getProcessingTimeService(),
                        admitted,
                        admission,
                        metrics,
                        output,
                        settling.timeout(),
                        this::pump);
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
        settling.recordArrived(); // a barrier before this record did not wait for it
        Interaction event = copier == null ? record.getValue() : copier.copy(record.getValue());
        ChannelLane lane = lanes[event.channel.ordinal()];
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (lane.circuit.rejects(now)) {
            outcomes.shed(event, ShedReason.CIRCUIT_OPEN, ShedDetails.circuitOpen(lane), now);
            return;
        }
        ShedReason reason = admission.decide(event, now, lane);
        if (reason != null) {
            outcomes.shed(event, reason, ShedDetails.decided(reason, event, now, admission), now);
            return;
        }
        boolean high = event.priority == Priority.HIGH;
        if (high) {
            lane.highArrived(now);
        }
        settling.waitForRoom(lane);
        long predicted = admission.lastPredictedWaitMillis();
        if (!lane.hasReady() && lane.hasSlot(now, false, high) && admitted.idle(event.customerId)) {
            callAtOnce(event, lane, now, predicted);
            return;
        }
        Pending p = admitted.admit(event, lane, config.maxQueuedPerCustomer());
        if (p == null) {
            String detail = ShedDetails.customerBacklog(config.maxQueuedPerCustomer());
            outcomes.shed(event, ShedReason.CUSTOMER_BACKLOG, detail, now);
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
        outcomes.callAtOnce(p);
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
                outcomes.shed(p.event, ShedReason.CIRCUIT_OPEN, "circuit opened while queued", now);
                continue;
            }
            if (!lane.hasSlot(now, settling.isSettling(), lane.nextIsHigh())) {
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
                    && admission.lateInQueue(
                            p.event, now, p.admittedAt, p.predictedWait, p.boosted, lane)) {
                admitted.done(p);
                outcomes.shed(p.event, ShedReason.PREDICTED_WAIT, ShedDetails.late(p, now), now);
                continue;
            }
            start(lane, p, now);
            outcomes.call(p);
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
            settling.settle("at checkpoint " + checkpointId);
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
        settling.settle("at the end of the input");
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
        return settling.waitDeadline();
    }

    /** Calls abandoned at a settle deadline whose outcome has not come yet (for tests). */
    int abandonedCalls() {
        return settling.abandonedCalls();
    }
}
