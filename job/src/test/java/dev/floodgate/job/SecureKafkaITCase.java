package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import dev.floodgate.job.testing.CapturedLogs;
import dev.floodgate.job.testing.SecretLeaks;
import dev.floodgate.job.testing.SecureJobs;
import dev.floodgate.job.tools.ToolRun;
import dev.floodgate.job.tools.Tools;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.SecureKafkaBroker;
import dev.floodgate.testkit.kafka.TestCertificates;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * TLS as the alternative; the processing service over mutual TLS with a credential header whose
 * token and store password never show.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SecureKafkaITCase {
    private static final String USER = SecureJobs.USER;
    private static final int EVENTS = 2000;

    @TempDir static Path dir;

    private static SecureJobs secure;
    private static String password;
    private static SecureKafkaBroker kafka;
    private static LocalFlinkCluster flink;
    private static FlinkRest rest;

    @BeforeAll
    static void start() throws Exception {
        secure = SecureJobs.start(dir, new Configuration());
        password = secure.password;
        kafka = secure.kafka;
        flink = secure.flink;
        rest = secure.rest;
    }

    @AfterAll
    static void stop() throws Exception {
        if (secure != null) {
            secure.close();
        }
    }

    @Test
    void theLiveJobADrainAndReconcileRunExactlyOnceThroughSaslSsl() throws Exception {
        // the password in a file of its own, referenced through Kafka's file config provider
        Path config = secure.fileReferenceConfig(dir, "client-file");
        Map<String, String> client = SecureJobs.client(config);
        String t = "eo";
        secure.createTopics(client, 4, t);
        Map<String, Interaction> sent =
                secure.produce(client, SecureJobs.topic(t, "interactions"), EVENTS);

        JobClient live =
                FloodgateJob.submit(
                        flink.environment(SecureJobs.jobConf()),
                        secure.sheddingLiveOptions(t, config));
        secure.awaitCommitted(
                client, sent.size(), SecureJobs.topic(t, "processed"), SecureJobs.topic(t, "shed"));
        live.cancel().get(1, TimeUnit.MINUTES);

        JobClient drain =
                BackfillJob.submit(
                        flink.environment(SecureJobs.jobConf()),
                        secure.options(
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
                KafkaIO.readCommitted(
                        kafka.saslSslBootstrap(), client, SecureJobs.topic(t, "processed"))) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            seen.merge(p.eventId, 1, Integer::sum);
            byLane.merge(p.lane.wireName(), 1, Integer::sum);
        }
        assertThat(seen.keySet()).isEqualTo(sent.keySet());
        assertThat(seen.values()).allMatch(n -> n == 1);
        assertThat(byLane.get("backfill")).as("the drain processed the shed events").isPositive();
        assertThat(byLane.get("live") + byLane.get("backfill")).isEqualTo(sent.size());

        ToolRun reconcile = ToolRun.of(secure.reconcileArgs(t, config));
        assertThat(reconcile.status()).as(reconcile.err()).isEqualTo(Tools.OK);
        assertThat(reconcile.out())
                .contains("\"processed_once\":" + sent.size(), "\"passed\":true");
    }

    @Test
    void thePasswordNeverShowsInTheRestAnswersOrTheLogs() throws Exception {
        // the worst case: the password literally in the file
        Path config =
                SecureKafkaBroker.write(
                        dir.resolve("client-literal.properties"),
                        kafka.saslSslClientSettings(
                                USER, password, kafka.certificates().truststore()));
        Map<String, String> client = SecureJobs.client(config);
        String t = "secrets";
        secure.createTopics(client, 2, t);
        Map<String, Interaction> sent =
                secure.produce(client, SecureJobs.topic(t, "interactions"), 50);
        String storePassword = kafka.certificates().password();

        Map<String, String> answers;
        String logs;
        String id;
        try (CapturedLogs captured =
                CapturedLogs.start("org.apache.kafka", "org.apache.flink", "dev.floodgate")) {
            JobClient live =
                    FloodgateJob.submit(
                            flink.environment(SecureJobs.jobConf()),
                            secure.options(
                                    JobKind.LIVE, t, config, "--starting-offsets", "earliest"));
            // the TaskManagers' clients authenticated: the output is there
            secure.awaitCommitted(
                    client,
                    sent.size(),
                    SecureJobs.topic(t, "processed"),
                    SecureJobs.topic(t, "shed"));
            id = live.getJobID().toHexString();
            answers = SecretLeaks.restAnswers(rest, id);
            live.cancel().get(1, TimeUnit.MINUTES);
            logs = captured.text();
        }
        assertThat(answers.get("/jobs/" + id + "/config"))
                .as("the job parameters show the file's path")
                .contains("kafka-config", config.toString());
        SecretLeaks.assertAbsent(answers, logs, password, storePassword);
        assertThat(logs)
                .as("the start line shows the keys, masked")
                .contains("sasl.jaas.config=****", "ssl.truststore.password=****")
                .as("the Kafka clients' own configuration dumps are captured")
                .contains("ProducerConfig values", "ConsumerConfig values");
    }

    @Test
    void aWrongPasswordStopsTheJobsAtStartNamingAuthentication() throws Exception {
        String wrong = "not-the-" + password;
        Path config =
                SecureKafkaBroker.write(
                        dir.resolve("client-wrong.properties"),
                        kafka.saslSslClientSettings(
                                USER, wrong, kafka.certificates().truststore()));
        int jobsBefore = secure.jobCount();
        assertThatThrownBy(
                        () ->
                                FloodgateJob.submit(
                                        flink.environment(SecureJobs.jobConf()),
                                        secure.options(JobKind.LIVE, "wrong", config)))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .satisfies(
                        e ->
                                assertThat(((KafkaPreflight.Failure) e).problem)
                                        .isEqualTo(KafkaPreflight.Problem.AUTHENTICATION))
                .hasMessageContaining("authentication failed")
                .hasMessageContaining("--kafka-config " + config)
                .hasMessageContaining("sasl.jaas.config")
                .hasMessageNotContaining(wrong)
                .hasMessageNotContaining(password);
        assertThatThrownBy(
                        () ->
                                BackfillJob.submit(
                                        flink.environment(SecureJobs.jobConf()),
                                        secure.options(
                                                JobKind.BACKFILL,
                                                "wrong",
                                                config,
                                                "--mode",
                                                "drain")))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .hasMessageContaining("authentication failed");
        assertThat(secure.jobCount())
                .as("nothing was submitted, so nothing restarts")
                .isEqualTo(jobsBefore);
    }

    @Test
    void anUntrustedCertificateStopsTheJobAtStartNamingTlsTrust() throws Exception {
        Path config =
                SecureKafkaBroker.write(
                        dir.resolve("client-untrusted.properties"),
                        kafka.saslSslClientSettings(
                                USER, password, kafka.certificates().untrustedTruststore()));
        int jobsBefore = secure.jobCount();
        assertThatThrownBy(
                        () ->
                                FloodgateJob.submit(
                                        flink.environment(SecureJobs.jobConf()),
                                        secure.options(JobKind.LIVE, "untrusted", config)))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .satisfies(
                        e ->
                                assertThat(((KafkaPreflight.Failure) e).problem)
                                        .isEqualTo(KafkaPreflight.Problem.TLS_TRUST))
                .hasMessageContaining("TLS trust failed")
                .hasMessageContaining("ssl.truststore")
                .hasMessageContaining("--kafka-config " + config)
                .hasMessageNotContaining(password);
        assertThat(secure.jobCount()).isEqualTo(jobsBefore);
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
                                                USER, password, kafka.certificates().truststore())))
                        .clientProperties();
        String t = "env";
        secure.createTopics(resolved, 1, t);

        // reconcile as an operator runs it, in its own JVM with the variable set (as a Secret
        // given as an environment variable on Kubernetes): empty topics reconcile
        ToolProcess ok = reconcileInOwnJvm(t, config, password);
        assertThat(ok.status).as(ok.output).isEqualTo(Tools.OK);
        assertThat(ok.output).contains("\"passed\":true").doesNotContain(password);

        ToolProcess wrong = reconcileInOwnJvm(t, config, "wrong-" + password);
        assertThat(wrong.status).as(wrong.output).isEqualTo(Tools.UNREADABLE);
        assertThat(wrong.output)
                .contains("authentication failed", "--kafka-config")
                .doesNotContain(password);
    }

    @Test
    void mutualTlsReachesTheBrokerWithAClientCertificateAndOnlyWithOne() throws Exception {
        Map<String, String> mtls = kafka.mtlsClientSettings();
        Path config = SecureKafkaBroker.write(dir.resolve("client-mtls.properties"), mtls);
        String t = "mtls";
        KafkaClientConfig client = KafkaClientConfig.load(config);
        Topics.create(
                kafka.mtlsBootstrap(),
                client.clientProperties(),
                1,
                Duration.ofDays(1),
                SecureJobs.topics(t));
        assertThat(
                        KafkaPreflight.check(
                                kafka.mtlsBootstrap(),
                                client,
                                Duration.ofSeconds(15),
                                List.of(SecureJobs.topics(t))))
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
                                        List.of(SecureJobs.topics(t))))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .hasMessageContaining("TLS")
                .hasMessageContaining("ssl.keystore");
    }

    /**
     * The processing service over mutual TLS with a credential header (issue 31): the live job
     * verifies the service's certificate with the truststore, presents its client certificate, and
     * sends the token read from a mounted file; the token and the store password appear in no REST
     * answer and no log line, the job parameters hold only the references.
     */
    @Test
    void theProcessingServiceIsCalledOverMutualTlsWithItsCredentialNeverShown() throws Exception {
        Path config = secure.fileReferenceConfig(dir, "client-svc");
        Map<String, String> client = SecureJobs.client(config);
        String t = "svc";
        secure.createTopics(client, 2, t);
        Map<String, Interaction> sent =
                secure.produce(client, SecureJobs.topic(t, "interactions"), 60);
        TestCertificates certs = kafka.certificates();
        String token = "Bearer svc-" + UUID.randomUUID();
        String tokenRef =
                "${file:" + Files.writeString(dir.resolve("svc-token"), token + "\n") + "}";
        String storeRef =
                "${file:"
                        + Files.writeString(dir.resolve("svc-store-password"), certs.password())
                        + "}";

        Map<String, String> answers;
        String logs;
        String id;
        String serviceUrl;
        try (CapacityLimitedService service =
                        new CapacityLimitedService(
                                        ServiceOptions.defaults()
                                                .https(
                                                        certs.brokerKeystore(),
                                                        certs.password(),
                                                        certs.truststore())
                                                .requireHeader("Authorization", token))
                                .start();
                CapturedLogs captured = CapturedLogs.start("org.apache.flink", "dev.floodgate")) {
            JobClient live =
                    FloodgateJob.submit(
                            flink.environment(SecureJobs.jobConf()),
                            secure.options(
                                    JobKind.LIVE,
                                    t,
                                    config,
                                    "--starting-offsets",
                                    "earliest",
                                    "--shedding",
                                    "false",
                                    "--processor-url",
                                    service.baseUri().toString(),
                                    "--processor-truststore",
                                    certs.truststore().toString(),
                                    "--processor-truststore-password",
                                    storeRef,
                                    "--processor-keystore",
                                    certs.clientKeystore().toString(),
                                    "--processor-keystore-password",
                                    storeRef,
                                    "--processor-auth-header",
                                    "Authorization",
                                    "--processor-auth-secret",
                                    tokenRef));
            secure.awaitCommitted(client, sent.size(), SecureJobs.topic(t, "processed"));
            id = live.getJobID().toHexString();
            answers = SecretLeaks.restAnswers(rest, id);
            live.cancel().get(1, TimeUnit.MINUTES);
            logs = captured.text();
            serviceUrl = service.baseUri().toString();
            assertThat(service.unauthorized()).as("every call carried the token").isZero();
            assertThat(
                            service.calls(Channel.VOICE)
                                    + service.calls(Channel.CHAT)
                                    + service.calls(Channel.IMAGE))
                    .isGreaterThanOrEqualTo(sent.size());
        }
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(
                        kafka.saslSslBootstrap(), client, SecureJobs.topic(t, "processed"))) {
            assertThat(OutputCodec.readProcessed(r.value()).processor).isEqualTo("http-v1");
        }
        assertThat(answers.get("/jobs/" + id + "/config"))
                .as(
                        "the job parameters hold paths and references (Flink masks *secret*/*password* keys)")
                .contains(
                        "\"processor-truststore\":\"" + certs.truststore() + "\"",
                        "\"processor-auth-header\":\"Authorization\"",
                        "\"processor-auth-secret\":\"",
                        "\"processor-allow-plaintext\":\"false\"");
        SecretLeaks.assertAbsent(answers, logs, token, certs.password());
        assertThat(logs).contains("Processing service at " + serviceUrl);
    }

    private record ToolProcess(int status, String output) {}

    private static ToolProcess reconcileInOwnJvm(String prefix, Path config, String password)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Tools.class.getName()));
        cmd.addAll(List.of(secure.reconcileArgs(prefix, config)));
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
}
