package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.testing.FailOnceProcessor;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.operators.process.ProcessingConfig;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.operators.shed.HotKeyPolicy;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ArchiveSink;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live job end to end on a real broker and a MiniCluster: every valid event processed exactly
 * once (read back {@code read_committed}), every poison record a dead letter with the right reason,
 * the archive complete; and the same after a failure injected after the first completed checkpoint,
 * with shedding on: a catch-up a fast service absorbs sheds nothing.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LiveJobITCase {
    private static final int CUSTOMERS = 400;
    private static final int EVENTS = 10_000;
    private static final int POISON_PER_KIND = 3;
    private static final int MAX_RECORD_BYTES = 64 * 1024;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @TempDir Path archive;

    private String run;

    @BeforeEach
    void setUp() {
        FailOnceProcessor.reset();
        run = "t" + System.nanoTime();
    }

    @Test
    void everyValidEventIsProcessedOnceAndEveryPoisonRecordIsADeadLetter() throws Exception {
        Sent sent = produceInput();
        runToCompletion(FailOnceProcessor.never(), ShedPolicy.none());
        assertExactlyOnce(sent);
    }

    @Test
    void exactlyOnceSurvivesAFailureAfterTheFirstCheckpoint() throws Exception {
        Sent sent = produceInput();
        // 1 ms per event until the failure keeps the job reading for seconds: the first checkpoint
        // completes
        // mid-stream, and the failure hits with committed and uncommitted output on both sides of
        // it.
        // Shedding on, every channel's normal and low with a 1 s target: the events are seconds
        // old when read (all produced before the job starts) and older after the restart, yet the
        // service answers at once, so admission sheds none (the rule before, age + predicted wait
        // over the target, shed them by age).
        ChannelPolicy tight =
                ChannelPolicy.shed(
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(1),
                        Priority.LOW,
                        Priority.NORMAL);
        ShedPolicy shedding =
                ShedPolicy.defaults()
                        .withChannel(Channel.VOICE, tight)
                        .withChannel(Channel.IMAGE, tight)
                        .withChannel(Channel.CHAT, tight)
                        .withHotKey(HotKeyPolicy.disabled()); // the test's burst is one
        runToCompletion(FailOnceProcessor.afterFirstCheckpoint(1000), shedding);
        assertThat(FailOnceProcessor.FIRED).as("the injected failure happened").isTrue();
        assertThat(KafkaIO.readCommitted(KAFKA.bootstrapServers(), topic("shed")))
                .as("shed across the failover")
                .isEmpty();
        assertExactlyOnce(sent);
    }

    private void runToCompletion(FailOnceProcessor processor, ShedPolicy shedPolicy)
            throws Exception {
        StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 500);

        ExactlyOnceKafkaSinks kafka =
                new ExactlyOnceKafkaSinks(KAFKA.bootstrapServers(), run, Duration.ofMinutes(5));
        JobSinks sinks =
                new JobSinks(
                        kafka.processed(topic("processed")),
                        kafka.shed(topic("shed")),
                        kafka.deadLetters(topic("dlq"), "all"),
                        ArchiveSink.create(archive.toUri().toString()));
        FloodgateJob.defineWorkflow(
                env,
                InteractionLogSource.toEndOffsets(
                        KAFKA.bootstrapServers(),
                        topic("interactions"),
                        run,
                        "earliest",
                        Duration.ofDays(7)),
                sinks,
                Pipeline.defaults()
                        .withMaxRecordBytes(MAX_RECORD_BYTES)
                        .withShedPolicy(shedPolicy)
                        .withProcessor(processor)
                        // a restart on a loaded machine must not turn in-flight events into timeout
                        // dead letters
                        .withProcessing(
                                ProcessingConfig.defaults()
                                        .withTotalTimeout(Duration.ofMinutes(5))));
        env.execute("live-" + run);
    }

    private Sent produceInput() throws Exception {
        Topics.create(
                KAFKA.bootstrapServers(),
                4,
                Duration.ofDays(7),
                topic("interactions"),
                topic("processed"),
                topic("shed"),
                topic("dlq"));
        Random random = new Random(42);
        Map<String, Long> nextSeq = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, Interaction> valid = new HashMap<>();
        Map<DeadLetterReason, Integer> poison = new EnumMap<>(DeadLetterReason.class);
        int n = 0;
        for (int i = 0; i < EVENTS; i++) {
            String customer = "c" + random.nextInt(CUSTOMERS);
            long seq = nextSeq.merge(customer, 1L, Long::sum);
            Interaction in =
                    InteractionRecords.event(
                            customer,
                            seq,
                            Channel.values()[random.nextInt(3)],
                            Priority.values()[random.nextInt(3)],
                            System.currentTimeMillis());
            valid.put(in.eventId, in);
            records.add(InteractionRecords.record(topic("interactions"), in));
            if (i % 250 == 0) {
                DeadLetterReason kind = poisonKinds().get(n % poisonKinds().size());
                if (poison.getOrDefault(kind, 0) < POISON_PER_KIND) {
                    records.add(
                            InteractionRecords.poison(
                                    topic("interactions"), kind, n, MAX_RECORD_BYTES));
                    poison.merge(kind, 1, Integer::sum);
                }
                n++;
            }
        }
        KafkaIO.produce(KAFKA.bootstrapServers(), records);
        return new Sent(valid, poison);
    }

    private void assertExactlyOnce(Sent sent) throws IOException {
        List<ProcessedEvent> processed = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(KAFKA.bootstrapServers(), topic("processed"))) {
            processed.add(OutputCodec.readProcessed(r.value()));
        }
        List<DeadLetter> dead = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(KAFKA.bootstrapServers(), topic("dlq"))) {
            dead.add(OutputCodec.readDeadLetter(r.value()));
        }
        assertThat(processed)
                .as(
                        "processed; dead letters: %s",
                        dead.stream()
                                .filter(d -> d.reason == DeadLetterReason.PROCESSING_FAILED)
                                .limit(3)
                                .toList())
                .hasSize(sent.valid.size());
        assertThat(processed.stream().map(p -> p.eventId).collect(Collectors.toSet()))
                .isEqualTo(sent.valid.keySet());
        Map<String, List<Long>> seqsByCustomer =
                processed.stream()
                        .collect(
                                Collectors.groupingBy(
                                        p -> p.customerId,
                                        Collectors.mapping(p -> p.seq, Collectors.toList())));
        seqsByCustomer.forEach(
                (customer, seqs) -> assertThat(seqs).as("order of %s", customer).isSorted());

        Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
        dead.forEach(d -> reasons.merge(d.reason, 1, Integer::sum));
        assertThat(reasons).isEqualTo(sent.poison);
        assertThat(dead)
                .allSatisfy(
                        d -> {
                            assertThat(d.topic).isEqualTo(topic("interactions"));
                            assertThat(d.value).isNotNull();
                            assertThat(d.error).isNotBlank();
                        });
        assertThat(dead.stream().map(d -> d.partition + "@" + d.offset).distinct())
                .hasSize(dead.size());

        assertThat(archivedEventIds())
                .hasSize(sent.valid.size())
                .containsExactlyInAnyOrderElementsOf(sent.valid.keySet());
    }

    private List<String> archivedEventIds() throws IOException {
        try (Stream<Path> files = Files.walk(archive)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .flatMap(
                            f -> {
                                try {
                                    return Files.readAllLines(f).stream();
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                    .map(line -> line.replaceAll(".*\"event_id\":\"([^\"]+)\".*", "$1"))
                    .collect(Collectors.toList());
        }
    }

    private static List<DeadLetterReason> poisonKinds() {
        return Stream.of(DeadLetterReason.values())
                .filter(r -> r != DeadLetterReason.PROCESSING_FAILED)
                .collect(Collectors.toList());
    }

    private String topic(String name) {
        return run + "." + name;
    }

    private record Sent(Map<String, Interaction> valid, Map<DeadLetterReason, Integer> poison) {}
}
