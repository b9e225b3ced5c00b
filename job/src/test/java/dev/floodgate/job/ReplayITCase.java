package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live job with a wrong processor version processes N events; savepoint S; M more events; then
 * the replay from S with the corrected processor, submitted the way a cluster does it ({@code
 * execution.state-recovery.path}, unclaimed live state ignored). The replay lane holds exactly the
 * events after S, in per-customer order, once each: the M new events, the event the live job held
 * for a gap at S (restored ordering state), and the event still held when the replay's input ends
 * (released at end of input, not lost).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReplayITCase {
    private static final int CUSTOMERS = 40;
    private static final String LATE_PARTITION_CUSTOMER = "p4";

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @TempDir Path savepoints;

    @Test
    void replayFromASavepointReprocessesExactlyTheEventsAfterItInOrder() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        // Partition 4 of the log stays empty until after S: the savepoint must still record where
        // it stands.
        Topics.create(bootstrap, 5, Duration.ofDays(1), "rp.interactions");
        Topics.create(
                bootstrap, 4, Duration.ofDays(1), "rp.processed", "rp.shed", "rp.dlq", "rp.replay");
        String common =
                "--dry-run true --kafka-plaintext true --bootstrap-servers "
                        + bootstrap
                        + " --input-topic rp.interactions --processed-topic "
                        + "rp.processed --shed-topic rp.shed --dlq-topic rp.dlq --ordering-max-wait 10min --shedding false "
                        + "--checkpoint-interval 500ms --parallelism 2 --processing-timeout 5min";

        // Before S: seqs 1..10 of every customer; "held" sends 1, 2, 4 (4 waits for 3); "orphan"
        // sends 1.
        List<ProducerRecord<byte[], byte[]>> beforeS = new ArrayList<>();
        for (int c = 0; c < CUSTOMERS; c++) {
            beforeS.addAll(events("cust-" + c, LongStream.rangeClosed(1, 10)));
        }
        beforeS.addAll(events("held", LongStream.of(1, 2, 4)));
        beforeS.addAll(events("orphan", LongStream.of(1)));
        KafkaIO.produce(bootstrap, beforeS);

        FloodgateOptions liveOptions =
                FloodgateOptions.fromArgs(
                        (common + " --processor-version v1-wrong").split(" "), JobKind.LIVE);
        JobClient live =
                FloodgateJob.submit(TestEnvironments.withBoundedRestarts(2, 500), liveOptions);
        assertThat(KAFKA.awaitCommitted(beforeS.size() - 1, Duration.ofMinutes(2), "rp.processed"))
                .as("all but held#4")
                .isEqualTo(beforeS.size() - 1);
        String s =
                live.triggerSavepoint(savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);
        assertThat(SavepointPositions.read(s))
                .as("positions in S")
                .hasSize(5)
                .containsEntry(new TopicPartition("rp.interactions", 4), 0L);

        // After S: seqs 11..15; "held" sends 3 and 5; "orphan" sends 3, and 2 never comes.
        List<ProducerRecord<byte[], byte[]>> afterS = new ArrayList<>();
        for (int c = 0; c < CUSTOMERS; c++) {
            afterS.addAll(events("cust-" + c, LongStream.rangeClosed(11, 15)));
        }
        afterS.addAll(events("held", LongStream.of(3, 5)));
        afterS.addAll(events("orphan", LongStream.of(3)));
        afterS.addAll(events(LATE_PARTITION_CUSTOMER, LongStream.rangeClosed(1, 3)));
        KafkaIO.produce(bootstrap, afterS);
        int liveTotal = beforeS.size() + afterS.size() - 1; // orphan#3 waits for 2 (10 min)
        assertThat(KAFKA.awaitCommitted(liveTotal, Duration.ofMinutes(2), "rp.processed"))
                .isEqualTo(liveTotal);
        live.cancel().get(1, TimeUnit.MINUTES);

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, s);
        restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        StreamExecutionEnvironment replay = TestEnvironments.withBoundedRestarts(2, 500, restore);
        BackfillJob.build(
                replay,
                FloodgateOptions.fromArgs(
                        (common
                                        + " --mode replay --replay-topic rp.replay "
                                        + "--processor-version v2 --max-rate 100000")
                                .split(" "),
                        JobKind.BACKFILL));
        replay.execute("replay"); // bounded: finishes by itself

        Map<String, List<Long>> replayed = seqsByCustomer("rp.replay", "passthrough-v2");
        Map<String, List<Long>> expected = new TreeMap<>();
        for (int c = 0; c < CUSTOMERS; c++) {
            expected.put("cust-" + c, LongStream.rangeClosed(11, 15).boxed().toList());
        }
        expected.put("held", List.of(3L, 4L, 5L)); // 4 comes from the savepoint's ordering state
        expected.put("orphan", List.of(3L)); // released when the replay's input ended
        expected.put(LATE_PARTITION_CUSTOMER, List.of(1L, 2L, 3L)); // from the partition empty at S
        assertThat(replayed).isEqualTo(expected);
        assertThat(KafkaIO.readCommitted(bootstrap, "rp.dlq")).isEmpty();
    }

    /**
     * Each customer's events in one partition: its own for the late-partition customer, one of 0..3
     * otherwise.
     */
    private static List<ProducerRecord<byte[], byte[]>> events(String customer, LongStream seqs) {
        int partition =
                customer.equals(LATE_PARTITION_CUSTOMER)
                        ? 4
                        : Math.floorMod(customer.hashCode(), 4);
        return seqs.mapToObj(
                        seq ->
                                InteractionRecords.record(
                                        "rp.interactions",
                                        InteractionRecords.event(
                                                customer,
                                                seq,
                                                Channel.values()[(int) (seq % 3)],
                                                Priority.NORMAL,
                                                System.currentTimeMillis())))
                .map(
                        r ->
                                new ProducerRecord<>(
                                        r.topic(), partition, r.key(), r.value(), r.headers()))
                .collect(Collectors.toList());
    }

    /**
     * Seqs per customer in topic order; every record must be of lane replay and from {@code
     * processor}.
     */
    private static Map<String, List<Long>> seqsByCustomer(String topic, String processor)
            throws IOException {
        Map<String, List<Long>> seqs = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(KAFKA.bootstrapServers(), topic)) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            assertThat(p.lane).as("lane of %s", p).isEqualTo(Lane.REPLAY);
            assertThat(p.processor).as("processor of %s", p).isEqualTo(processor);
            seqs.computeIfAbsent(p.customerId, k -> new ArrayList<>()).add(p.seq);
        }
        return seqs;
    }
}
