package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import dev.floodgate.job.testing.CapturedLogs;
import dev.floodgate.job.tools.Tools;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.SecureKafkaBroker;
import dev.floodgate.testkit.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
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
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs and the tools against a broker whose client listener is SASL_SSL with SCRAM-SHA-512
 * (certificates made with keytool, the user created at format time): the live job, a drain and
 * reconcile exactly once through it; the password never in the REST answers or the logs; a wrong
 * password, an untrusted certificate or unreachable brokers stop a job at start, naming what
 * failed, with nothing submitted; the password through the environment-variable provider; mutual
 * TLS as the alternative.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SecureKafkaITCase {
    private static final String USER = "floodgate";
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static final int EVENTS = 2000;

    @TempDir static Path dir;

    private static SecureKafkaBroker kafka;
    private static LocalFlinkCluster flink;
    private static FlinkRest rest;

    @BeforeAll
    static void start() throws Exception {
        kafka = SecureKafkaBroker.start(dir.resolve("kafka"), USER, PASSWORD);
        int restPort;
        try (ServerSocket s = new ServerSocket(0)) {
            restPort = s.getLocalPort();
        }
        flink = LocalFlinkCluster.start(restPort, 0, 2, new Configuration());
        rest = new FlinkRest(flink.webUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        if (flink != null) {
            flink.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theLiveJobADrainAndReconcileRunExactlyOnceThroughSaslSsl() throws Exception {
        // the password in a file of its own, referenced through Kafka's file config provider
        Path secret = Files.writeString(dir.resolve("scram.properties"), "password=" + PASSWORD);
        Map<String, String> settings =
                kafka.saslSslClientSettings(
                        USER, "${file:" + secret + ":password}", kafka.certificates().truststore());
        settings.put("config.providers", "file");
        settings.put(
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider");
        Path config = SecureKafkaBroker.write(dir.resolve("client-file.properties"), settings);
        Map<String, String> client = KafkaClientConfig.load(config).clientProperties();
        String t = "eo";
        Topics.create(kafka.saslSslBootstrap(), client, 4, Duration.ofDays(1), topics(t));
        Map<String, Interaction> sent = produce(client, topic(t, "interactions"), EVENTS);

        JobClient live =
                FloodgateJob.submit(
                        flink.environment(jobConf()),
                        options(
                                JobKind.LIVE,
                                t,
                                config,
                                // every low and normal voice event is shed: the drain has work
                                "--shed-voice",
                                "1ms/1ms",
                                "--hot-key-rate",
                                "off",
                                "--starting-offsets",
                                "earliest"));
        awaitCommitted(client, sent.size(), topic(t, "processed"), topic(t, "shed"));
        live.cancel().get(1, TimeUnit.MINUTES);

        JobClient drain =
                BackfillJob.submit(
                        flink.environment(jobConf()),
                        options(
                                JobKind.BACKFILL,
                                t,
                                config,
                                "--mode",
                                "drain",
                                "--max-rate",
                                "5000"));
        drain.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        // exactly once, compared id by id: each valid event once across the live and backfill
        // lanes
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Integer> byLane = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(kafka.saslSslBootstrap(), client, topic(t, "processed"))) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            seen.merge(p.eventId, 1, Integer::sum);
            byLane.merge(p.lane.wireName(), 1, Integer::sum);
        }
        assertThat(seen.keySet()).isEqualTo(sent.keySet());
        assertThat(seen.values()).allMatch(n -> n == 1);
        assertThat(byLane.get("backfill")).as("the drain processed the shed events").isPositive();
        assertThat(byLane.get("live") + byLane.get("backfill")).isEqualTo(sent.size());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status =
                Tools.run(
                        reconcileArgs(t, config),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(Tools.OK);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("\"processed_once\":" + sent.size(), "\"passed\":true");
    }

    @Test
    void thePasswordNeverShowsInTheRestAnswersOrTheLogs() throws Exception {
        // the worst case: the password literally in the file
        Path config =
                SecureKafkaBroker.write(
                        dir.resolve("client-literal.properties"),
                        kafka.saslSslClientSettings(
                                USER, PASSWORD, kafka.certificates().truststore()));
        Map<String, String> client = KafkaClientConfig.load(config).clientProperties();
        String t = "secrets";
        Topics.create(kafka.saslSslBootstrap(), client, 2, Duration.ofDays(1), topics(t));
        Map<String, Interaction> sent = produce(client, topic(t, "interactions"), 50);
        String storePassword = kafka.certificates().password();

        Map<String, String> answers = new LinkedHashMap<>();
        String logs;
        String id;
        try (CapturedLogs captured =
                CapturedLogs.start("org.apache.kafka", "org.apache.flink", "dev.floodgate")) {
            JobClient live =
                    FloodgateJob.submit(
                            flink.environment(jobConf()),
                            options(JobKind.LIVE, t, config, "--starting-offsets", "earliest"));
            // the TaskManagers' clients authenticated: the output is there
            awaitCommitted(client, sent.size(), topic(t, "processed"), topic(t, "shed"));
            id = live.getJobID().toHexString();
            for (String path :
                    List.of(
                            "/jobs/" + id + "/config",
                            "/jobs/" + id + "/plan",
                            "/jobs/" + id,
                            "/jobs/" + id + "/exceptions",
                            "/jobmanager/config")) {
                answers.put(path, rest.get(path).toString());
            }
            live.cancel().get(1, TimeUnit.MINUTES);
            logs = captured.text();
        }
        assertThat(answers.get("/jobs/" + id + "/config"))
                .as("the job parameters show the file's path")
                .contains("kafka-config", config.toString());
        answers.forEach(
                (path, body) ->
                        assertThat(body)
                                .as(path)
                                .doesNotContain(PASSWORD)
                                .doesNotContain(storePassword));
        assertThat(logs)
                .as("the start line shows the keys, masked")
                .contains("sasl.jaas.config=****", "ssl.truststore.password=****")
                .as("the Kafka clients' own configuration dumps are captured")
                .contains("ProducerConfig values", "ConsumerConfig values")
                .doesNotContain(PASSWORD)
                .doesNotContain(storePassword);
    }

    @Test
    void aWrongPasswordStopsTheJobsAtStartNamingAuthentication() throws Exception {
        String wrong = "not-the-" + PASSWORD;
        Path config =
                SecureKafkaBroker.write(
                        dir.resolve("client-wrong.properties"),
                        kafka.saslSslClientSettings(
                                USER, wrong, kafka.certificates().truststore()));
        int jobsBefore = jobCount();
        assertThatThrownBy(
                        () ->
                                FloodgateJob.submit(
                                        flink.environment(jobConf()),
                                        options(JobKind.LIVE, "wrong", config)))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .satisfies(
                        e ->
                                assertThat(((KafkaPreflight.Failure) e).problem)
                                        .isEqualTo(KafkaPreflight.Problem.AUTHENTICATION))
                .hasMessageContaining("authentication failed")
                .hasMessageContaining("--kafka-config " + config)
                .hasMessageContaining("sasl.jaas.config")
                .hasMessageNotContaining(wrong)
                .hasMessageNotContaining(PASSWORD);
        assertThatThrownBy(
                        () ->
                                BackfillJob.submit(
                                        flink.environment(jobConf()),
                                        options(
                                                JobKind.BACKFILL,
                                                "wrong",
                                                config,
                                                "--mode",
                                                "drain")))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .hasMessageContaining("authentication failed");
        assertThat(jobCount())
                .as("nothing was submitted, so nothing restarts")
                .isEqualTo(jobsBefore);
    }

    @Test
    void anUntrustedCertificateStopsTheJobAtStartNamingTlsTrust() throws Exception {
        Path config =
                SecureKafkaBroker.write(
                        dir.resolve("client-untrusted.properties"),
                        kafka.saslSslClientSettings(
                                USER, PASSWORD, kafka.certificates().untrustedTruststore()));
        int jobsBefore = jobCount();
        assertThatThrownBy(
                        () ->
                                FloodgateJob.submit(
                                        flink.environment(jobConf()),
                                        options(JobKind.LIVE, "untrusted", config)))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .satisfies(
                        e ->
                                assertThat(((KafkaPreflight.Failure) e).problem)
                                        .isEqualTo(KafkaPreflight.Problem.TLS_TRUST))
                .hasMessageContaining("TLS trust failed")
                .hasMessageContaining("ssl.truststore")
                .hasMessageContaining("--kafka-config " + config)
                .hasMessageNotContaining(PASSWORD);
        assertThat(jobCount()).isEqualTo(jobsBefore);
    }

    @Test
    void reconcileTakesThePasswordFromAnEnvironmentVariable() throws Exception {
        Map<String, String> settings =
                kafka.saslSslClientSettings(
                        USER, "${env:FLOODGATE_KAFKA_PASSWORD}", kafka.certificates().truststore());
        settings.put("config.providers", "env");
        settings.put(
                "config.providers.env.class",
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        Path config = SecureKafkaBroker.write(dir.resolve("client-env.properties"), settings);
        Map<String, String> resolved =
                KafkaClientConfig.load(
                                SecureKafkaBroker.write(
                                        dir.resolve("client-env-resolved.properties"),
                                        kafka.saslSslClientSettings(
                                                USER, PASSWORD, kafka.certificates().truststore())))
                        .clientProperties();
        String t = "env";
        Topics.create(kafka.saslSslBootstrap(), resolved, 1, Duration.ofDays(1), topics(t));

        // reconcile as an operator runs it, in its own JVM with the variable set (as a Secret
        // given as an environment variable on Kubernetes): empty topics reconcile
        ToolProcess ok = reconcileInOwnJvm(t, config, PASSWORD);
        assertThat(ok.status).as(ok.output).isEqualTo(Tools.OK);
        assertThat(ok.output).contains("\"passed\":true").doesNotContain(PASSWORD);

        ToolProcess wrong = reconcileInOwnJvm(t, config, "wrong-" + PASSWORD);
        assertThat(wrong.status).as(wrong.output).isEqualTo(Tools.UNREADABLE);
        assertThat(wrong.output)
                .contains("authentication failed", "--kafka-config")
                .doesNotContain(PASSWORD);
    }

    @Test
    void mutualTlsReachesTheBrokerWithAClientCertificateAndOnlyWithOne() throws Exception {
        Map<String, String> mtls = kafka.mtlsClientSettings();
        Path config = SecureKafkaBroker.write(dir.resolve("client-mtls.properties"), mtls);
        String t = "mtls";
        KafkaClientConfig client = KafkaClientConfig.load(config);
        Topics.create(
                kafka.mtlsBootstrap(), client.clientProperties(), 1, Duration.ofDays(1), topics(t));
        assertThat(
                        KafkaPreflight.check(
                                kafka.mtlsBootstrap(),
                                client,
                                Duration.ofSeconds(15),
                                List.of(topics(t))))
                .isEmpty();

        Map<String, String> noCertificate = new LinkedHashMap<>(mtls);
        noCertificate
                .keySet()
                .removeIf(k -> k.startsWith("ssl.keystore") || k.equals("ssl.key.password"));
        KafkaClientConfig without =
                KafkaClientConfig.load(
                        SecureKafkaBroker.write(
                                dir.resolve("client-mtls-nocert.properties"), noCertificate));
        assertThatThrownBy(
                        () ->
                                KafkaPreflight.check(
                                        kafka.mtlsBootstrap(),
                                        without,
                                        Duration.ofSeconds(15),
                                        List.of(topics(t))))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .hasMessageContaining("TLS")
                .hasMessageContaining("ssl.keystore");
    }

    private record ToolProcess(int status, String output) {}

    private static ToolProcess reconcileInOwnJvm(String prefix, Path config, String password)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Tools.class.getName()));
        cmd.addAll(List.of(reconcileArgs(prefix, config)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FLOODGATE_KAFKA_PASSWORD", password);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("reconcile did not finish: " + output);
        }
        return new ToolProcess(p.exitValue(), output);
    }

    private static int jobCount() throws Exception {
        return rest.get("/jobs").path("jobs").size();
    }

    // --- helpers --------------------------------------------------------------------------------

    private static Configuration jobConf() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(1));
        return conf;
    }

    private static FloodgateOptions options(
            JobKind kind, String prefix, Path config, String... more) {
        List<String> args =
                new ArrayList<>(
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
                                topic(prefix, "dlq"),
                                "--group-id",
                                prefix + "-" + kind.name().toLowerCase(),
                                "--transactional-id-prefix",
                                prefix + "-" + kind.name().toLowerCase(),
                                "--transaction-timeout",
                                "5min",
                                "--checkpoint-interval",
                                "500ms",
                                "--parallelism",
                                "2"));
        args.addAll(List.of(more));
        return FloodgateOptions.fromArgs(args.toArray(String[]::new), kind);
    }

    private static String[] reconcileArgs(String prefix, Path config) {
        return new String[] {
            "reconcile",
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
            topic(prefix, "dlq"),
            "--json"
        };
    }

    private static String topic(String prefix, String name) {
        return prefix + "." + name;
    }

    private static String[] topics(String prefix) {
        return new String[] {
            topic(prefix, "interactions"),
            topic(prefix, "processed"),
            topic(prefix, "shed"),
            topic(prefix, "dlq")
        };
    }

    /**
     * Valid events of every channel and priority, and a few poison records; the valid ones by id.
     */
    private static Map<String, Interaction> produce(
            Map<String, String> client, String topic, int events) {
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
        KafkaIO.produce(kafka.saslSslBootstrap(), client, records);
        return valid;
    }

    private static void awaitCommitted(Map<String, String> client, int records, String... topics)
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
}
