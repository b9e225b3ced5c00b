package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateways write one customer's events: out of order (neighbours swapped, short runs shuffled)
 * and some of them twice. The live job restores each customer's order and drops the redeliveries:
 * the processed topic, read {@code read_committed}, holds every event once, in seq order per
 * customer.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OrderingITCase {
    private static final int CUSTOMERS = 150;
    private static final int EVENTS_PER_CUSTOMER = 20;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @Test
    void outOfOrderAndRedeliveredEventsComeOutInOrderExactlyOnce() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        Topics.create(
                bootstrap,
                4,
                Duration.ofDays(1),
                "o.interactions",
                "o.processed",
                "o.shed",
                "o.dlq");
        Random random = new Random(5);
        Map<String, List<Interaction>> byCustomer = new LinkedHashMap<>();
        List<ProducerRecord<byte[], byte[]>> gatewayA = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> gatewayB = new ArrayList<>();
        int duplicates = 0;
        for (int c = 0; c < CUSTOMERS; c++) {
            String customer = "cust-" + c;
            List<Interaction> events = new ArrayList<>();
            for (long seq = 1; seq <= EVENTS_PER_CUSTOMER; seq++) {
                events.add(
                        InteractionRecords.event(
                                customer,
                                seq,
                                Channel.values()[random.nextInt(3)],
                                Priority.NORMAL,
                                System.currentTimeMillis()));
            }
            byCustomer.put(customer, events);
            List<Interaction> arrival = new ArrayList<>(events);
            for (int i = 0; i + 3 <= arrival.size(); i += 3) {
                Collections.shuffle(
                        arrival.subList(i, i + 3), random); // short runs arrive shuffled
            }
            for (Interaction in : arrival) {
                // each event goes through one gateway; about 10% are redelivered by the other one
                // later
                (random.nextBoolean() ? gatewayA : gatewayB)
                        .add(InteractionRecords.record("o.interactions", in));
                if (random.nextDouble() < 0.1) {
                    (random.nextBoolean() ? gatewayA : gatewayB)
                            .add(InteractionRecords.record("o.interactions", in));
                    duplicates++;
                }
            }
        }
        assertThat(duplicates).isPositive();
        Thread a = new Thread(() -> KafkaIO.produce(bootstrap, gatewayA));
        Thread b = new Thread(() -> KafkaIO.produce(bootstrap, gatewayB));
        a.start();
        b.start();
        a.join();
        b.join();

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        ExactlyOnceKafkaSinks sinks =
                new ExactlyOnceKafkaSinks(bootstrap, "ordering", Duration.ofMinutes(5));
        FloodgateJob.defineWorkflow(
                env,
                InteractionLogSource.toEndOffsets(
                        bootstrap, "o.interactions", "ordering", "earliest", Duration.ofDays(1)),
                new JobSinks(
                        sinks.processed("o.processed"),
                        sinks.shed("o.shed"),
                        sinks.deadLetters("o.dlq", "all"),
                        null),
                Pipeline.defaults().withShedPolicy(ShedPolicy.none()));
        env.execute("ordering");

        Map<String, List<Long>> seqs = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(bootstrap, "o.processed")) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            seqs.computeIfAbsent(p.customerId, k -> new ArrayList<>()).add(p.seq);
        }
        List<Long> expected =
                LongStream.rangeClosed(1, EVENTS_PER_CUSTOMER).boxed().collect(Collectors.toList());
        assertThat(seqs).hasSize(CUSTOMERS);
        seqs.forEach(
                (customer, got) -> assertThat(got).as("seqs of %s", customer).isEqualTo(expected));
        assertThat(KafkaIO.readCommitted(bootstrap, "o.dlq")).isEmpty();
    }
}
