package dev.floodgate.job.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.operators.process.ProcessEvents;
import dev.floodgate.sources.CommittedRecords;
import dev.floodgate.sources.TopicScan;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code reconcile} on a real broker, over topics written record by record so each case is exact: a
 * processing dead letter is reported as not processed with its own exit status (4), not as
 * accounted for; two different events sharing an event id fail (exit 1) where a redelivery of the
 * same event does not; missing (named by the second pass over the input), duplicated, shed and not
 * drained, a processed record that disagrees with its event, and an invalid record with no dead
 * letter are each counted and named; a topic that stops advancing fails after the idle time.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReconcileITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BYTES = 1 << 20;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @Test
    void aProcessingDeadLetterIsNotProcessedAndHasItsOwnExitStatus() throws Exception {
        Case c = new Case("dl");
        List<Interaction> events = c.events(10);
        c.input(events);
        c.input(List.of(events.get(0))); // a redelivery: the same event again
        ConsumerRecord<byte[], byte[]> poison = c.poison(1);
        c.processed(Lane.LIVE, events.subList(1, 10));
        c.deadLetters(
                List.of(
                        ProcessEvents.deadLetter(
                                events.get(0), new IllegalStateException("service said 500"), 1),
                        DeadLetter.of(raw(poison), DeadLetterReason.BAD_JSON, "not json", 1)));

        ToolRun run = c.reconcile("--json");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(Tools.NOT_PROCESSED);
        JsonNode r = JSON.readTree(run.out());
        assertThat(r.path("passed").asBoolean()).isFalse();
        assertThat(r.path("verdict").asText()).isEqualTo("not_processed");
        assertThat(r.path("valid").asInt()).isEqualTo(10);
        assertThat(r.path("redeliveries").asInt()).isEqualTo(1);
        assertThat(r.path("processed_once").asInt()).isEqualTo(9);
        assertThat(r.path("dead_lettered").asInt()).isEqualTo(1);
        assertThat(r.path("first_dead_lettered").get(0).asText()).isEqualTo(events.get(0).eventId);
        assertThat(r.path("missing").asInt()).isZero();
        assertThat(r.path("invalid").asInt()).isEqualTo(1);
        assertThat(r.path("invalid_not_dead_lettered").asInt()).isZero();
        assertThat(run.err()).contains("reconcile: read " + c.in + ": 12 records");

        ToolRun text = c.reconcile();
        assertThat(text.status()).isEqualTo(Tools.NOT_PROCESSED);
        assertThat(text.out())
                .contains("reconcile: NOT PROCESSED")
                .contains("not processed: dead letters (processing) 1 [" + events.get(0).eventId);
    }

    @Test
    void twoDifferentEventsSharingAnEventIdFail() throws Exception {
        Case c = new Case("shared");
        List<Interaction> events = c.events(4);
        Interaction other = InteractionRecords.event("c-other", 1, Channel.VOICE, Priority.HIGH, 5);
        other.eventId = events.get(2).eventId;
        c.input(events);
        c.input(List.of(other));
        c.processed(Lane.LIVE, events); // one result for the shared id: one of the two is lost

        ToolRun run = c.reconcile("--json");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(Tools.FAILED);
        JsonNode r = JSON.readTree(run.out());
        assertThat(r.path("verdict").asText()).isEqualTo("failed");
        assertThat(r.path("id_shared").asInt()).isEqualTo(1);
        assertThat(r.path("first_id_shared").get(0).asText()).isEqualTo(other.eventId);
        assertThat(r.path("processed_once").asInt()).isEqualTo(3);
        assertThat(r.path("redeliveries").asInt()).isZero();
        assertThat(r.path("duplicated").asInt()).isZero();
        assertThat(r.path("mismatched").asInt()).as("counted as shared, not twice").isZero();
    }

    @Test
    void everyOtherKindOfProblemIsCountedAndNamed() throws Exception {
        Case c = new Case("kinds");
        List<Interaction> events = c.events(30);
        c.input(events);
        ConsumerRecord<byte[], byte[]> poison = c.poison(7);
        Interaction missing = events.get(3);
        Interaction shed = events.get(4);
        Interaction duplicated = events.get(5);
        Interaction mismatched = events.get(6);
        List<Interaction> processed = new ArrayList<>(events);
        processed.removeAll(List.of(missing, shed, mismatched));
        c.processed(Lane.LIVE, processed);
        c.processed(Lane.BACKFILL, List.of(duplicated));
        c.processed(Lane.REPLAY, List.of(missing)); // a lane not counted
        Interaction wrong = mismatched.copy();
        wrong.seq = mismatched.seq + 100;
        c.processed(Lane.LIVE, List.of(wrong));
        Interaction foreign = InteractionRecords.event("c-x", 1, Channel.CHAT, Priority.LOW, 1);
        c.processed(Lane.LIVE, List.of(foreign));
        KafkaIO.produce(KAFKA.bootstrapServers(), List.of(InteractionRecords.record(c.shed, shed)));

        ToolRun run = c.reconcile("--json");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(Tools.FAILED);
        JsonNode r = JSON.readTree(run.out());
        assertThat(r.path("valid").asInt()).isEqualTo(30);
        assertThat(r.path("processed_once").asInt()).isEqualTo(26);
        assertThat(r.path("processed_by_lane").path("live").asInt()).isEqualTo(29);
        assertThat(r.path("processed_by_lane").path("backfill").asInt()).isEqualTo(1);
        assertThat(r.path("processed_by_lane").has("replay")).isFalse();
        assertThat(ids(r, "first_missing"))
                .containsExactlyInAnyOrder(missing.eventId, shed.eventId);
        assertThat(r.path("missing").asInt()).isEqualTo(2);
        assertThat(r.path("shed_not_drained").asInt()).isEqualTo(1);
        assertThat(ids(r, "first_shed_not_drained")).containsExactly(shed.eventId);
        assertThat(ids(r, "first_duplicated")).containsExactly(duplicated.eventId);
        assertThat(ids(r, "first_mismatched")).containsExactly(mismatched.eventId);
        assertThat(ids(r, "first_not_in_input")).containsExactly(foreign.eventId);
        assertThat(ids(r, "first_invalid_not_dead_lettered"))
                .containsExactly(c.in + "-" + poison.partition() + "@" + poison.offset());
        assertThat(r.path("dead_lettered").asInt()).isZero();
    }

    @Test
    void aTopicThatStopsAdvancingFailsAfterTheIdleTimeNotBefore() throws Exception {
        Case c = new Case("idle");
        c.input(c.events(3));
        Map<Integer, Long> beyondTheEnd = Map.of(0, 1_000L, 1, 0L);
        long t0 = System.nanoTime();
        try (TopicScan scan =
                TopicScan.open(
                        CommittedRecords.clientProperties(KAFKA.bootstrapServers()),
                        c.in,
                        beyondTheEnd)) {
            assertThatThrownBy(
                            () ->
                                    scan.forEach(
                                            r -> true, Duration.ofSeconds(2), (t, a, b, d) -> {}))
                    .isInstanceOf(TopicScan.Stalled.class)
                    .hasMessageContaining("no progress reading " + c.in + " for 2 s");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
                .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    private static List<String> ids(JsonNode r, String field) {
        List<String> out = new ArrayList<>();
        r.path(field).forEach(n -> out.add(n.asText()));
        return out;
    }

    private static RawRecord raw(ConsumerRecord<byte[], byte[]> r) {
        return new RawRecord(
                r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp());
    }

    /** One case's four topics, two partitions each. */
    private static final class Case {
        final String in;
        final String processed;
        final String shed;
        final String dlq;

        Case(String name) throws Exception {
            in = name + ".in";
            processed = name + ".processed";
            shed = name + ".shed";
            dlq = name + ".dlq";
            Topics.create(
                    KAFKA.bootstrapServers(), 2, Duration.ofDays(1), in, processed, shed, dlq);
        }

        List<Interaction> events(int n) {
            List<Interaction> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(
                        InteractionRecords.event(
                                "c-" + (i % 3),
                                1 + i / 3,
                                Channel.CHAT,
                                Priority.NORMAL,
                                1_000 + i));
            }
            return out;
        }

        void input(List<Interaction> events) {
            KafkaIO.produce(
                    KAFKA.bootstrapServers(),
                    events.stream().map(e -> InteractionRecords.record(in, e)).toList());
        }

        /** Writes one poison record and returns it as read back, with its position. */
        ConsumerRecord<byte[], byte[]> poison(int n) {
            KafkaIO.produce(
                    KAFKA.bootstrapServers(),
                    List.of(
                            InteractionRecords.poison(
                                    in, DeadLetterReason.BAD_JSON, n, MAX_BYTES)));
            return KafkaIO.readCommitted(KAFKA.bootstrapServers(), in).stream()
                    .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("poison-" + n))
                    .findFirst()
                    .orElseThrow();
        }

        void processed(Lane lane, List<Interaction> events) {
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (Interaction e : events) {
                records.add(
                        new ProducerRecord<>(
                                processed,
                                e.customerId.getBytes(StandardCharsets.UTF_8),
                                OutputCodec.write(ProcessedEvent.of(e, lane, "ok", "test/1", 2))));
            }
            KafkaIO.produce(KAFKA.bootstrapServers(), records);
        }

        void deadLetters(List<DeadLetter> letters) {
            KafkaIO.produce(
                    KAFKA.bootstrapServers(),
                    letters.stream()
                            .map(
                                    d ->
                                            new ProducerRecord<byte[], byte[]>(
                                                    dlq, d.key, OutputCodec.write(d)))
                            .toList());
        }

        ToolRun reconcile(String... more) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "reconcile",
                                    "--bootstrap-servers",
                                    KAFKA.bootstrapServers(),
                                    "--input-topic",
                                    in,
                                    "--processed-topic",
                                    processed,
                                    "--shed-topic",
                                    shed,
                                    "--dlq-topic",
                                    dlq));
            args.addAll(List.of(more));
            return ToolRun.of(args.toArray(String[]::new));
        }
    }
}
