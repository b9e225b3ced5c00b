package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.ProcessingConfig;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sinks.ShedRecordSerializer;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A drain while the processing service is down: every call still fails after its retries, and each
 * event goes back to the shed lane (reason {@code service_unavailable}) for the next drain, never
 * to the dead letters: an outage is backlog, not poison. A service that says "not now" (429) is no
 * outage: the drain with {@code --drain-priority-header} against a service that serves by priority
 * waits and calls again, and processes every event exactly once through a 429 storm.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DrainOutageITCase {
    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    /** A service that refuses every call, as one that is down does. */
    static final class Down implements EventProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public String name() {
            return "down/1";
        }

        @Override
        public CompletableFuture<String> process(Interaction event) {
            return CompletableFuture.failedFuture(new IOException("connection refused"));
        }
    }

    @Test
    void aDrainDuringAnOutageShedsAgainAndLosesNothing() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        String run = "outage" + System.nanoTime();
        Topics.create(
                bootstrap, 2, Duration.ofDays(1), run + ".shed", run + ".processed", run + ".dlq");
        Topics.createCompacted(bootstrap, run + ".progress");
        List<ProducerRecord<byte[], byte[]>> shed = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            Interaction e =
                    InteractionRecords.event(
                            "c" + (i % 7), i / 7 + 1, Channel.VOICE, Priority.LOW, 1_000L + i);
            ids.add(e.eventId);
            shed.add(InteractionRecords.record(run + ".shed", e));
        }
        KafkaIO.produce(bootstrap, shed);

        StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 500);
        ExactlyOnceKafkaSinks sinks =
                new ExactlyOnceKafkaSinks(bootstrap, run + "-drain", Duration.ofMinutes(5));
        BackfillJob.defineDrain(
                env,
                InteractionLogSource.toEndOffsets(
                        bootstrap, run + ".shed", run, "earliest", Duration.ofDays(1)),
                sinks.drainOutputs(
                        run + ".processed", run + ".dlq", run + ".shed", run + ".progress", run),
                Pipeline.defaults()
                        .withShedPolicy(ShedPolicy.none())
                        .withProcessor(new Down())
                        .withProcessing(
                                ProcessingConfig.defaults()
                                        .withRetries(
                                                1, Duration.ofMillis(10), Duration.ofMillis(10))),
                1000);
        env.execute("drain during an outage"); // bounded: ends at the offsets found at start

        assertThat(KafkaIO.readCommitted(bootstrap, run + ".processed")).isEmpty();
        assertThat(KafkaIO.readCommitted(bootstrap, run + ".dlq")).as("no dead letters").isEmpty();
        List<ConsumerRecord<byte[], byte[]>> lane = KafkaIO.readCommitted(bootstrap, run + ".shed");
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : lane) {
            var h = r.headers().lastHeader(ShedRecordSerializer.HEADER_SHED_REASON);
            if (h != null) {
                reasons.add(new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        assertThat(lane).hasSize(80); // the 40 read, and the same 40 again for the next drain
        assertThat(reasons).hasSize(40).containsOnly("service_unavailable");
    }

    @Test
    void aDrainWithThePriorityHeaderThroughA429StormProcessesEachEventOnceAndShedsNone()
            throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        String run = "prio" + System.nanoTime();
        Topics.create(
                bootstrap, 2, Duration.ofDays(1), run + ".shed", run + ".processed", run + ".dlq");
        Topics.createCompacted(bootstrap, run + ".progress");
        List<ProducerRecord<byte[], byte[]>> shed = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            Interaction e =
                    InteractionRecords.event(
                            "c" + (i % 9), i / 9 + 1, Channel.VOICE, Priority.NORMAL, 1_000L + i);
            ids.add(e.eventId);
            shed.add(InteractionRecords.record(run + ".shed", e));
        }
        KafkaIO.produce(bootstrap, shed);
        // 2 workers x 20 ms; low-urgency requests beyond 1 waiting are refused (429, Retry-After
        // 1 s), and the first 8 requests are answered 429 (no Retry-After): a storm
        ServiceOptions serviceOptions =
                ServiceOptions.defaults()
                        .channel(Channel.VOICE, 2, Duration.ofMillis(20))
                        .honourPriority()
                        .lowUrgencyQueueLimit(1, Duration.ofSeconds(1));
        try (CapacityLimitedService service = new CapacityLimitedService(serviceOptions).start()) {
            FloodgateOptions options =
                    FloodgateOptions.fromArgs(
                            new String[] {
                                "--bootstrap-servers",
                                bootstrap,
                                "--processor-url",
                                service.baseUri().toString(),
                                "--processor-allow-plaintext",
                                "true",
                                "--kafka-plaintext",
                                "true",
                                "--mode",
                                "drain",
                                "--drain-priority-header",
                                "Priority: u=7",
                                "--yield-max-pause",
                                "1s",
                                "--shed-topic",
                                run + ".shed",
                                "--processed-topic",
                                run + ".processed",
                                "--dlq-topic",
                                run + ".dlq",
                                "--drain-progress-topic",
                                run + ".progress",
                                "--group-id",
                                run,
                                "--transactional-id-prefix",
                                run,
                                "--checkpoint-interval",
                                "500ms",
                                "--parallelism",
                                "2",
                                "--transaction-timeout",
                                "5min"
                            },
                            JobKind.BACKFILL);
            StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 500);
            BackfillJob.build(env, options);
            service.answer(Channel.VOICE, 429, Duration.ofMinutes(2)); // the storm, from the start
            long t0 = System.nanoTime();
            var drain = env.executeAsync("drain with the priority header through a 429 storm");
            // ... for its first 8 calls (both subtasks, with backoffs between)
            while (service.answeredWith(Channel.VOICE, 429) < 8) {
                Thread.sleep(10);
            }
            service.answer(Channel.VOICE, 429, Duration.ZERO);
            drain.getJobExecutionResult().get(2, TimeUnit.MINUTES);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            org.slf4j.LoggerFactory.getLogger(getClass())
                    .info(
                            "drain of 30 through a 429 storm: {} ms, {} calls served, {} answered"
                                    + " 429 by the storm, {} refused 429 for the low-urgency queue",
                            tookMs,
                            service.calls(Channel.VOICE),
                            service.answeredWith(Channel.VOICE, 429),
                            service.lowUrgencyRefused(Channel.VOICE));

            assertThat(service.answeredWith(Channel.VOICE, 429))
                    .as("the storm")
                    .isGreaterThanOrEqualTo(8);
            assertThat(service.calls(Channel.VOICE))
                    .as("each event served once: a 429 is no failure, nothing restarts")
                    .isEqualTo(30);
            assertThat(service.lowUrgencyCalls(Channel.VOICE))
                    .as("every call carried the priority header")
                    .isEqualTo(service.calls(Channel.VOICE));
        }
        List<String> processed = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(bootstrap, run + ".processed")) {
            String v = new String(r.value(), StandardCharsets.UTF_8);
            int at = v.indexOf("\"event_id\":\"") + 12;
            processed.add(v.substring(at, v.indexOf('"', at)));
        }
        assertThat(processed).doesNotHaveDuplicates();
        assertThat(new HashSet<>(processed)).isEqualTo(ids);
        assertThat(KafkaIO.readCommitted(bootstrap, run + ".dlq")).as("no dead letters").isEmpty();
        assertThat(KafkaIO.readCommitted(bootstrap, run + ".shed"))
                .as("nothing shed again: only the 30 read")
                .hasSize(30);
    }
}
