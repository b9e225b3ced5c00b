package dev.floodgate.job;

import dev.floodgate.job.kafka.KafkaAcls;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import dev.floodgate.job.kafka.KafkaTransport;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DrainOutput;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.MarkDrainProgress;
import dev.floodgate.operators.ParseInteractions;
import dev.floodgate.operators.RateLimit;
import dev.floodgate.operators.ordering.OrderPerCustomer;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.operators.process.LanesConfig;
import dev.floodgate.operators.process.ProcessEvents;
import dev.floodgate.operators.process.ProcessInLanes;
import dev.floodgate.operators.process.ProcessingConfig;
import dev.floodgate.operators.process.ScavengerLimit;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sinks.LingeringTransactions;
import dev.floodgate.sources.DrainProgress;
import dev.floodgate.sources.InteractionLogSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backfill job: a separate job in the same jar, submitted on its own, with its own consumer
 * group and transactional id prefix. Bounded, it finishes by itself; {@code --mode drain --follow
 * true} runs until stopped with a savepoint. With {@code --yield-to-live} (the default) it takes
 * only the services' spare capacity ({@link ScavengerLimit}).
 *
 * <ul>
 *   <li>{@code --mode drain}: reads the shed lane from its last committed marks ({@code
 *       --drain-progress-topic}) to the end offsets found at start, processes every event (no
 *       shedding) at most {@code --max-rate}, writes lane {@code backfill}.
 *   <li>{@code --mode replay}: started from a savepoint of the live job. Reads the log from the
 *       positions the savepoint recorded (read with the State Processor API) to {@code --until},
 *       restores the per-customer ordering state and the in-flight requests through the live job's
 *       uids, reprocesses with today's code, writes lane {@code replay}. Live-only state (its
 *       source, shedding, sinks) is not restored: submit with allow-non-restored-state.
 * </ul>
 */
public final class BackfillJob {
    private static final Logger LOG = LoggerFactory.getLogger(BackfillJob.class);

    private BackfillJob() {}

