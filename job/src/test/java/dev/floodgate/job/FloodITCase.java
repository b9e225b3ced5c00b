package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.job.kafka.FloodGenerator;
import dev.floodgate.job.kafka.FloodGenerator.Phase;
import dev.floodgate.job.kafka.FloodGenerator.Profile;
import dev.floodgate.job.kafka.KafkaIO;
import dev.floodgate.job.kafka.Topics;
import dev.floodgate.job.tools.FlinkRest;
import dev.floodgate.job.testing.KafkaBroker;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.InteractionCodec;
import dev.floodgate.model.OutputCodec;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.operators.process.CapacityLimitedService;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.operators.process.ProcessingConfig;
import dev.floodgate.operators.process.ServiceOptions;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.operators.shed.HotKeyPolicy;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Monday flood on a real broker, a MiniCluster and a capacity-limited HTTP service: arrivals at three times
 * the service's capacity. With shedding, backpressure is real, {@code high} stays fresh, checkpoints keep
 * completing, and every event is processed or shed exactly once; without it, {@code high} ages with the backlog.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FloodITCase {
    private static final Logger LOG = LoggerFactory.getLogger(FloodITCase.class);

    private static final Duration VOICE_LATENCY = Duration.ofMillis(100);
    private static final int VOICE_CONCURRENCY = 2; // 20 voice calls/s
    private static final double VOICE_SHARE = 0.6;
    private static final double CAPACITY = VOICE_CONCURRENCY * 1000.0 / VOICE_LATENCY.toMillis() / VOICE_SHARE;
    private static final Duration VOICE_SLO = Duration.ofSeconds(3);
    private static final int MAX_IN_FLIGHT = 4;
    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(() -> {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
        return new MiniClusterResourceConfiguration.Builder().setConfiguration(conf)
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(PARALLELISM).build();
    });

    @Test
    void sheddingKeepsHighFreshUnderBackpressureAndLosesNothing(@InjectClusterClient ClusterClient<?> client)
            throws Exception {
        Flood flood = runFlood(client, "on", true, Duration.ofSeconds(30), true);

        assertThat(flood.maxSourceBackpressure).as("the source was backpressured").isGreaterThan(0.5);
        assertThat(flood.maxProcessBusy).as("the processing vertex was busy").isGreaterThan(0.5);
        // the SLO, plus the wait behind the requests in flight, plus 2 s for a loaded 2-core CI machine
        long allowed = VOICE_SLO.toMillis() + inFlightWaitMillis() + 2000;
        assertThat(flood.p99HighAgeMillis).as("p99 age of high events at processing").isLessThan(allowed);
        assertThat(flood.shed).as("the flood shed low-priority voice").isNotEmpty();
        assertThat(flood.shed).allSatisfy(i -> assertThat(i.priority).isNotEqualTo(Priority.HIGH));
        assertThat(flood.checkpointsDuringFlood).as("checkpoints completed during the flood").isGreaterThanOrEqualTo(5);

        // every valid event exactly once in processed or shed; every poison record a dead letter
        List<String> accounted = new ArrayList<>();
        flood.processed.forEach(p -> accounted.add(p.eventId));
        flood.shed.forEach(i -> accounted.add(i.eventId));
        assertThat(accounted).hasSize(flood.generator.sentValid().size())
                .containsExactlyInAnyOrderElementsOf(flood.generator.sentValid().stream().map(i -> i.eventId).toList());
        Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
        flood.deadLetters.forEach(d -> reasons.merge(d.reason, 1, Integer::sum));
        assertThat(reasons).isEqualTo(flood.generator.sentPoison());
    }

    @Test
    void withoutSheddingHighAgesWithTheBacklog(@InjectClusterClient ClusterClient<?> client) throws Exception {
        Flood flood = runFlood(client, "off", false, Duration.ofSeconds(20), false);
        assertThat(flood.shed).isEmpty();
        assertThat(flood.p99HighAgeMillis).as("p99 age of high events without shedding")
                .isGreaterThan(2 * (VOICE_SLO.toMillis() + inFlightWaitMillis()));
    }

    /** Worst wait of a request behind the others in flight at the service. */
    private static long inFlightWaitMillis() {
        return (long) MAX_IN_FLIGHT * PARALLELISM * VOICE_LATENCY.toMillis() / VOICE_CONCURRENCY;
    }

    private Flood runFlood(ClusterClient<?> client, String run, boolean shedding, Duration floodTime,
            boolean drain) throws Exception {
        String prefix = "flood-" + run;
        String input = prefix + ".interactions";
        Topics.create(KAFKA.bootstrapServers(), 4, Duration.ofDays(1), input, prefix + ".processed",
                prefix + ".shed", prefix + ".dlq");
        try (CapacityLimitedService service = new CapacityLimitedService(ServiceOptions.defaults()
                .channel(Channel.VOICE, VOICE_CONCURRENCY, VOICE_LATENCY)
                .channel(Channel.IMAGE, 4, Duration.ofMillis(50))
                .channel(Channel.CHAT, 16, Duration.ofMillis(2))).start()) {
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            conf.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
            conf.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, Duration.ofSeconds(1));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(PARALLELISM);
            env.enableCheckpointing(1000, CheckpointingMode.EXACTLY_ONCE);
            ShedPolicy policy = shedding
                    ? ShedPolicy.none().withChannel(Channel.VOICE,
                            ChannelPolicy.shed(VOICE_SLO, Duration.ofSeconds(1), Priority.LOW, Priority.NORMAL))
                            .withHotKey(HotKeyPolicy.disabled())
                    : ShedPolicy.none();
            Pipeline pipeline = Pipeline.defaults().withShedPolicy(policy)
                    .withProcessor(HttpEventProcessor.forBaseUri(service.baseUri(), Duration.ofSeconds(10), "v1"))
                    .withProcessing(ProcessingConfig.defaults().withMaxInFlight(MAX_IN_FLIGHT));
            ExactlyOnceKafkaSinks kafka =
                    new ExactlyOnceKafkaSinks(KAFKA.bootstrapServers(), prefix, Duration.ofMinutes(5));
            FloodgateJob.defineWorkflow(env,
                    InteractionLogSource.unbounded(KAFKA.bootstrapServers(), input, prefix, "earliest",
                            Duration.ofDays(1)),
                    new JobSinks(kafka.processed(prefix + ".processed"), kafka.shed(prefix + ".shed"),
                            kafka.deadLetters(prefix + ".dlq", "all"), null),
                    pipeline);
            JobClient job = env.executeAsync("flood-" + run);
            FlinkRest rest = new FlinkRest(client.getWebInterfaceURL());
            String jobId = job.getJobID().toString();

            Flood flood = new Flood();
            flood.generator = new FloodGenerator(KAFKA.bootstrapServers(), input,
                    new Profile(300, VOICE_SHARE, 0.1, 0.1, 0.002, 0, 0, 0), 11);
            Thread producer = new Thread(() -> flood.generator.run(
                    List.of(new Phase("flood", 3 * CAPACITY, floodTime)), p -> {}), "flood-producer");
            long checkpointsBefore = awaitRunning(rest, jobId);
            producer.start();
            while (producer.isAlive()) {
                sampleBackpressure(rest, jobId, flood);
                producer.join(500);
            }
            flood.checkpointsDuringFlood = rest.completedCheckpoints(jobId) - checkpointsBefore;
            if (drain) {
                awaitAccounted(prefix, flood);
            } else {
                Thread.sleep(2000);
            }
            job.cancel().get(1, TimeUnit.MINUTES);
            read(prefix, flood);
            LOG.info("flood {}: {} valid sent, {} processed, {} shed, {} dead letters, p99 high age {} ms, "
                    + "max source backpressure {}, max process busy {}, {} checkpoints during the flood", run,
                    flood.generator.sentValid().size(), flood.processed.size(), flood.shed.size(),
                    flood.deadLetters.size(), flood.p99HighAgeMillis, flood.maxSourceBackpressure,
                    flood.maxProcessBusy, flood.checkpointsDuringFlood);
            return flood;
        }
    }

    private static long awaitRunning(FlinkRest rest, String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!"RUNNING".equals(rest.get("/jobs/" + jobId).path("state").asText())
                || !allVerticesRunning(rest.get("/jobs/" + jobId))) {
            assertThat(System.nanoTime()).as("job running within 60 s").isLessThan(deadline);
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

    private static void sampleBackpressure(FlinkRest rest, String jobId, Flood flood) throws Exception {
        for (JsonNode v : rest.get("/jobs/" + jobId).path("vertices")) {
            String name = v.path("name").asText();
            JsonNode bp = rest.get("/jobs/" + jobId + "/vertices/" + v.path("id").asText() + "/backpressure");
            for (JsonNode s : bp.path("subtasks")) {
                if (name.startsWith("Source: interaction log")) {
                    flood.maxSourceBackpressure = Math.max(flood.maxSourceBackpressure, s.path("ratio").asDouble());
                } else if (name.contains("process (")) {
                    flood.maxProcessBusy = Math.max(flood.maxProcessBusy, s.path("busyRatio").asDouble());
                }
            }
        }
    }

    private void awaitAccounted(String prefix, Flood flood) throws Exception {
        int expected = flood.generator.sentValid().size();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (KafkaIO.readCommitted(KAFKA.bootstrapServers(), prefix + ".processed").size()
                + KafkaIO.readCommitted(KAFKA.bootstrapServers(), prefix + ".shed").size() < expected) {
            assertThat(System.nanoTime()).as("all events processed or shed within 3 minutes").isLessThan(deadline);
            Thread.sleep(1000);
        }
    }

    private void read(String prefix, Flood flood) throws Exception {
        List<Long> highAges = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(KAFKA.bootstrapServers(), prefix + ".processed")) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            flood.processed.add(p);
            if (p.priority == Priority.HIGH) {
                highAges.add(p.ageMillis());
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(KAFKA.bootstrapServers(), prefix + ".shed")) {
            flood.shed.add(InteractionCodec.parse(new RawRecord(r.key(), r.value(), r.topic(), r.partition(),
                    r.offset(), r.timestamp()), Integer.MAX_VALUE));
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(KAFKA.bootstrapServers(), prefix + ".dlq")) {
            flood.deadLetters.add(OutputCodec.readDeadLetter(r.value()));
        }
        Collections.sort(highAges);
        flood.p99HighAgeMillis = highAges.isEmpty() ? 0 : highAges.get((int) Math.ceil(0.99 * highAges.size()) - 1);
    }

    private static final class Flood {
        FloodGenerator generator;
        final List<ProcessedEvent> processed = new ArrayList<>();
        final List<Interaction> shed = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        double maxSourceBackpressure;
        double maxProcessBusy;
        long checkpointsDuringFlood;
        long p99HighAgeMillis;
    }
}
