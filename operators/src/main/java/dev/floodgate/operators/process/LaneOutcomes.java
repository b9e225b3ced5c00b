package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.Admission;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls {@link ProcessInLanes} has started, followed to their outcome: a result to the main
 * output, a shed ({@link ProcessInLanes#SHED}) or a dead letter ({@link ProcessInLanes#FAILED}), or
 * a "not now" that queues the event again; each failed attempt is told to its lane's limit and
 * circuit as it happens ({@link Attempts}).
 *
 * <p>Threads: results and failed attempts arrive on the processor's or the retry scheduler's
 * threads and are handed to the task thread through the mailbox ({@link MailboxResult}, {@link
 * LaneAttempts#attemptFailed}); all of this runs on the task thread except what those threads do
 * themselves: stamp the answer's arrival and a retry's start on the {@link Pending} (volatile
 * fields), and ask {@link LaneAttempts#mayRetry} (the circuit's volatile state, the settle's
 * concurrent set of abandoned calls). No state of its own: the admitted events and the lanes are
 * the operator's. Timers: a "not now" registers a processing-time timer that makes its event ready
 * again.
 */
final class LaneOutcomes {
    /** The operator's logger: the alerts' runbooks name it ("logger ProcessInLanes"). */
    private static final Logger LOG = LoggerFactory.getLogger(ProcessInLanes.class);

    private final ProcessEvents calls;
    private final ProcessingConfig processing;
    private final MailboxExecutor mailbox;
    private final ProcessingTimeService time;
    private final AdmittedEvents admitted;
    private final Admission admission;
    private final LaneMetrics metrics;
    private final Output<StreamRecord<ProcessedEvent>> output;

    /**
     * With {@link LanesConfig#settleAtCheckpoints()}: its bound ({@link LaneSettling}); else null.
     */
    private final SettleTimeout settle;

    /** Starts what the lanes allow (the operator's pump): after every outcome that frees a slot. */
    private final Runnable pump;

    LaneOutcomes(
            ProcessEvents calls,
            ProcessingConfig processing,
            MailboxExecutor mailbox,
            ProcessingTimeService time,
            AdmittedEvents admitted,
            Admission admission,
            LaneMetrics metrics,
            Output<StreamRecord<ProcessedEvent>> output,
            SettleTimeout settle,
            Runnable pump) {
        this.calls = calls;
        this.processing = processing;
        this.mailbox = mailbox;
        this.time = time;
        this.admitted = admitted;
        this.admission = admission;
        this.metrics = metrics;
        this.output = output;
        this.settle = settle;
        this.pump = pump;
    }

    /**
     * Calls {@code p}, started on arrival without joining its customer's queue ({@link
     * ProcessInLanes}' {@code callAtOnce}): an answer at once is emitted here with no map touched;
     * any other call registers {@code p} as its customer's queue's head, in flight, before its
     * answer can arrive (answers come through the mailbox).
     */
    void callAtOnce(Pending p) {
        Interaction event = p.event;
        CompletableFuture<String> f = calls.call(event, urgent(p));
        if (f.isDone() && !f.isCompletedExceptionally()) {
            finish(p, calls.succeeded(event, f.join()));
            pump.run();
        } else {
            admitted.calledAtOnce(p);
            follow(p, f);
        }
    }

    /** Calls {@code p}, started in its lane: an answer at once completes it here. */
    void call(Pending p) {
        CompletableFuture<String> f = calls.call(p.event, urgent(p));
        if (f.isDone() && !f.isCompletedExceptionally()) {
            completed(p, calls.succeeded(p.event, f.join()));
        } else {
            follow(p, f);
        }
    }

    /**
     * Whether {@code p}'s call is urgent at the service: a {@code high} event, or one a {@code
     * high} event of its customer waits behind (priority inheritance, {@link Pending#boosted}).
     */
    private static boolean urgent(Pending p) {
        return p.boosted || p.high();
    }

    /** Follows a call that did not answer at once: its retries, timeout and final outcome. */
    private void follow(Pending p, CompletableFuture<String> f) {
        new Attempts(
                        calls,
                        calls.scheduler(),
                        processing,
                        p.event,
                        new MailboxResult(
                                mailbox,
                                o -> completed(p, o),
                                () -> p.arrived(time.getCurrentProcessingTime())),
                        new LaneAttempts(p))
                .follow(f);
    }

    /** Tells the lane's circuit of each failed attempt of {@code p}, through the mailbox. */
    private final class LaneAttempts implements Attempts.Listener {
        private final Pending p;

        /** Fixed at the first call (task thread): its retries are as urgent as it was. */
        private final boolean urgent;

        LaneAttempts(Pending p) {
            this.p = p;
            this.urgent = LaneOutcomes.urgent(p);
        }

        @Override
        public boolean urgent() {
            return urgent;
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
        long now = time.getCurrentProcessingTime();
        lane.limit.failed(now);
        if (lane.circuit.failed(p.generation, p.probe, now)) {
            LOG.warn(
                    "Lane {}: circuit open until {} after failed calls, last: {}; its events go to the shed lane",
                    lane.channel.wireName(),
                    lane.circuit.openUntil(),
                    ProcessEvents.describe(error));
            lane.kick = true;
            pump.run();
        }
    }

    /** A call's final outcome, on the task thread: its customer's next event is ready. */
    private void completed(Pending p, ProcessOutcome outcome) {
        if (settle != null && settle.abandonedCallEnded(p)) {
            // shed again at a settle deadline: nothing goes out; its slot is free now
            p.lane.finished(p);
            p.lane.kick = true;
            pump.run();
            return;
        }
        if (outcome.congested) {
            // "not now": p stays admitted, at the head of its customer's queue
            p.lane.finished(p);
            congested(p, outcome.retryAfterMillis, time.getCurrentProcessingTime());
            return;
        }
        admitted.done(p);
        finish(p, outcome);
        p.lane.kick = true;
        pump.run();
    }

    /**
     * The outcome of {@code p}'s call: its slot is free, and its result, shed or dead letter out.
     */
    private void finish(Pending p, ProcessOutcome outcome) {
        long now = time.getCurrentProcessingTime();
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
            output.collect(
                    ProcessInLanes.FAILED,
                    new StreamRecord<>(outcome.failed, p.event.logTimestamp));
        }
    }

    /**
     * The service said "not now" to {@code p} (with {@link ProcessingConfig#requeueOnCongestion}):
     * a loss for the lane's limit, nothing for its circuit (the service is up, and busy). {@code p}
     * stays admitted at the head of its customer's queue and counts as queued; after the
     * Retry-After (at most the total timeout) or a jittered backoff that grows with its
     * congestions, it is ready again, and called when the limit lets it (in {@link
     * LaneSettling#settle}, one at a time as usual: the wait, not the limit, paces it there).
     */
    private void congested(Pending p, long retryAfterMillis, long now) {
        ChannelLane lane = p.lane;
        metrics.congested(p.event.channel);
        lane.limit.congested(now, retryAfterMillis);
        lane.currentLimit(now);
        long backoff =
                Attempts.jittered(Attempts.backoffNanos(processing, p.congestions++)) / 1_000_000;
        long wait =
                Math.max(
                        1,
                        Math.max(
                                backoff,
                                Math.min(retryAfterMillis, processing.totalTimeout.toMillis())));
        lane.admitted(p); // queued again: the lane's bound counts it while it waits
        if (settle != null) {
            settle.waitsAfterCongestion(p);
        }
        time.registerTimer(
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
                    pump.run();
                });
        lane.kick = true;
        pump.run();
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

    /** Sends {@code event} to the shed output with its reason, and counts it. */
    void shed(Interaction event, ShedReason reason, String detail, long now) {
        metrics.shed(event.channel, event.priority, reason, now);
        output.collect(
                ProcessInLanes.SHED,
                new StreamRecord<>(ShedEvent.of(event, reason, detail), event.logTimestamp));
    }
}