    public static void main(String[] args) throws Exception {
        if (FloodgateOptions.wantsHelp(args)) {
            Cli.printUsage(FloodgateOptions.usage("floodgate-backfill", JobKind.BACKFILL));
            return;
        }
        FloodgateOptions o = Cli.parseOrExplain(args, JobKind.BACKFILL);
        checkKafka(o);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, o);
        env.execute(jobName(o));
    }

    static String jobName(FloodgateOptions o) {
        return "floodgate-backfill-" + o.get(FloodgateOptions.MODE).wireName();
    }

    /**
     * Checks Kafka with the job's client settings ({@link KafkaPreflight}), builds the job for
     * {@code o}'s mode and submits it without waiting.
     */
    public static JobClient submit(StreamExecutionEnvironment env, FloodgateOptions o)
            throws Exception {
        checkKafka(o);
        build(env, o);
        return env.executeAsync(jobName(o));
    }

    /**
     * The start check of Kafka ({@link KafkaPreflight}): the ACLs this mode needs ({@link
     * KafkaAcls#forJob}), checked with the job's own user before anything is submitted.
     */
    static void checkKafka(FloodgateOptions o) {
        KafkaClientConfig client = KafkaClientConfig.from(o);
        KafkaTransport.check(o, client);
        KafkaPreflight.checkAccess(
                o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                client,
                KafkaPreflight.TIMEOUT,
                KafkaAcls.forJob(JobKind.BACKFILL, o));
    }

    /** Builds the backfill job for {@code o}'s mode with its real edges. */
    public static void build(StreamExecutionEnvironment env, FloodgateOptions o) throws Exception {
        if (o.get(FloodgateOptions.MODE) == BackfillMode.DRAIN) {
            ensureProgressTopic(o);
            endLingeringTransactions(o);
            buildDrain(
                    env,
                    o,
                    DrainProgress.read(
                            o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                            KafkaClientConfig.from(o).clientProperties(),
                            o.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC),
                            o.get(FloodgateOptions.GROUP_ID),
                            o.get(FloodgateOptions.SHED_TOPIC)));
            return;
        }
        String savepoint = savepointPath(env, o);
        Map<TopicPartition, Long> positions = SavepointPositions.read(savepoint);
        LOG.info("replaying from savepoint {}", savepoint);
        buildReplay(env, o, positions);
    }

    /**
     * The replay with its real edges, reading the log from {@code positions} (the live job's
     * savepoint's, read by {@link #build}) to {@code --until}.
     */
    public static void buildReplay(
            StreamExecutionEnvironment env,
            FloodgateOptions o,
            Map<TopicPartition, Long> positions) {
        FloodgateJob.configure(env, o);
        Pipeline pipeline = backfillCalls(yieldingToLive(Pipeline.from(o), o), o);
        Map<String, String> client = KafkaClientConfig.from(o).clientProperties();
        ExactlyOnceKafkaSinks kafka = sinks(o, client);
        Optional<Instant> until = o.get(FloodgateOptions.UNTIL);
        LOG.info(
                "replaying {} from positions {} until {}",
                o.get(FloodgateOptions.INPUT_TOPIC),
                positions,
                until.map(Instant::toString).orElse("end"));
        Source<RawRecord, ?, ?> log =
                InteractionLogSource.bounded(
                        o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                        o.get(FloodgateOptions.INPUT_TOPIC),
                        o.get(FloodgateOptions.GROUP_ID),
                        positions,
                        until.map(Instant::toEpochMilli).orElse(-1L),
                        o.get(FloodgateOptions.LOG_RETENTION),
                        client);
        defineReplay(
                env,
                log,
                kafka.processed(o.get(FloodgateOptions.REPLAY_TOPIC)),
                kafka.deadLetters(o.get(FloodgateOptions.DLQ_TOPIC), "replay"),
                pipeline,
                o.get(FloodgateOptions.MAX_RATE));
    }

    /**
     * Creates the drain's progress topic when it is missing. The drain's least-privilege user
     * ({@link KafkaAcls#drain}) may not create topics: then the missing topic stops the drain at
     * start, named, instead of Kafka's bare "not authorized".
     */
    static void ensureProgressTopic(FloodgateOptions o) throws Exception {
        String topic = o.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC);
        try {
            DrainProgress.ensureTopic(
                    o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                    KafkaClientConfig.from(o).clientProperties(),
                    topic);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause()
                    instanceof org.apache.kafka.common.errors.TopicAuthorizationException) {
                throw new KafkaPreflight.Failure(
                        KafkaPreflight.Problem.AUTHORIZATION,
                        "Kafka start check failed: the drain's progress topic "
                                + topic
                                + " (--"
                                + FloodgateOptions.DRAIN_PROGRESS_TOPIC.key
                                + ") does not exist and the user of --"
                                + FloodgateOptions.KAFKA_CONFIG.key
                                + " may not create it: create it with the other topics"
                                + " (k8s/topics.yaml: compacted, one partition)");
            }
            throw e;
        }
    }

    /** The drain with its real edges, starting at {@code marks} (read by {@link #build}). */
    static void buildDrain(
            StreamExecutionEnvironment env, FloodgateOptions o, Map<TopicPartition, Long> marks) {
        FloodgateJob.configure(env, o, false);
        Duration settleTimeout = settleTimeout(env, o);
        Map<String, String> client = KafkaClientConfig.from(o).clientProperties();
        String shedTopic = o.get(FloodgateOptions.SHED_TOPIC);
        String group = o.get(FloodgateOptions.GROUP_ID);
        String progressTopic = o.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC);
        LOG.info(
                "draining {} ({}) from the marks of group {} in {}: {} (partitions without a mark: the group's committed offset, else the earliest)",
                shedTopic,
                o.get(FloodgateOptions.FOLLOW) ? "following it" : "to its end offsets now",
                group,
                progressTopic,
                marks);
        boolean follow = o.get(FloodgateOptions.FOLLOW);
        Pipeline pipeline = backfillCalls(yieldingToLive(Pipeline.from(o), o), o);
        defineDrain(
                env,
                InteractionLogSource.fromMarks(
                        o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                        shedTopic,
                        group,
                        marks,
                        o.get(FloodgateOptions.LOG_RETENTION),
                        client,
                        follow),
                sinks(o, client)
                        .drainOutputs(
                                o.get(FloodgateOptions.PROCESSED_TOPIC),
                                o.get(FloodgateOptions.DLQ_TOPIC),
                                shedTopic,
                                progressTopic,
                                group),
                pipeline.withLanes(pipeline.lanes().withSettleTimeout(settleTimeout)),
                o.get(FloodgateOptions.MAX_RATE));
    }

    /**
     * {@code --drain-settle-timeout}, checked against the checkpoint timeout the drain runs with
     * (the cluster's, else the job's: {@link Checkpointing}): a barrier allowed to wait that long
     * expires before the lanes shed what the service did not answer, and the bound bounds nothing.
     * With {@code --yield-to-live} it must exceed {@code --yield-max-pause}: a paused lane's input
     * waits for room until its next probe, and a shorter bound would shed again what a lane merely
     * paused for holds.
     */
    static Duration settleTimeout(StreamExecutionEnvironment env, FloodgateOptions o) {
        Duration settle = o.get(FloodgateOptions.DRAIN_SETTLE_TIMEOUT);
        Duration pause = o.get(FloodgateOptions.YIELD_MAX_PAUSE);
        if (o.get(FloodgateOptions.YIELD_TO_LIVE) && settle.compareTo(pause) <= 0) {
            throw new IllegalArgumentException(
                    "Invalid options:\noption --"
                            + FloodgateOptions.DRAIN_SETTLE_TIMEOUT.key
                            + " ("
                            + settle
                            + ") must exceed --"
                            + FloodgateOptions.YIELD_MAX_PAUSE.key
                            + " ("
                            + pause
                            + ") with --"
                            + FloodgateOptions.YIELD_TO_LIVE.key
                            + " true: a lane paused for live traffic holds its input that long"
                            + " before its next probe call");
        }
        Duration checkpoint = Duration.ofMillis(env.getCheckpointConfig().getCheckpointTimeout());
        if (settle.compareTo(checkpoint) >= 0) {
            throw new IllegalArgumentException(
                    "Invalid options:\noption --"
                            + FloodgateOptions.DRAIN_SETTLE_TIMEOUT.key
                            + " ("
                            + settle
                            + ") must be below the checkpoint timeout ("
                            + checkpoint
                            + ", "
                            + CheckpointingOptions.CHECKPOINTING_TIMEOUT.key()
                            + " or the job's default): a barrier that may wait as long expires"
                            + " before the drain sheds again what the service did not answer");
        }
        return settle;
    }

    /**
     * Before a drain reads its marks: ends the transactions an earlier drain of the same
     * transactional ids left open (cancelled or crashed between a checkpoint and its commit). This
     * run starts without that run's state, so it never commits them, and while open they hide the
     * marks committed after them ({@link LingeringTransactions}).
     */
    static void endLingeringTransactions(FloodgateOptions o) throws Exception {
        String prefix =
                KafkaAcls.transactionalIdPrefix(JobKind.BACKFILL, o)
                        + "-"
                        + ExactlyOnceKafkaSinks.DRAIN_OUTPUTS
                        + "-";
        java.util.List<String> aborted =
                LingeringTransactions.resolve(
                        o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                        KafkaClientConfig.from(o).clientProperties(),
                        prefix,
                        java.time.Duration.ofMinutes(1));
        if (!aborted.isEmpty()) {
            LOG.info(
                    "aborted {} transactions an earlier drain left open (it was cancelled or"
                            + " failed before their commit; their records are drained again): {}",
                    aborted.size(),
                    aborted);
        }
    }

    /**
     * With {@code --yield-to-live} (the default) each lane's calls in flight follow a {@link
     * ScavengerLimit}: the backfill takes only what the live job leaves of the shared services,
     * below the {@code --max-in-flight-<channel>} ceilings and {@code --max-rate}.
     */
    static Pipeline yieldingToLive(Pipeline pipeline, FloodgateOptions o) {
        if (!o.get(FloodgateOptions.YIELD_TO_LIVE)) {
            return pipeline;
        }
        return pipeline.withLanes(
                pipeline.lanes()
                        .withLimitPolicy(
                                new ScavengerLimit.Policy(
                                        o.get(FloodgateOptions.YIELD_TARGET),
                                        Duration.ofSeconds(1),
                                        o.get(FloodgateOptions.YIELD_MAX_PAUSE),
                                        Duration.ofMinutes(10))));
    }

    /**
     * With {@code --drain-priority-header} every backfill call carries that header (the live job's
     * never do), so a service that serves by priority serves the backfill only when no live call
     * waits; its 429s are taken as congestion by the backfill's lanes ({@link #drainLanes}, {@link
     * #defineReplay}).
     */
    static Pipeline backfillCalls(Pipeline pipeline, FloodgateOptions o) {
        if (o.isSet(FloodgateOptions.HIGH_PRIORITY_HEADER)) {
            LOG.warn(
                    "--{} is the live job's: no backfill call carries it",
                    FloodgateOptions.HIGH_PRIORITY_HEADER.key);
        }
        return ProcessorService.withHeader(
                pipeline,
                o,
                FloodgateOptions.DRAIN_PRIORITY_HEADER,
                HttpEventProcessor::withHeader,
                "all processing calls");
    }

    private static ExactlyOnceKafkaSinks sinks(FloodgateOptions o, Map<String, String> client) {
        return new ExactlyOnceKafkaSinks(
                o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                // the ACLs the start check verifies are derived from the same prefix
                KafkaAcls.transactionalIdPrefix(JobKind.BACKFILL, o),
                o.get(FloodgateOptions.TRANSACTION_TIMEOUT),
                client);
    }

    /** The savepoint to replay from: the option, or the path this job is being restored from. */
    static String savepointPath(StreamExecutionEnvironment env, FloodgateOptions o) {
        String given = o.get(FloodgateOptions.SAVEPOINT);
        if (!given.equals("from-cluster")) {
            return given;
        }
        String restored = env.getConfiguration().get(StateRecoveryOptions.SAVEPOINT_PATH);
        if (restored == null) {
            throw new IllegalArgumentException(
                    "Invalid options:\noption --savepoint is required for --mode replay "
                            + "unless the job is started from a savepoint (flink run -s <path>, "
                            + "execution.state-recovery.path, or initialSavepointPath)");
        }
        return restored;
    }

    /**
     * Shed lane -> marks -> parse -> rate limit -> process (lane backfill), one chain per subtask,
     * and one transactional sink per subtask for its results, dead letters, events whose service
     * still fails after their retries (back to the shed lane, after the end offsets this drain
     * reads to: backlog for the next drain, never a dead letter) and its progress marks.
     *
     * <p>Exact after any end (issue 32). At each checkpoint the lanes settle (every admitted event
     * gets its outcome before the barrier), then each subtask marks, per partition it reads, the
     * offset after its last record ({@link MarkDrainProgress}); checkpoints are aligned. The marks
     * and the outcomes of every record before them reach the subtask's sink before the barrier, so
     * they are one Kafka transaction: committed together or aborted together, whatever stops the
     * run. A new run starts at the last committed marks ({@link DrainProgress}) after aborting what
     * an earlier run left open ({@link #endLingeringTransactions}): it neither repeats nor skips.
     * One customer's events are in one partition, so no shuffle is needed: the lanes are chained to
     * the source and the sink takes a forward edge, so a subtask's marks and outputs meet in one
     * sink subtask, and no network buffer of backlog stands before the lanes.
     *
     * <p>Liveness: what a barrier waits for is only what the lanes admitted, at most the lane's
     * call budget in flight plus as many queued ({@link #drainLanes}): a few calls' time at the
     * service's pace, whatever {@code --max-rate} allows. The source's read-ahead waits after the
     * barrier. A service that answers none of them (one that serves by priority, through a flood of
     * live calls) holds a barrier no longer than the lanes' settle timeout ({@code
     * --drain-settle-timeout}, {@link LanesConfig#settleTimeout()}): the events then still without
     * an outcome are shed again before the barrier, each customer's in order, so the marks stay
     * exact.
     */
    public static void defineDrain(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> shedLane,
            Sink<DrainOutput> sink,
            Pipeline pipeline,
            double maxRate) {
        env.getCheckpointConfig().enableUnalignedCheckpoints(false);
        SingleOutputStreamOperator<RawRecord> raw =
                env.fromSource(shedLane, WatermarkStrategy.noWatermarks(), "shed lane")
                        .uid(Uids.SOURCE_SHED)
                        .transform(
                                "drain marks",
                                TypeInformation.of(RawRecord.class),
                                new MarkDrainProgress())
                        .uid(Uids.MARK_DRAIN_PROGRESS);
        SingleOutputStreamOperator<Interaction> valid =
                raw.process(new ParseInteractions(pipeline.maxRecordBytes()))
                        .uid(Uids.PARSE)
                        .name("parse + validate");
        // Neither sheds for load (admit all) nor for one customer's backlog (it waits: the input
        // stops instead), and the circuit is off: each call gets its retries.
        SingleOutputStreamOperator<ProcessedEvent> processed =
                FloodgateJob.processInLanes(
                        valid.map(new RateLimit<Interaction>(maxRate))
                                .uid(Uids.RATE_LIMIT)
                                .name("rate limit"),
                        pipeline.withLanes(drainLanes(pipeline.lanes())),
                        AdmissionPolicy.admitAll(),
                        Lane.BACKFILL,
                        Uids.DRAIN_PROCESS_LANES);
        // The drain reads the shed lane, whose records the live job parsed: none fail to parse
        // but a changed limit can, and those dead letters are new.
        DataStream<DrainOutput> deadLetters =
                processed
                        .getSideOutput(ProcessInLanes.FAILED)
                        .union(valid.getSideOutput(ParseInteractions.DEAD_LETTERS))
                        .map(DrainOutput::deadLetter)
                        .uid(Uids.DRAIN_DEAD_LETTERS_OUT)
                        .name("dead letters");
        DataStream<DrainOutput> shedAgain =
                processed
                        .getSideOutput(ProcessInLanes.SHED)
                        .map(DrainOutput::shedAgain)
                        .uid(Uids.DRAIN_SHED_AGAIN_OUT)
                        .name("service unavailable -> shed lane");
        DataStream<DrainOutput> marks =
                raw.getSideOutput(MarkDrainProgress.MARKS)
                        .map(DrainOutput::mark)
                        .uid(Uids.DRAIN_MARKS_OUT)
                        .name("drain marks");
        processed
                .map(DrainOutput::processed)
                .uid(Uids.DRAIN_PROCESSED_OUT)
                .name("processed")
                .union(deadLetters, shedAgain, marks)
                .sinkTo(sink)
                .uid(Uids.SINK_DRAIN_OUTPUTS)
                .name("drain outputs -> kafka");
    }

    /**
     * The drain's lanes: settled at each checkpoint, a "not now" from the service (429, or 503 with
     * Retry-After) taken as congestion, not as the event's failure (it waits and is called again,
     * the limit backs off: {@link ProcessingConfig#requeueOnCongestion}; before, three retries in
     * about 1.4 s and then shed again), no circuit, no per-customer bound, and at most as many
     * events queued per lane as the smallest call budget, so a barrier waits for a few calls' time
     * rather than a queue's (64 by default, 8 s at 10 calls/s), and at most the settle timeout
     * {@code lanes} carries.
     */
    static LanesConfig drainLanes(LanesConfig lanes) {
        int budget = Integer.MAX_VALUE;
        for (Channel c : Channel.values()) {
            budget = Math.min(budget, lanes.maxInFlight(c));
        }
        return lanes.withSettleAtCheckpoints(true)
                .withProcessing(lanes.processing().withRequeueOnCongestion(true))
                .withCircuit(Integer.MAX_VALUE, lanes.circuitOpenFor())
                .withMaxQueuedPerCustomer(Integer.MAX_VALUE)
                .withMaxQueued(Math.min(lanes.maxQueued(), budget));
    }

    /**
     * Log from the savepoint's positions -> parse -> keyBy -> order (restored) -> process (lane
     * replay).
     */
    public static void defineReplay(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> log,
            Sink<ProcessedEvent> processed,
            Sink<DeadLetter> deadLetters,
            Pipeline pipeline,
            double maxRate) {
        DataStream<RawRecord> raw =
                env.fromSource(log, InteractionLogSource.logClock(), "interaction log (replay)")
                        .uid(Uids.SOURCE_REPLAY);
        SingleOutputStreamOperator<Interaction> valid =
                raw.process(new ParseInteractions(pipeline.maxRecordBytes()))
                        .uid(Uids.PARSE)
                        .name("parse + validate");
        KeyedStream<Interaction, String> keyed =
                valid.map(new RateLimit<Interaction>(maxRate))
                        .uid(Uids.RATE_LIMIT)
                        .name("rate limit")
                        .keyBy(CustomerKey.INSTANCE);
        SingleOutputStreamOperator<Interaction> inOrder = FloodgateJob.order(keyed, pipeline);
        // The replay has no later lane: events arriving after their gap was skipped are processed
        // now. They come out of the ordering operator still partitioned by customer
        // (reinterpreting a KeyedStream itself would replace its shuffle by a forward edge).
        KeyedStream<Interaction, String> events =
                DataStreamUtils.reinterpretAsKeyedStream(
                        inOrder.union(inOrder.getSideOutput(OrderPerCustomer.LATE)),
                        CustomerKey.INSTANCE);
        // The replay continues the live job's admitted events (same uid). It sheds neither for
        // load (admit all) nor for one customer's backlog (it waits: the input stops instead),
        // the circuit is off: each call gets its retries, and a 429 is congestion (the event
        // waits and is called again), never a dead letter.
        Pipeline noCircuit =
                pipeline.withLanes(
                        pipeline.lanes()
                                .withProcessing(
                                        pipeline.lanes().processing().withRequeueOnCongestion(true))
                                .withCircuit(Integer.MAX_VALUE, pipeline.lanes().circuitOpenFor())
                                .withMaxQueuedPerCustomer(Integer.MAX_VALUE));
        SingleOutputStreamOperator<ProcessedEvent> results =
                FloodgateJob.processInLanes(
                        events,
                        noCircuit,
                        AdmissionPolicy.admitAll(),
                        Lane.REPLAY,
                        Uids.PROCESS_LANES);
        results.sinkTo(processed)
                .uid(Uids.SINK_BACKFILL_PROCESSED)
                .name(Lane.REPLAY.wireName() + " -> kafka");
        // The replay re-reads records the live job already read: their parse dead letters are in
        // the dead-letter topic once, from the live job (counted here, not written again). It has
        // no later lane: a call that still fails is a dead letter.
        results.getSideOutput(ProcessInLanes.FAILED)
                .union(
                        results.getSideOutput(ProcessInLanes.SHED)
                                .map(BackfillJob::deadLetter)
                                .uid(Uids.BACKFILL_SHED_TO_DLQ)
                                .name("service unavailable -> dead letters"))
                .sinkTo(deadLetters)
                .uid(Uids.SINK_BACKFILL_DEAD_LETTERS)
                .name("dead letters -> kafka");
    }

    /** A call the backfill could not make (the service kept failing) as a dead letter. */
    static DeadLetter deadLetter(ShedEvent shed) {
        return ProcessEvents.deadLetter(
                shed.event,
                new java.io.IOException(shed.reason.wireName() + ": " + shed.detail),
                System.currentTimeMillis());
    }
}
