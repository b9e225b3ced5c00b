package dev.floodgate.job;

import dev.floodgate.job.kafka.KafkaAcls;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import dev.floodgate.job.kafka.KafkaTransport;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.ParseInteractions;
import dev.floodgate.operators.ordering.OrderPerCustomer;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.ProcessInLanes;
import dev.floodgate.operators.process.ProcessInLanesFactory;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.sinks.ArchiveSink;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.sources.lag.BrokerLagMonitor;
import dev.floodgate.sources.lag.MonitoredLog;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live job: interaction log -> parse -> archive -> keyBy customer -> order -> admission and
 * processing lanes -> processed topic, with shed events to the shed topic and dead letters to
 * theirs, all exactly once. {@link #main} builds the real Kafka source and sinks; {@link
 * #defineWorkflow} builds the graph from whatever edges it is given.
 */
public final class FloodgateJob {
    private static final Logger LOG = LoggerFactory.getLogger(FloodgateJob.class);

    private FloodgateJob() {}

    public static void main(String[] args) throws Exception {
        if (FloodgateOptions.wantsHelp(args)) {
            Cli.printUsage(FloodgateOptions.usage("floodgate-live", JobKind.LIVE));
            return;
        }
        FloodgateOptions options = Cli.parseOrExplain(args, JobKind.LIVE);
        checkKafka(options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, options);
        defineWorkflow(
                env,
                source(options),
                sinks(options),
                liveCalls(Pipeline.from(options), options),
                lagMonitor(options));
        env.execute(JOB_NAME);
    }

    public static final String JOB_NAME = "floodgate-live";

    /**
     * With {@code --high-priority-header} the calls of {@code high} events, and of the events a
     * {@code high} event of their customer waits behind, carry that header, so a service that
     * serves by priority serves them before the other live calls (the lanes' own order puts them
     * first only among the calls of one subtask).
     */
    static Pipeline liveCalls(Pipeline pipeline, FloodgateOptions o) {
        return ProcessorService.withHeader(
                pipeline,
                o,
                FloodgateOptions.HIGH_PRIORITY_HEADER,
                dev.floodgate.operators.process.HttpEventProcessor::withUrgentHeader,
                "the calls of high events");
    }

    /** Builds the live job with its real edges on {@code env} and submits it without waiting. */
    public static JobClient submit(StreamExecutionEnvironment env, FloodgateOptions options)
            throws Exception {
        checkKafka(options);
        configure(env, options);
        defineWorkflow(
                env,
                source(options),
                sinks(options),
                liveCalls(Pipeline.from(options), options),
                lagMonitor(options));
        return env.executeAsync(JOB_NAME);
    }

    /**
     * The start check of Kafka with the job's client settings ({@link KafkaPreflight}): a wrong
     * password, an untrusted certificate, unreachable brokers or a missing ACL of {@link
     * KafkaAcls#live} stop the live job here, before anything is submitted.
     */
    static void checkKafka(FloodgateOptions o) {
        KafkaClientConfig client = KafkaClientConfig.from(o);
        KafkaTransport.check(o, client);
        KafkaPreflight.checkAccess(
                o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                client,
                KafkaPreflight.TIMEOUT,
                KafkaAcls.live(o));
    }

    /**
     * Key groups of every keyed operator: the most a job can ever be scaled to, and the unit keyed
     * state moves in. 720 has many divisors (2, 3, 4, 5, 6, 8, 9, 10, 12, ...), so the autoscaler's
     * parallelisms spread the key groups evenly. It must never change for a running deployment: a
     * savepoint restores only at its own max parallelism. Set here unless the cluster configuration
     * ({@code pipeline.max-parallelism}, in {@code flink-conf/} and the manifests) already does.
     */
    public static final int MAX_PARALLELISM = 720;

    /** The checkpoint timeout when the cluster sets none (as flink-conf/config.yaml). */
    static final java.time.Duration CHECKPOINT_TIMEOUT = Checkpointing.TIMEOUT;

    /**
     * Checkpointing, object reuse and global parameters common to Floodgate's jobs, with unaligned
     * checkpoints (live job, replay).
     */
    static void configure(StreamExecutionEnvironment env, FloodgateOptions options) {
        configure(env, options, true);
    }

    /**
     * Checkpointing ({@link Checkpointing}: the cluster's configuration, the job's options, the
     * liveness settings the cluster left unset), object reuse and global parameters common to
     * Floodgate's jobs; {@code unaligned}: unaligned checkpoints after an aligned timeout unless
     * the cluster chose (false: the drain, which forces aligned ones).
     */
    static void configure(
            StreamExecutionEnvironment env, FloodgateOptions options, boolean unaligned) {
        env.getConfig().setGlobalJobParameters(options.asGlobalJobParameters());
        if (env.getConfig().getMaxParallelism() <= 0) {
            env.setMaxParallelism(MAX_PARALLELISM);
        }
        enableObjectReuse(env);
        refuseGenericTypes(env);
        shortBufferTimeout(env);
        java.time.Duration interval = Checkpointing.configure(env, options, unaligned);
        TransactionBudget.check(
                env.getConfiguration(),
                interval,
                options.get(FloodgateOptions.TRANSACTION_TIMEOUT));
        int parallelism = options.get(FloodgateOptions.PARALLELISM);
        if (parallelism > 0) {
            env.setParallelism(parallelism);
        }
    }

    /**
     * How long a network buffer that is not full waits before it is sent downstream, when the
     * cluster sets none ({@code execution.buffer-timeout.interval}). Flink's 100 ms is added to
     * every event's age at the shuffle by customer in front of the lanes whenever arrivals are too
     * few to fill a buffer sooner, as in every calm or flood phase the lanes' freshness targets are
     * about (chat's p99 processing age in the 6x demo was 0.12 s for a 2 ms call, most of it this
     * wait). At full speed buffers fill before any timeout: the same throughput, at about 7% more
     * CPU per event for the flusher waking more often (docs/benchmarks.md, run S).
     */
    public static final java.time.Duration BUFFER_TIMEOUT = java.time.Duration.ofMillis(10);

    /** {@link #BUFFER_TIMEOUT} unless the cluster configured the buffer timeout itself. */
    static void shortBufferTimeout(StreamExecutionEnvironment env) {
        if (env.getConfiguration().getOptional(ExecutionOptions.BUFFER_TIMEOUT).isEmpty()
                && env.getConfiguration().get(ExecutionOptions.BUFFER_TIMEOUT_ENABLED)) {
            env.setBufferTimeout(BUFFER_TIMEOUT.toMillis());
        }
    }

    /**
     * Hands records between chained operators by reference instead of a serializer copy per hop
     * (five hops per event in the live job; the benchmark's profile showed the copies). Safe here
     * because no operator changes a record it received or emitted, and the ones that keep a record
     * get their own: keyed state is read from the network (a fresh object per record), and the
     * processing lanes copy the events they queue when object reuse is on.
     */
    public static void enableObjectReuse(StreamExecutionEnvironment env) {
        env.getConfig().enableObjectReuse();
    }

    /**
     * {@code pipeline.generic-types: false}: a type Flink cannot analyse fails the job at start
     * instead of falling back to Kryo, whose serialized form changes with the class and its Kryo
     * registration: state written so could not be restored after an upgrade, and a Kryo
     * deserializer reads whatever class the bytes name. Every record and state type here has a
     * serializer of its own (the contract codec's, POJO or Flink's basic types).
     */
    static void refuseGenericTypes(StreamExecutionEnvironment env) {
        Configuration c = new Configuration();
        c.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(c);
    }

    static Source<RawRecord, ?, ?> source(FloodgateOptions o) {
        return InteractionLogSource.unbounded(
                o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                o.get(FloodgateOptions.INPUT_TOPIC),
                o.get(FloodgateOptions.GROUP_ID),
                o.get(FloodgateOptions.STARTING_OFFSETS),
                o.get(FloodgateOptions.LOG_RETENTION),
                KafkaClientConfig.from(o).clientProperties());
    }

    /**
     * The settings every Kafka client of the jobs starts from (bootstrap servers; the security
     * settings of the client configuration join them here). One place, so no client misses one.
     */
    static Map<String, String> kafkaClientProperties(FloodgateOptions o) {
        Map<String, String> p =
                new java.util.HashMap<>(KafkaClientConfig.from(o).clientProperties());
        p.put("bootstrap.servers", o.get(FloodgateOptions.BOOTSTRAP_SERVERS));
        return p;
    }

    /**
     * Measures, from the broker, the live job's lag on the input topic and the drain's on the shed
     * topic (a shed event that ages out undrained is lost too), and both topics' retention.
     */
    static BrokerLagMonitor lagMonitor(FloodgateOptions o) {
        return new BrokerLagMonitor(
                kafkaClientProperties(o),
                List.of(
                        new MonitoredLog(
                                "input",
                                o.get(FloodgateOptions.INPUT_TOPIC),
                                o.get(FloodgateOptions.GROUP_ID)),
                        new MonitoredLog(
                                "shed",
                                o.get(FloodgateOptions.SHED_TOPIC),
                                o.get(FloodgateOptions.DRAIN_GROUP_ID))),
                o.get(FloodgateOptions.LAG_POLL_INTERVAL));
    }

    static JobSinks sinks(FloodgateOptions o) {
        ExactlyOnceKafkaSinks kafka =
                new ExactlyOnceKafkaSinks(
                        o.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                        KafkaAcls.transactionalIdPrefix(JobKind.LIVE, o),
                        o.get(FloodgateOptions.TRANSACTION_TIMEOUT),
                        KafkaClientConfig.from(o).clientProperties());
        String archive = o.get(FloodgateOptions.ARCHIVE_PATH);
        if (!o.isSet(FloodgateOptions.ARCHIVE_PATH)) {
            LOG.warn(
                    "--{} is none: valid events are not archived beyond the topic's retention",
                    FloodgateOptions.ARCHIVE_PATH.key);
        }
        return new JobSinks(
                kafka.processed(o.get(FloodgateOptions.PROCESSED_TOPIC)),
                kafka.shed(o.get(FloodgateOptions.SHED_TOPIC)),
                kafka.deadLetters(o.get(FloodgateOptions.DLQ_TOPIC), "all"),
                o.isSet(FloodgateOptions.ARCHIVE_PATH) ? ArchiveSink.create(archive) : null);
    }

    /** Builds the live job's graph between the given source and sinks, without a lag monitor. */
    public static void defineWorkflow(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            JobSinks sinks,
            Pipeline pipeline) {
        defineWorkflow(env, source, sinks, pipeline, null);
    }

    /**
     * Builds the live job's graph between the given source and sinks; {@code lagMonitor}, when not
     * null, follows the source (chained, stateless) and exports the brokerLag metrics.
     */
    public static void defineWorkflow(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            JobSinks sinks,
            Pipeline pipeline,
            BrokerLagMonitor lagMonitor) {
        DataStream<RawRecord> raw =
                env.fromSource(source, InteractionLogSource.logClock(), "interaction log")
                        .uid(Uids.SOURCE_INTERACTIONS);
        if (lagMonitor != null) {
            raw = raw.map(lagMonitor).uid(Uids.BROKER_LAG_MONITOR).name("broker lag monitor");
        }
        SingleOutputStreamOperator<Interaction> valid =
                raw.process(new ParseInteractions(pipeline.maxRecordBytes()))
                        .uid(Uids.PARSE)
                        .name("parse + validate");
        if (sinks.archive() != null) {
            valid.sinkTo(sinks.archive()).uid(Uids.SINK_ARCHIVE).name("archive");
        }
        SingleOutputStreamOperator<Interaction> ordered =
                order(valid.keyBy(CustomerKey.INSTANCE), pipeline);
        SingleOutputStreamOperator<ProcessedEvent> processed =
                processInLanes(
                        DataStreamUtils.reinterpretAsKeyedStream(ordered, CustomerKey.INSTANCE),
                        pipeline,
                        pipeline.shedPolicy(),
                        Lane.LIVE,
                        Uids.PROCESS_LANES);
        // Events the ordering cannot place (arrived after their gap was skipped, below what the
        // state remembers, an implausible seq) join the shed lane: processed later, out of the
        // live lane's order, never dropped (see OrderPerCustomer).
        DataStream<ShedEvent> late =
                ordered.getSideOutput(OrderPerCustomer.LATE)
                        .map(e -> ShedEvent.of(e, ShedReason.LATE, null))
                        .returns(ShedEvent.class)
                        .uid(Uids.LATE_TO_SHED)
                        .name("late -> shed lane");
        processed
                .getSideOutput(ProcessInLanes.SHED)
                .union(late)
                .sinkTo(sinks.shed())
                .uid(Uids.SINK_SHED)
                .name("shed lane -> kafka");
        processed.sinkTo(sinks.processed()).uid(Uids.SINK_PROCESSED).name("processed -> kafka");
        DataStream<DeadLetter> deadLetters =
                valid.getSideOutput(ParseInteractions.DEAD_LETTERS)
                        .union(processed.getSideOutput(ProcessInLanes.FAILED));
        deadLetters
                .sinkTo(sinks.deadLetters())
                .uid(Uids.SINK_DEAD_LETTERS)
                .name("dead letters -> kafka");
    }

    /**
     * Per-customer order with keyed state (live job and replay share it, by uid). Its output stays
     * partitioned by customer, so the next keyed step is chained to it, not shuffled again.
     */
    static SingleOutputStreamOperator<Interaction> order(
            KeyedStream<Interaction, String> keyed, Pipeline pipeline) {
        return keyed.process(new OrderPerCustomer(pipeline.ordering()))
                .uid(Uids.ORDER_PER_CUSTOMER)
                .name("order per customer");
    }

    /**
     * Admission and the processing lanes on a stream keyed by customer (the drain's, settled at
     * checkpoints and stateless, on its source's partitions, where each customer is): results are
     * the main output, shed events on {@link ProcessInLanes#SHED}, permanent failures on {@link
     * ProcessInLanes#FAILED}.
     */
    static SingleOutputStreamOperator<ProcessedEvent> processInLanes(
            DataStream<Interaction> events,
            Pipeline pipeline,
            AdmissionPolicy admission,
            Lane lane,
            String uid) {
        EventProcessor processor = pipeline.processor();
        return events.transform(
                        "process in lanes (" + processor.name() + ")",
                        TypeInformation.of(ProcessedEvent.class),
                        new ProcessInLanesFactory(processor, lane, pipeline.lanes(), admission))
                .uid(uid);
    }
}
