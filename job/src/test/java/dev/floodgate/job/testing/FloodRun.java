package dev.floodgate.job.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.FloodgateJob;
import dev.floodgate.job.JobSinks;
import dev.floodgate.job.Pipeline;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.operators.process.LanesConfig;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.operators.shed.HotKeyPolicy;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sinks.ShedRecordSerializer;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The Monday flood in miniature, shared by {@code FloodITCase} and the benchmark: the live job on a
 * real broker and cluster, processing through the capacity-limited HTTP service (capacity {@link
 * #CAPACITY} events/s), fed at three times that capacity for a while. While it floods it samples
 * backpressure, busy time and the checkpoints (REST); afterwards it reads every output back {@code
 * read_committed}. Needs a cluster with {@link #PARALLELISM} slots and buffer debloating on.
 */
public final class FloodRun {
    public static final Duration VOICE_LATENCY = Duration.ofMillis(100);
    public static final int VOICE_CONCURRENCY = 2; // 20 voice calls/s
    public static final double VOICE_SHARE = 0.6;

    /**
     * Events per second the service can process, all channels together (voice is the bottleneck).
     */
    public static final double CAPACITY =
            VOICE_CONCURRENCY * 1000.0 / VOICE_LATENCY.toMillis() / VOICE_SHARE;

    public static final Duration VOICE_SLO = Duration.ofSeconds(3);

    /** Voice calls in flight per subtask: the service's slots, shared, plus one. */
    public static final int MAX_IN_FLIGHT = VOICE_CONCURRENCY / 2 + 1;

    public static final int PARALLELISM = 2;

    /**
     * One run: a name (topic prefix), shedding on or off, how long the flood lasts, whether to wait
     * until every event is processed or shed afterwards (else 2 s, then cancel), and unaligned
     * (with a 1 s aligned timeout) or aligned checkpoints, every second.
     */
    public record Settings(
            String name, boolean shedding, Duration floodTime, boolean drain, boolean unaligned) {}

    /** What a run measured. Ages in milliseconds, sorted. */
    public static final class Result {
        public FloodGenerator generator;
        public final List<ProcessedEvent> processed = new ArrayList<>();
        public final List<Interaction> shed = new ArrayList<>();
        public final List<DeadLetter> deadLetters = new ArrayList<>();
        public final List<Long> highAges = new ArrayList<>();

        /** Ages at processing of the chat events (every priority), sorted. */
        public final List<Long> chatAges = new ArrayList<>();

        /** Shed records by their {@code floodgate.shed-reason} header. */
        public final Map<String, Integer> shedReasons = new TreeMap<>();

        /** End-to-end durations of the checkpoints triggered during the flood, by checkpoint id. */
        public final Map<Long, Long> checkpointMillis = new TreeMap<>();

        /**
         * Peak share of time the source was backpressured, over windows of at least 2 s (busiest
         * subtask).
         */
        public double maxSourceBackpressure;

        public double maxProcessBusy;
        private long lastSampleMillis;
        private double lastSourceBackpressuredMs = -1;
        public long checkpointsDuringFlood;

        /**
         * The {@code q} quantile (0..1] of the {@code high} events' age at processing; 0 when none.
         */
        public long highAgePercentile(double q) {
            return percentile(highAges, q);
        }

        public long p99HighAgeMillis() {
            return highAgePercentile(0.99);
        }
    }

    private FloodRun() {}

    /** Worst wait of a request behind the others in flight at the service. */
    public static long inFlightWaitMillis() {
        return (long) MAX_IN_FLIGHT * PARALLELISM * VOICE_LATENCY.toMillis() / VOICE_CONCURRENCY;
    }

    /** Nearest-rank quantile of a sorted list; 0 when empty. */
    public static long percentile(List<Long> sorted, double q) {
        return sorted.isEmpty()
                ? 0
                : sorted.get(Math.max(0, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /**
     * Runs one flood. {@code environments} gives an environment on the cluster that {@code rest}
     * describes, for a job configuration.
     */
    public static Result run(
            String bootstrap,
            FlinkRest rest,
            Function<Configuration, StreamExecutionEnvironment> environments,
            Settings s)
            throws Exception {
        String prefix = "flood-" + s.name();
        String input = prefix + ".interactions";
        Topics.create(
                bootstrap,
                4,
                Duration.ofDays(1),
                input,
                prefix + ".processed",
                prefix + ".shed",
                prefix + ".dlq");
        try (CapacityLimitedService service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, VOICE_CONCURRENCY, VOICE_LATENCY)
                                        .channel(Channel.IMAGE, 4, Duration.ofMillis(50))
                                        .channel(Channel.CHAT, 16, Duration.ofMillis(2)))
                        .start()) {
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            conf.set(CheckpointingOptions.ENABLE_UNALIGNED, s.unaligned());
            conf.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, Duration.ofSeconds(1));
            StreamExecutionEnvironment env = environments.apply(conf);
            env.setParallelism(PARALLELISM);
            env.enableCheckpointing(1000, CheckpointingMode.EXACTLY_ONCE);
            ShedPolicy policy =
                    s.shedding()
                            ? ShedPolicy.none()
                                    .withChannel(
                                            Channel.VOICE,
                                            ChannelPolicy.shed(
                                                    VOICE_SLO,
                                                    Duration.ofSeconds(1),
                                                    Priority.LOW,
                                                    Priority.NORMAL))
                                    .withHotKey(HotKeyPolicy.disabled())
                            : ShedPolicy.none();
            Pipeline pipeline =
                    Pipeline.defaults()
                            .withShedPolicy(policy)
                            .withProcessor(
                                    HttpEventProcessor.forBaseUri(
                                            service.baseUri(), Duration.ofSeconds(10), "v1"))
                            .withLanes(
                                    LanesConfig.defaults()
                                            .withMaxInFlight(Channel.VOICE, MAX_IN_FLIGHT));
            ExactlyOnceKafkaSinks kafka =
                    new ExactlyOnceKafkaSinks(bootstrap, prefix, Duration.ofMinutes(5));
            FloodgateJob.defineWorkflow(
                    env,
                    InteractionLogSource.unbounded(
                            bootstrap, input, prefix, "earliest", Duration.ofDays(1)),
                    new JobSinks(
                            kafka.processed(prefix + ".processed"),
                            kafka.shed(prefix + ".shed"),
                            kafka.deadLetters(prefix + ".dlq", "all"),
                            null),
                    pipeline);
            JobClient job = env.executeAsync(prefix);
            boolean cancelled = false;
            try {
                String jobId = job.getJobID().toString();

                Result result = new Result();
                result.generator =
                        new FloodGenerator(
                                bootstrap,
                                input,
                                new Profile(300, VOICE_SHARE, 0.1, 0.1, 0.002, 0, 0, 0),
                                11);
                Thread producer =
                        new Thread(
                                () ->
                                        result.generator.run(
                                                List.of(
                                                        new Phase(
                                                                "flood",
                                                                3 * CAPACITY,
                                                                s.floodTime())),
                                                p -> {}),
                                "flood-producer");
                long checkpointsBefore = awaitRunning(rest, jobId);
                long floodStart = System.currentTimeMillis();
                producer.start();
                while (producer.isAlive()) {
                    sample(rest, jobId, result);
                    sampleCheckpoints(rest, jobId, result, floodStart, Long.MAX_VALUE);
                    producer.join(500);
                }
                long floodEnd = System.currentTimeMillis();
                result.checkpointsDuringFlood =
                        rest.completedCheckpoints(jobId) - checkpointsBefore;
                if (s.drain()) {
                    awaitAccounted(bootstrap, prefix, result);
                } else {
                    Thread.sleep(2000);
                }
                sampleCheckpoints(
                        rest,
                        jobId,
                        result,
                        floodStart,
                        floodEnd); // those still running when it ended
                job.cancel().get(1, TimeUnit.MINUTES);
                cancelled = true;
                read(bootstrap, prefix, result);
                return result;
            } finally {
                if (!cancelled) {
                    job.cancel(); // a failed run must not keep the shared cluster's slots
                }
            }
        }
    }

    private static long awaitRunning(FlinkRest rest, String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!"RUNNING".equals(rest.get("/jobs/" + jobId).path("state").asText())
                || !allVerticesRunning(rest.get("/jobs/" + jobId))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " not running within 60 s");
            }
            Thread.sleep(200);
        }
        return rest.completedCheckpoints(jobId);
    }

    private static boolean allVerticesRunning(JsonNode job) {
        for (JsonNode v : job.path("vertices")) {
            if (!"RUNNING".equals(v.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Backpressure of the source and busy time of processing, as maxima over the subtasks. The
     * source's share of backpressured time comes from the slope of its {@code
     * accumulateBackPressuredTimeMs} counter: the REST backpressure ratio is a 60 s moving average,
     * which a 30 s flood that sheds in cycles dilutes below its peak.
     */
    private static void sample(FlinkRest rest, String jobId, Result result) throws Exception {
        for (JsonNode v : rest.get("/jobs/" + jobId).path("vertices")) {
            String name = v.path("name").asText();
            String vertex = "/jobs/" + jobId + "/vertices/" + v.path("id").asText();
            if (name.startsWith("Source: interaction log")) {
                long now = System.currentTimeMillis();
                JsonNode acc =
                        rest.get(
                                vertex
                                        + "/subtasks/metrics?get=accumulateBackPressuredTimeMs&agg=max");
                double backpressuredMs = acc.path(0).path("max").asDouble(-1);
                if (backpressuredMs < 0) {
                    continue; // not reported yet
                }
                if (result.lastSourceBackpressuredMs < 0) {
                    result.lastSourceBackpressuredMs = backpressuredMs;
                    result.lastSampleMillis = now;
                } else if (now - result.lastSampleMillis >= 2000) {
                    double share =
                            (backpressuredMs - result.lastSourceBackpressuredMs)
                                    / (now - result.lastSampleMillis);
                    result.maxSourceBackpressure =
                            Math.max(result.maxSourceBackpressure, Math.min(1, share));
                    result.lastSourceBackpressuredMs = backpressuredMs;
                    result.lastSampleMillis = now;
                }
            } else if (name.contains("process in lanes (")) {
                for (JsonNode sub : rest.get(vertex + "/backpressure").path("subtasks")) {
                    result.maxProcessBusy =
                            Math.max(result.maxProcessBusy, sub.path("busyRatio").asDouble());
                }
            }
        }
    }

    /**
     * The completed checkpoints triggered between {@code from} and {@code to} (epoch ms), with
     * their durations.
     */
    private static void sampleCheckpoints(
            FlinkRest rest, String jobId, Result result, long from, long to) throws Exception {
        // the history holds the last 10 checkpoints: at one per second, sampling every 0.5 s misses
        // none
        for (JsonNode c : rest.get("/jobs/" + jobId + "/checkpoints").path("history")) {
            long triggered = c.path("trigger_timestamp").asLong();
            if ("COMPLETED".equals(c.path("status").asText())
                    && triggered >= from
                    && triggered <= to) {
                result.checkpointMillis.put(
                        c.path("id").asLong(), c.path("end_to_end_duration").asLong());
            }
        }
    }

    private static void awaitAccounted(String bootstrap, String prefix, Result result)
            throws Exception {
        KafkaBroker.awaitCommitted(
                bootstrap,
                result.generator.sentValid().size(),
                Duration.ofMinutes(3),
                prefix + ".processed",
                prefix + ".shed"); // every event processed or shed
    }

    private static void read(String bootstrap, String prefix, Result result) throws Exception {
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(bootstrap, prefix + ".processed")) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            result.processed.add(p);
            if (p.priority == Priority.HIGH) {
                result.highAges.add(p.ageMillis());
            }
            if (p.channel == Channel.CHAT) {
                result.chatAges.add(p.ageMillis());
            }
        }
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(bootstrap, prefix + ".shed")) {
            var reason = r.headers().lastHeader(ShedRecordSerializer.HEADER_SHED_REASON);
            result.shedReasons.merge(
                    reason == null ? "none" : new String(reason.value(), StandardCharsets.UTF_8),
                    1,
                    Integer::sum);
            result.shed.add(InteractionRecords.read(r));
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(bootstrap, prefix + ".dlq")) {
            result.deadLetters.add(OutputCodec.readDeadLetter(r.value()));
        }
        Collections.sort(result.highAges);
        Collections.sort(result.chatAges);
    }
}
