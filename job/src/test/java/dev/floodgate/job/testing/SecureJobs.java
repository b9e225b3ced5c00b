package dev.floodgate.job.testing;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.SecureKafkaBroker;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The secure setup the security ITCases share: a broker whose client listener is SASL_SSL with
 * SCRAM-SHA-512 (one user, a password made up per run) and a local Flink cluster with REST on
 * 127.0.0.1, plus the jobs' and reconcile's arguments against it. Topics of one test share a prefix
 * ({@code <prefix>.interactions}, ...). Stops both on {@link #close()}.
 */
public final class SecureJobs implements AutoCloseable {
    public static final String USER = "floodgate";

    public final String password = "scram-" + UUID.randomUUID();
    public final SecureKafkaBroker kafka;
    public final LocalFlinkCluster flink;
    public final FlinkRest rest;
    private CapacityLimitedService bottleneck;

    private SecureJobs(Path dir, Configuration cluster) throws Exception {
        kafka = SecureKafkaBroker.start(dir.resolve("kafka"), USER, password);
        int restPort;
        try (ServerSocket s = new ServerSocket(0)) {
            restPort = s.getLocalPort();
        }
        LocalFlinkCluster started;
        try {
            started = LocalFlinkCluster.start(restPort, 0, 2, cluster);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        flink = started;
        rest = new FlinkRest(flink.webUrl());
    }

    /** Starts the broker in {@code dir} and a two-slot cluster with {@code cluster}'s settings. */
    public static SecureJobs start(Path dir, Configuration cluster) throws Exception {
        return new SecureJobs(dir, cluster);
    }

    /**
     * A {@code --kafka-config} file as an operator on Kubernetes writes it: the password in a file
     * of its own (a mounted Secret), referenced through Kafka's file config provider.
     */
    public Path fileReferenceConfig(Path dir, String name) throws IOException {
        Path secret = Files.writeString(dir.resolve(name + ".secret"), "password=" + password);
        Map<String, String> settings =
                kafka.saslSslClientSettings(
                        USER, "${file:" + secret + ":password}", kafka.certificates().truststore());
        settings.put("config.providers", "file");
        settings.put(
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider");
        return SecureKafkaBroker.write(dir.resolve(name + ".properties"), settings);
    }

    /** The resolved client settings of a {@code --kafka-config} file, for the test's clients. */
    public static Map<String, String> client(Path config) {
        return KafkaClientConfig.load(config).clientProperties();
    }

    /** Bounded restarts (an injected failure recovers, a bug fails) and a 1 min checkpoint. */
    public static Configuration jobConf() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(1));
        return conf;
    }

    /** A job's options against the SASL_SSL listener with {@code config}, then {@code more}. */
    public FloodgateOptions options(JobKind kind, String prefix, Path config, String... more) {
        String name = prefix + "-" + kind.name().toLowerCase();
        List<String> args = connection(prefix, config);
        args.addAll(
                List.of(
                        "--group-id",
                        name,
                        "--transactional-id-prefix",
                        name,
                        "--transaction-timeout",
                        "5min",
                        "--checkpoint-interval",
                        "500ms",
                        "--parallelism",
                        "2"));
        args.addAll(List.of(more));
        if (!args.contains("--processor-url")) {
            args.addAll(List.of("--dry-run", "true"));
        }
        return FloodgateOptions.fromArgs(args.toArray(String[]::new), kind);
    }

    /**
     * The live job's options with every voice event shed, its service down (the drain has work),
     * from the earliest offsets.
     */
    public FloodgateOptions sheddingLiveOptions(String prefix, Path config) throws IOException {
        return options(
                JobKind.LIVE,
                prefix,
                config,
                // the voice service is down: every voice event goes to the shed lane
                // (service_unavailable, then circuit_open), deterministically; admission would
                // shed only while a service is the bottleneck, which depends on timing
                "--processor-url",
                voiceDown().baseUri().toString(),
                "--processor-allow-plaintext",
                "true",
                "--hot-key-rate",
                "off",
                "--starting-offsets",
                "earliest");
    }

    /** {@code reconcile} as an operator types it, with {@code --json}. */
    public String[] reconcileArgs(String prefix, Path config) {
        List<String> args = new ArrayList<>(List.of("reconcile"));
        args.addAll(connection(prefix, config));
        args.add("--json");
        return args.toArray(String[]::new);
    }

    /**
     * The SASL_SSL listener, the client settings {@code config} and the topics of {@code prefix}.
     */
    private List<String> connection(String prefix, Path config) {
        return new ArrayList<>(
                List.of(
                        "--bootstrap-servers",
                        kafka.saslSslBootstrap(),
                        "--kafka-config",
                        config.toString(),
                        "--input-topic",
                        topic(prefix, "interactions"),
                        "--processed-topic",
                        topic(prefix, "processed"),
                        "--shed-topic",
                        topic(prefix, "shed"),
                        "--dlq-topic",
                        topic(prefix, "dlq")));
    }

    public static String topic(String prefix, String name) {
        return prefix + "." + name;
    }

    /** The four topics of a prefix: interactions, processed, shed, dlq. */
    public static String[] topics(String prefix) {
        return new String[] {
            topic(prefix, "interactions"),
            topic(prefix, "processed"),
            topic(prefix, "shed"),
            topic(prefix, "dlq")
        };
    }

    /** Creates a prefix's four topics through the SASL_SSL listener. */
    public void createTopics(Map<String, String> client, int partitions, String prefix)
            throws Exception {
        Topics.create(
                kafka.saslSslBootstrap(), client, partitions, Duration.ofDays(1), topics(prefix));
    }

    /**
     * Valid events of every channel and priority, and three poison records; the valid ones by id.
     */
    public Map<String, Interaction> produce(Map<String, String> client, String topic, int events) {
        return produce(kafka.saslSslBootstrap(), client, topic, events);
    }

    /** The same to any broker's {@code bootstrapServers}. */
    public static Map<String, Interaction> produce(
            String bootstrapServers, Map<String, String> client, String topic, int events) {
        Random random = new Random(7);
        Map<String, Long> nextSeq = new HashMap<>();
        Map<String, Interaction> valid = new LinkedHashMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            String customer = "c" + random.nextInt(100);
            Interaction in =
                    InteractionRecords.event(
                            customer,
                            nextSeq.merge(customer, 1L, Long::sum),
                            Channel.values()[random.nextInt(3)],
                            Priority.values()[random.nextInt(3)],
                            System.currentTimeMillis());
            valid.put(in.eventId, in);
            records.add(InteractionRecords.record(topic, in));
        }
        for (int n = 0; n < 3; n++) {
            records.add(InteractionRecords.poison(topic, DeadLetterReason.BAD_JSON, n, 1 << 20));
        }
        KafkaIO.produce(bootstrapServers, client, records);
        return valid;
    }

    /** Waits (up to 2 min) until {@code topics} hold {@code records} committed records together. */
    public void awaitCommitted(Map<String, String> client, int records, String... topics)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = 0;
            for (String topic : topics) {
                seen += KafkaIO.readCommitted(kafka.saslSslBootstrap(), client, topic).size();
            }
            if (seen >= records) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                String.join(" + ", topics) + " reached " + seen + " of " + records + " records");
    }

    /** The number of jobs the cluster knows (running or ended). */
    public int jobCount() throws Exception {
        return rest.get("/jobs").path("jobs").size();
    }

    @Override
    public void close() throws Exception {
        try {
            flink.close();
        } finally {
            try {
                kafka.close();
            } finally {
                if (bottleneck != null) {
                    bottleneck.close();
                }
            }
        }
    }

    /** A processing service whose voice channel answers 503 for the test's life. */
    private synchronized CapacityLimitedService voiceDown() throws IOException {
        if (bottleneck == null) {
            bottleneck =
                    new CapacityLimitedService(
                                    ServiceOptions.defaults()
                                            .channel(Channel.VOICE, 4, Duration.ofMillis(1))
                                            .channel(Channel.IMAGE, 8, Duration.ofMillis(1))
                                            .channel(Channel.CHAT, 16, Duration.ofMillis(1)))
                            .start();
            bottleneck.outage(Channel.VOICE, Duration.ofHours(1));
        }
        return bottleneck;
    }
}
