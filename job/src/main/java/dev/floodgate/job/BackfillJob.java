package dev.floodgate.job;

import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.ParseInteractions;
import dev.floodgate.operators.RateLimit;
import dev.floodgate.operators.ordering.OrderPerCustomer;
import dev.floodgate.operators.process.ProcessEvents;
import dev.floodgate.operators.process.ProcessInLanes;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
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
 * The backfill job: a separate, bounded job in the same jar, submitted on its own, with its own
 * consumer group and transactional id prefix. It finishes by itself.
 *
 * <ul>
 *   <li>{@code --mode drain}: reads the shed lane from its group's committed position to the end
 *       offsets found at start, processes every event (no shedding) at most {@code --max-rate},
 *       writes lane {@code backfill}.
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
        return "floodgate-backfill-" + o.get(FloodgateOptions.MODE);
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

    /** The start check of Kafka: the topics this mode reads and writes. */
    static void checkKafka(FloodgateOptions o) {
        boolean drain = o.get(FloodgateOptions.MODE).equals("drain");
        KafkaPreflight.check(
                o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                KafkaClientConfig.from(o),
                KafkaPreflight.TIMEOUT,
                drain
                        ? List.of(
                                o.get(FloodgateOptions.SHED_TOPIC),
                                o.get(FloodgateOptions.PROCESSED_TOPIC),
                                o.get(FloodgateOptions.DLQ_TOPIC))
                        : List.of(
                                o.get(FloodgateOptions.INPUT_TOPIC),
                                o.get(FloodgateOptions.REPLAY_TOPIC),
                                o.get(FloodgateOptions.DLQ_TOPIC)));
    }

    /** Builds the backfill job for {@code o}'s mode with its real edges. */
    public static void build(StreamExecutionEnvironment env, FloodgateOptions o) throws Exception {
        FloodgateJob.configure(env, o);
        Pipeline pipeline = Pipeline.from(o);
        Map<String, String> client = KafkaClientConfig.from(o).clientProperties();
        ExactlyOnceKafkaSinks kafka =
                new ExactlyOnceKafkaSinks(
                        o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                        o.get(FloodgateOptions.TRANSACTIONAL_ID_PREFIX)
                                + "-"
                                + o.get(FloodgateOptions.MODE),
                        o.get(FloodgateOptions.TRANSACTION_TIMEOUT),
                        client);
        if (o.get(FloodgateOptions.MODE).equals("drain")) {
            Source<RawRecord, ?, ?> shedLane =
                    InteractionLogSource.toEndOffsets(
                            o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                            o.get(FloodgateOptions.SHED_TOPIC),
                            o.get(FloodgateOptions.GROUP_ID),
                            "committed",
                            o.get(FloodgateOptions.LOG_RETENTION),
                            client);
            defineDrain(
                    env,
                    shedLane,
                    kafka.processed(o.get(FloodgateOptions.PROCESSED_TOPIC)),
                    kafka.deadLetters(o.get(FloodgateOptions.DLQ_TOPIC), "backfill"),
                    kafka.shed(o.get(FloodgateOptions.SHED_TOPIC)),
                    pipeline,
                    o.get(FloodgateOptions.MAX_RATE));
        } else {
            String savepoint = savepointPath(env, o);
            Map<TopicPartition, Long> positions = SavepointPositions.read(savepoint);
            String until = o.get(FloodgateOptions.UNTIL);
            LOG.info(
                    "replaying {} from savepoint {} positions {} until {}",
                    o.get(FloodgateOptions.INPUT_TOPIC),
                    savepoint,
                    positions,
                    until);
            Source<RawRecord, ?, ?> log =
                    InteractionLogSource.bounded(
                            o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                            o.get(FloodgateOptions.INPUT_TOPIC),
                            o.get(FloodgateOptions.GROUP_ID),
                            positions,
                            until.equals("end") ? -1 : Instant.parse(until).toEpochMilli(),
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
     * Shed lane -> parse -> rate limit -> keyBy -> process (lane backfill) -> processed, dead
     * letters; a call whose service still fails after its retries goes back to the shed lane
     * ({@code shedAgain}, after the end offsets this drain reads to): backlog for the next drain,
     * never a dead letter.
     */
    public static void defineDrain(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> shedLane,
            org.apache.flink.api.connector.sink2.Sink<ProcessedEvent> processed,
            org.apache.flink.api.connector.sink2.Sink<DeadLetter> deadLetters,
            org.apache.flink.api.connector.sink2.Sink<ShedEvent> shedAgain,
            Pipeline pipeline,
            double maxRate) {
        DataStream<RawRecord> raw =
                env.fromSource(shedLane, WatermarkStrategy.noWatermarks(), "shed lane")
                        .uid(Uids.SOURCE_SHED);
        finish(raw, processed, deadLetters, shedAgain, pipeline, maxRate, Lane.BACKFILL, false);
    }

    /**
     * Log from the savepoint's positions -> parse -> keyBy -> order (restored) -> process (lane
     * replay).
     */
    public static void defineReplay(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> log,
            org.apache.flink.api.connector.sink2.Sink<ProcessedEvent> processed,
            org.apache.flink.api.connector.sink2.Sink<DeadLetter> deadLetters,
            Pipeline pipeline,
            double maxRate) {
        DataStream<RawRecord> raw =
                env.fromSource(log, InteractionLogSource.logClock(), "interaction log (replay)")
                        .uid(Uids.SOURCE_REPLAY);
        finish(raw, processed, deadLetters, null, pipeline, maxRate, Lane.REPLAY, true);
    }

    private static void finish(
            DataStream<RawRecord> raw,
            org.apache.flink.api.connector.sink2.Sink<ProcessedEvent> processedSink,
            org.apache.flink.api.connector.sink2.Sink<DeadLetter> deadLetterSink,
            org.apache.flink.api.connector.sink2.Sink<ShedEvent> shedSink,
            Pipeline pipeline,
            double maxRate,
            Lane lane,
            boolean ordered) {
        SingleOutputStreamOperator<Interaction> valid =
                raw.process(new ParseInteractions(pipeline.maxRecordBytes()))
                        .uid(Uids.PARSE)
                        .name("parse + validate");
        KeyedStream<Interaction, String> keyed =
                valid.map(new RateLimit<Interaction>(maxRate))
                        .uid(Uids.RATE_LIMIT)
                        .name("rate limit")
                        .keyBy(CustomerKey.INSTANCE);
        // the drain's events are keyed by the shuffle above; the replay's come out of the ordering
        // operator, still partitioned by customer (reinterpreting a KeyedStream itself would
        // replace its shuffle by a forward edge)
        KeyedStream<Interaction, String> events = keyed;
        if (ordered) {
            SingleOutputStreamOperator<Interaction> inOrder = FloodgateJob.order(keyed, pipeline);
            // The replay has no later lane: events arriving after their gap was skipped are
            // processed now.
            events =
                    DataStreamUtils.reinterpretAsKeyedStream(
                            inOrder.union(inOrder.getSideOutput(OrderPerCustomer.LATE)),
                            CustomerKey.INSTANCE);
        }
        // The replay continues the live job's admitted events (same uid); the drain must never
        // pick them up, even when someone starts it from a live savepoint. Neither sheds for load
        // (admit all) and the circuit is off: each call gets its retries.
        Pipeline noCircuit =
                pipeline.withLanes(
                        pipeline.lanes()
                                .withCircuit(Integer.MAX_VALUE, pipeline.lanes().circuitOpenFor()));
        SingleOutputStreamOperator<ProcessedEvent> processed =
                FloodgateJob.processInLanes(
                        events,
                        noCircuit,
                        AdmissionPolicy.admitAll(),
                        lane,
                        ordered ? Uids.PROCESS_LANES : Uids.DRAIN_PROCESS_LANES);
        processed
                .sinkTo(processedSink)
                .uid(Uids.SINK_BACKFILL_PROCESSED)
                .name(lane.wireName() + " -> kafka");
        DataStream<DeadLetter> deadLetters =
                valid.getSideOutput(ParseInteractions.DEAD_LETTERS)
                        .union(processed.getSideOutput(ProcessInLanes.FAILED));
        if (shedSink != null) {
            processed
                    .getSideOutput(ProcessInLanes.SHED)
                    .sinkTo(shedSink)
                    .uid(Uids.SINK_BACKFILL_SHED)
                    .name("service unavailable -> shed lane");
        } else {
            // the replay has no later lane: a call that still fails is a dead letter
            deadLetters =
                    deadLetters.union(
                            processed
                                    .getSideOutput(ProcessInLanes.SHED)
                                    .map(BackfillJob::deadLetter)
                                    .uid(Uids.BACKFILL_SHED_TO_DLQ)
                                    .name("service unavailable -> dead letters"));
        }
        deadLetters
                .sinkTo(deadLetterSink)
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
