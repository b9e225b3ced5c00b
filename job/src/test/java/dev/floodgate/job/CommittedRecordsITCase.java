package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.sources.CommittedRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CommittedRecords} against a real broker (here, not in sources/: the test kit's broker is
 * built on the sources module). What the reconcile tool counts is what a {@code read_committed}
 * reader sees: plain records and committed transactions, never aborted ones, and an open
 * transaction neither shows nor stalls the read.
 */
class CommittedRecordsITCase {
    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    private static final String TOPIC = "committed-records";

    @BeforeAll
    static void topics() throws Exception {
        Topics.create(KAFKA.bootstrapServers(), 3, Duration.ofDays(1), TOPIC, "empty-topic");
    }

    @Test
    void readsPlainAndCommittedRecordsNeverAbortedOrOpenOnes() throws Exception {
        KafkaIO.produce(
                KAFKA.bootstrapServers(), List.of(record(0, "plain-1"), record(0, "plain-2")));
        try (KafkaProducer<byte[], byte[]> tx = transactional("cr-tx");
                KafkaProducer<byte[], byte[]> open = transactional("cr-open")) {
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(record(1, "committed-1"));
            tx.send(record(1, "committed-2"));
            tx.commitTransaction();
            tx.beginTransaction();
            tx.send(record(1, "aborted-1"));
            tx.send(record(0, "aborted-2"));
            tx.flush();
            tx.abortTransaction();
            tx.beginTransaction();
            tx.send(record(1, "committed-3"));
            tx.commitTransaction();

            // a transaction still open on partition 2 (partition 2 has nothing else)
            open.initTransactions();
            open.beginTransaction();
            open.send(record(2, "open-1"));
            open.flush();

            long t0 = System.nanoTime();
            List<ConsumerRecord<byte[], byte[]>> read =
                    CommittedRecords.readAll(KAFKA.bootstrapServers(), TOPIC);
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .as("the open transaction does not hold the read to its deadline")
                    .isLessThan(Duration.ofSeconds(30));

            assertThat(read.stream().map(r -> r.topic()).distinct()).containsExactly(TOPIC);
            assertThat(values(read, 0)).containsExactly("plain-1", "plain-2");
            assertThat(values(read, 1))
                    .containsExactly("committed-1", "committed-2", "committed-3");
            assertThat(values(read, 2)).isEmpty();
            for (int p = 0; p < 3; p++) {
                int partition = p;
                assertThat(read.stream().filter(r -> r.partition() == partition))
                        .extracting(ConsumerRecord::offset)
                        .as("partition %d in log order", p)
                        .isSorted();
            }
            open.abortTransaction();
        }
    }

    @Test
    void anEmptyTopicReadsAsNothing() {
        assertThat(CommittedRecords.readAll(KAFKA.bootstrapServers(), "empty-topic")).isEmpty();
    }

    @Test
    void missingTopicsAreTheNamesTheClusterDoesNotHaveInTheirOrder() throws Exception {
        assertThat(
                        CommittedRecords.missingTopics(
                                KAFKA.bootstrapServers(),
                                Duration.ofSeconds(10),
                                List.of("not-there-b", TOPIC, "not-there-a", "empty-topic")))
                .containsExactly("not-there-b", "not-there-a");
        assertThat(
                        CommittedRecords.missingTopics(
                                KAFKA.bootstrapServers(), Duration.ofSeconds(10), List.of(TOPIC)))
                .isEmpty();
    }

    private static ProducerRecord<byte[], byte[]> record(int partition, String value) {
        return new ProducerRecord<>(
                TOPIC,
                partition,
                ("k-" + value).getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> read, int partition) {
        return read.stream()
                .filter(r -> r.partition() == partition)
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList();
    }

    private static KafkaProducer<byte[], byte[]> transactional(String id) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
