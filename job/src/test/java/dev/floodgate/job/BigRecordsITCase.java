package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.contract.RecordLimits;
import dev.floodgate.job.testing.ShedEvery;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16, section 2, end to end at the default limits: the live job with its real Kafka sinks on
 * a real broker, restarts disabled (any sink failure fails the test), reads a 1.1 MB record, a 900
 * KB malformed one, emoji-heavy events of 400 KB and of the largest valid size through the shed
 * lane and the processing dead-letter path, and an event the service answers with 10 MB. Every
 * input record is then found, {@code read_committed}, in exactly one output: processed, shed whole,
 * or a dead letter that carries it whole or, when it does not fit, a prefix with its length,
 * SHA-256 and position.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BigRecordsITCase {
    private static final int MAX = RecordLimits.DEFAULT_MAX_RECORD_BYTES;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            dev.floodgate.job.testing.TestEnvironments.miniCluster();

    private static HttpServer service;
    private static final AtomicInteger HUGE_ANSWERS = new AtomicInteger();

    @BeforeAll
    static void startService() throws IOException {
        service = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        service.setExecutor(Executors.newFixedThreadPool(4));
        service.createContext("/chat", BigRecordsITCase::answer);
        service.start();
    }

    @AfterAll
    static void stopService() {
        service.stop(0);
    }

    /** REJECT: 400 (a permanent failure); HUGE: 10 MB of result; else a short result. */
    private static void answer(HttpExchange exchange) throws IOException {
        String request =
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try (exchange) {
            if (request.contains("REJECT")) {
                byte[] no = "rejected".getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(400, no.length);
                exchange.getResponseBody().write(no);
            } else if (request.contains("HUGE")) {
                HUGE_ANSWERS.incrementAndGet();
                exchange.sendResponseHeaders(200, 0);
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'r');
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int n = 0; n < 10_000_000; n += chunk.length) {
                        out.write(chunk);
                    }
                }
            } else {
                byte[] ok = "ok".getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
            }
        } catch (IOException e) {
            // the job stopped reading a 10 MB answer: expected
        }
    }

    /** What each input record must become. */
    private enum Expect {
        PROCESSED,
        SHED,
        DEAD_WHOLE,
        DEAD_TRUNCATED
    }

    private record Input(String customer, byte[] value, Expect expect, DeadLetterReason reason) {}

    @Test
    void noRecordAndNoResponseFailsASinkAndEachIsAccountedFor() throws Exception {
        String run = "big" + System.nanoTime();
        String in = run + ".interactions";
        Topics.create(
                KAFKA.bootstrapServers(),
                2,
                Duration.ofDays(7),
                in,
                run + ".processed",
                run + ".shed",
                run + ".dlq");

        Random random = new Random(16);
        List<Input> inputs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            inputs.add(valid("small-" + i, Priority.NORMAL, "hello " + i, Expect.PROCESSED));
        }
        inputs.add(
                new Input(
                        "c-oversized",
                        json(
                                "c-oversized",
                                "e-oversized",
                                Priority.NORMAL,
                                emoji(random, 1_100_000)),
                        Expect.DEAD_TRUNCATED,
                        DeadLetterReason.OVERSIZED));
        byte[] garbage = new byte[900_000];
        random.nextBytes(garbage);
        inputs.add(
                new Input(
                        "c-garbage",
                        garbage,
                        Expect.DEAD_TRUNCATED,
                        DeadLetterReason.INVALID_UTF8));
        byte[] notJson = ("not json " + "x".repeat(900_000)).getBytes(StandardCharsets.UTF_8);
        inputs.add(
                new Input("c-notjson", notJson, Expect.DEAD_TRUNCATED, DeadLetterReason.BAD_JSON));
        inputs.add(valid("emoji-shed", Priority.LOW, emoji(random, 400_000), Expect.SHED));
        inputs.add(
                new Input(
                        "emoji-reject",
                        json(
                                "emoji-reject",
                                "e-emoji-reject",
                                Priority.NORMAL,
                                "REJECT " + emoji(random, 400_000)),
                        Expect.DEAD_WHOLE,
                        DeadLetterReason.PROCESSING_FAILED));
        int largest = MAX - 300;
        inputs.add(valid("max-shed", Priority.LOW, emoji(random, largest), Expect.SHED));
        inputs.add(valid("max-processed", Priority.HIGH, emoji(random, largest), Expect.PROCESSED));
        inputs.add(
                new Input(
                        "max-reject",
                        json(
                                "max-reject",
                                "e-max-reject",
                                Priority.NORMAL,
                                "REJECT " + emoji(random, largest)),
                        Expect.DEAD_TRUNCATED,
                        DeadLetterReason.PROCESSING_FAILED));
        inputs.add(
                new Input(
                        "huge-answer",
                        json("huge-answer", "e-huge-answer", Priority.HIGH, "HUGE please"),
                        Expect.DEAD_WHOLE,
                        DeadLetterReason.PROCESSING_FAILED));
        produce(in, inputs);

        StreamExecutionEnvironment env = environment();
        ExactlyOnceKafkaSinks kafka =
                new ExactlyOnceKafkaSinks(KAFKA.bootstrapServers(), run, Duration.ofMinutes(5));
        FloodgateJob.defineWorkflow(
                env,
                InteractionLogSource.toEndOffsets(
                        KAFKA.bootstrapServers(), in, run, "earliest", Duration.ofDays(7)),
                new JobSinks(
                        kafka.processed(run + ".processed"),
                        kafka.shed(run + ".shed"),
                        kafka.deadLetters(run + ".dlq", "all"),
                        null),
                Pipeline.defaults() // the default --max-record-bytes
                        // every low-priority chat event is shed: the shed sink must carry it whole
                        .withShedPolicy(new ShedEvery(Channel.CHAT, Priority.LOW))
                        .withProcessor(
                                HttpEventProcessor.forBaseUri(
                                        URI.create(
                                                "http://127.0.0.1:"
                                                        + service.getAddress().getPort()),
                                        Duration.ofSeconds(30),
                                        "v1")));
        env.execute("big-records-" + run); // restarts are off: a failing sink fails this

        Map<String, ProcessedEvent> processed = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read(run + ".processed")) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            assertThat(processed.put(p.customerId, p)).as("once: %s", p.customerId).isNull();
        }
        Map<String, Interaction> shed = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read(run + ".shed")) {
            Interaction e =
                    InteractionCodec.parse(
                            new RawRecord(r.key(), r.value(), r.topic(), 0, 0, 0), MAX);
            assertThat(shed.put(e.customerId, e)).as("once: %s", e.customerId).isNull();
        }
        Map<String, DeadLetter> dead = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read(run + ".dlq")) {
            DeadLetter d = OutputCodec.readDeadLetter(r.value());
            String customer = new String(d.key, StandardCharsets.UTF_8);
            assertThat(dead.put(customer, d)).as("once: %s", customer).isNull();
        }
        assertThat(processed.size() + shed.size() + dead.size())
                .as("every input in exactly one output")
                .isEqualTo(inputs.size());

        for (Input i : inputs) {
            switch (i.expect) {
                case PROCESSED -> assertThat(processed.get(i.customer).result).isEqualTo("ok");
                case SHED -> {
                    Interaction e = shed.get(i.customer);
                    assertThat(e).as("shed whole: %s", i.customer).isNotNull();
                    assertThat(InteractionCodec.write(e).length)
                            .isLessThanOrEqualTo(i.value.length + 64);
                }
                case DEAD_WHOLE, DEAD_TRUNCATED -> {
                    DeadLetter d = dead.get(i.customer);
                    assertThat(d).as("a dead letter: %s", i.customer).isNotNull();
                    assertThat(d.reason).isEqualTo(i.reason);
                    assertThat(d.valueTruncated)
                            .as("truncated: %s", i.customer)
                            .isEqualTo(i.expect == Expect.DEAD_TRUNCATED);
                    assertThat(d.topic).isEqualTo(in);
                    if (i.reason == DeadLetterReason.PROCESSING_FAILED) {
                        assertThat(d.eventId).isEqualTo("e-" + i.customer);
                    } else {
                        // the original bytes, whole or their prefix, with their length and hash
                        assertThat(d.valueBytes).isEqualTo(i.value.length);
                        assertThat(d.valueSha256).isEqualTo(OutputCodec.sha256(i.value));
                        assertThat(d.value).isEqualTo(Arrays.copyOf(i.value, d.value.length));
                    }
                }
            }
        }
        assertThat(dead.get("huge-answer").error).contains("at most 1048576 bytes are read");
        assertThat(HUGE_ANSWERS.get()).as("a permanent failure: not retried").isEqualTo(1);
    }

    private static Input valid(String customer, Priority priority, String body, Expect expect) {
        return new Input(customer, json(customer, "e-" + customer, priority, body), expect, null);
    }

    private static StreamExecutionEnvironment environment() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        FloodgateJob.enableObjectReuse(env);
        env.setParallelism(2);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        return env;
    }

    /**
     * Compressed, as a producer of large records must be to pass the broker's 1 MiB limit: the 1.1
     * MB record is larger than that uncompressed.
     */
    private static void produce(String topic, List<Input> inputs) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (Input i : inputs) {
                producer.send(
                                new ProducerRecord<>(
                                        topic,
                                        i.customer.getBytes(StandardCharsets.UTF_8),
                                        i.value))
                        .get();
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(String topic) {
        return KafkaIO.readCommitted(KAFKA.bootstrapServers(), topic);
    }

    private static String emoji(Random random, int bytes) {
        StringBuilder s = new StringBuilder();
        for (int n = 0; n + 4 <= bytes; n += 4) {
            s.appendCodePoint(0x1F300 + random.nextInt(0x350));
        }
        return s.toString();
    }

    private static byte[] json(String customer, String eventId, Priority priority, String body) {
        return ("{\"schema\":1,\"event_id\":\""
                        + eventId
                        + "\",\"customer_id\":\""
                        + customer
                        + "\",\"seq\":1,\"channel\":\"chat\",\"priority\":\""
                        + priority.wireName()
                        + "\",\"occurred_at\":\"2026-11-23T09:00:01.123Z\",\"body\":\""
                        + body
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
