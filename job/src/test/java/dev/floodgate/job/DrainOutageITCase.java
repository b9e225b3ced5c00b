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
 * to the dead letters: an outage is backlog, not poison.
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
}
