package dev.floodgate.job.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.job.FloodgateJob;
import dev.floodgate.job.JobSinks;
import dev.floodgate.job.Pipeline;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.model.Channel;
import dev.floodgate.model.CustomerNames;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.ordering.OrderingConfig;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tools against a real savepoint of the live job: one customer's seq 2 never arrives (1, 3, 4
 * do, with a ten-minute gap wait), so the savepoint holds 3 and 4 in the ordering state. {@code
 * savepoint inspect} must report the source's positions (every record consumed), the customers, the
 * two held events and the oldest of them; {@code reconcile} must fail (exit 1) while they are held,
 * and pass (exit 0) once the live job, restored from the savepoint, gets seq 2 and releases them.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ToolsITCase {
    private static final int PARTITIONS = 4;
    private static final String GAP_CUSTOMER = "c-gap";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @TempDir Path savepoints;

    @Test
    void inspectReportsPositionsAndHeldEventsAndReconcileFailsUntilTheGapFills() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        Topics.create(
                bootstrap,
                PARTITIONS,
                Duration.ofDays(1),
                "t.interactions",
                "t.processed",
                "t.shed",
                "t.dlq");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        // occurred_at follows seq, as a producer's events do (the ordering takes an event that
        // occurred before a customer's first one for an earlier sequence's); seq 2 is sent later
        Interaction gap2 = null;
        for (long seq = 1; seq <= 4; seq++) {
            Interaction e = event(GAP_CUSTOMER, seq);
            e.occurredAt = 1_700_000_000_000L + seq;
            if (seq == 2) {
                gap2 = e;
            } else {
                records.add(InteractionRecords.record("t.interactions", e));
            }
        }
        for (int c = 0; c < 6; c++) {
            for (long seq = 1; seq <= 3; seq++) {
                records.add(InteractionRecords.record("t.interactions", event("c-" + c, seq)));
            }
        }
        // The last record of every partition: once each is processed, the source has read every
        // partition to
        // its end, so the savepoint's positions are the end offsets and the held events are in the
        // state.
        for (int p = 0; p < PARTITIONS; p++) {
            Interaction tail = event("tail-" + p, 1);
            records.add(
                    new ProducerRecord<>(
                            "t.interactions",
                            p,
                            tail.customerId.getBytes(StandardCharsets.UTF_8),
                            InteractionRecords.record("t.interactions", tail).value()));
        }
        KafkaIO.produce(bootstrap, records);
        int customers = 1 + 6 + PARTITIONS;
        int processedBeforeGap = 1 + 6 * 3 + PARTITIONS;

        JobClient live = startLiveJob(null);
        KAFKA.awaitCommitted(processedBeforeGap, Duration.ofMinutes(2), "t.processed");
        // Not drained: a drained stop ends the input, and the ordering releases what it holds.
        String savepoint =
                live.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);

        // What the live job consumed: every record, so each partition's position is its end offset.
        Map<Integer, Long> consumed = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(bootstrap, "t.interactions")) {
            consumed.merge(r.partition(), r.offset() + 1, Math::max);
        }
        List<ConsumerRecord<byte[], byte[]>> held =
                KafkaIO.readCommitted(bootstrap, "t.interactions").stream()
                        .filter(
                                r ->
                                        new String(r.key(), StandardCharsets.UTF_8)
                                                .equals(GAP_CUSTOMER))
                        .toList()
                        .subList(1, 3);

        SavepointInspection inspection =
                SavepointInspection.read(savepoint, Duration.ofDays(7), 10);
        Map<Integer, Long> positions = new TreeMap<>();
        inspection
                .positions()
                .forEach(
                        (tp, offset) -> {
                            assertThat(tp.topic()).isEqualTo("t.interactions");
                            positions.put(tp.partition(), offset);
                        });
        assertThat(positions).isEqualTo(consumed).hasSize(PARTITIONS);
        assertThat(inspection.customers()).isEqualTo(customers);
        assertThat(inspection.bufferedEvents()).isEqualTo(2);
        assertThat(inspection.customersWaiting()).isEqualTo(1);
        assertThat(inspection.oldestBuffered().customerId).isEqualTo(GAP_CUSTOMER);
        assertThat(inspection.oldestBuffered().seq).isEqualTo(3);
        assertThat(inspection.oldestBuffered().sourceOffset).isEqualTo(held.get(0).offset());
        assertThat(inspection.oldestBuffered().logTimestamp).isEqualTo(held.get(0).timestamp());
        assertThat(inspection.longestWaiting())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.customerId).isEqualTo(GAP_CUSTOMER);
                            assertThat(c.nextSeq).isEqualTo(2L);
                            assertThat(c.buffered).isEqualTo(2);
                        });
        assertThat(inspection.render(Instant.now()))
                .as("customers are pseudonyms unless --log-customer-ids")
                .doesNotContain(GAP_CUSTOMER);
        assertThat(inspection.render(Instant.now(), CustomerNames.plainIds()))
                .contains(
                        "customers                    11",
                        "buffered events (held)       2",
                        "customer c-gap seq 3");

        // The same through the command line, as a script would use it.
        ToolRun json =
                ToolRun.of("savepoint", "inspect", savepoint, "--json", "--log-customer-ids");
        assertThat(json.status()).as(json.err()).isEqualTo(Tools.OK);
        JsonNode report = JSON.readTree(json.out());
        assertThat(report.path("customers").asLong()).isEqualTo(customers);
        assertThat(report.path("buffered_events").asLong()).isEqualTo(2);
        assertThat(report.path("positions")).hasSize(PARTITIONS);
        assertThat(report.path("oldest_buffered").path("customer_id").asText())
                .isEqualTo(GAP_CUSTOMER);
        ToolRun masked = ToolRun.of("savepoint", "inspect", savepoint, "--json");
        assertThat(masked.status()).as(masked.err()).isEqualTo(Tools.OK);
        assertThat(masked.out()).doesNotContain(GAP_CUSTOMER).contains("customer_pseudonym");
        assertThat(report.path("oldest_buffered").path("logged_at").asText())
                .isEqualTo(Instant.ofEpochMilli(held.get(0).timestamp()).toString());

        ToolRun notASavepoint =
                ToolRun.of("savepoint", "inspect", savepoints.resolve("nothing-here").toString());
        assertThat(notASavepoint.status()).isEqualTo(Tools.UNREADABLE);
        assertThat(notASavepoint.err()).contains("cannot read", "as a savepoint of the live job");

        // Seq 3 and 4 wait in the savepoint: not processed, so reconcile fails.
        ToolRun failing =
                ToolRun.of(
                        "reconcile",
                        "--bootstrap-servers",
                        bootstrap,
                        "--input-topic",
                        "t.interactions",
                        "--processed-topic",
                        "t.processed",
                        "--shed-topic",
                        "t.shed",
                        "--dlq-topic",
                        "t.dlq",
                        "--json");
        assertThat(failing.status()).as(failing.out() + failing.err()).isEqualTo(Tools.FAILED);
        assertThat(JSON.readTree(failing.out()).path("missing").asInt()).isEqualTo(2);
        ToolRun noSuchTopic =
                ToolRun.of(
                        "reconcile", "--bootstrap-servers", bootstrap, "--input-topic", "t.nope");
        assertThat(noSuchTopic.status()).isEqualTo(Tools.UNREADABLE);
        assertThat(noSuchTopic.err()).contains("no such topic", "t.nope");

        // The live job resumes from the savepoint; seq 2 arrives and releases 3 and 4: reconcile
        // passes.
        KafkaIO.produce(bootstrap, List.of(InteractionRecords.record("t.interactions", gap2)));
        JobClient resumed = startLiveJob(savepoint);
        KAFKA.awaitCommitted(processedBeforeGap + 3, Duration.ofMinutes(2), "t.processed");
        resumed.cancel().get(1, TimeUnit.MINUTES);
        ToolRun passing =
                ToolRun.of(
                        "reconcile",
                        "--bootstrap-servers",
                        bootstrap,
                        "--input-topic",
                        "t.interactions",
                        "--processed-topic",
                        "t.processed",
                        "--shed-topic",
                        "t.shed",
                        "--dlq-topic",
                        "t.dlq",
                        "--lanes",
                        "live");
        assertThat(passing.status()).as(passing.out() + passing.err()).isEqualTo(Tools.OK);
        assertThat(passing.out()).contains("reconcile: PASSED");
    }

    /** The live job with a gap wait far longer than the test, so held events stay held. */
    private static JobClient startLiveJob(String fromSavepoint) throws Exception {
        Configuration restore = new Configuration();
        if (fromSavepoint != null) {
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, fromSavepoint);
        }
        StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 500, restore);
        String bootstrap = KAFKA.bootstrapServers();
        ExactlyOnceKafkaSinks sinks =
                new ExactlyOnceKafkaSinks(bootstrap, "tools-live", Duration.ofMinutes(5));
        FloodgateJob.defineWorkflow(
                env,
                InteractionLogSource.unbounded(
                        bootstrap, "t.interactions", "tools-live", "earliest", Duration.ofDays(1)),
                new JobSinks(
                        sinks.processed("t.processed"),
                        sinks.shed("t.shed"),
                        sinks.deadLetters("t.dlq", "all"),
                        null),
                Pipeline.defaults()
                        .withShedPolicy(ShedPolicy.none())
                        .withOrdering(
                                OrderingConfig.defaults()
                                        .withMaxWait(Duration.ofMinutes(10))
                                        .withStateTtl(Duration.ofDays(7))));
        return env.executeAsync("tools-live");
    }

    private static Interaction event(String customer, long seq) {
        return InteractionRecords.event(
                customer, seq, Channel.CHAT, Priority.NORMAL, System.currentTimeMillis());
    }
}
