package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --kafka-config}: the file is checked at start naming the option; what the clients get
 * holds secrets only as references (so the serialized source and sinks, which the job graph
 * carries, hold no password); the start line masks them; keys the jobs own are refused; an
 * unreachable broker stops the start check naming the connection and the options.
 */
class KafkaConfigOptionTest {
    private static final String PASSWORD = "s3cr3t-pa55word";
    private static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"floodgate\" password=\""
                    + PASSWORD
                    + "\";";

    @TempDir Path dir;

    @Test
    void aMissingFileStopsTheJobAtStartNamingTheOption() {
        assertThatThrownBy(
                        () ->
                                FloodgateJob.main(
                                        new String[] {
                                            "--bootstrap-servers",
                                            "k:1",
                                            "--dry-run",
                                            "true",
                                            "--kafka-config",
                                            dir.resolve("nope.properties").toString()
                                        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--kafka-config")
                .hasMessageContaining("cannot read");
    }

    @Test
    void secretsReachTheClientsAsReferencesOnly() throws Exception {
        Path file =
                write(
                        "security.protocol=SASL_SSL\n"
                                + "sasl.mechanism=SCRAM-SHA-512\n"
                                + "sasl.jaas.config="
                                + JAAS
                                + "\n"
                                + "ssl.truststore.location=/etc/trust.p12\n"
                                + "ssl.truststore.password=${env:TRUST_PASSWORD}\n"
                                + "config.providers=env\n"
                                + "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n");
        KafkaClientConfig config = KafkaClientConfig.load(file);
        Map<String, String> client = config.clientProperties();
        assertThat(client)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("ssl.truststore.location", "/etc/trust.p12")
                .containsEntry("ssl.truststore.password", "${env:TRUST_PASSWORD}")
                .containsEntry(
                        "sasl.jaas.config",
                        "${floodgatekafkaconfig:" + file.toAbsolutePath() + ":sasl.jaas.config}")
                .containsEntry("config.providers", "env,floodgatekafkaconfig")
                .containsEntry(
                        "config.providers.floodgatekafkaconfig.class",
                        "org.apache.kafka.common.config.provider.FileConfigProvider");
        assertThat(client.toString()).doesNotContain(PASSWORD);
        assertThat(config.describe())
                .contains("sasl.jaas.config=****", "ssl.truststore.password=****")
                .contains("security.protocol=SASL_SSL")
                .doesNotContain(PASSWORD);
        assertThat(config.redact("login failed for password=\"" + PASSWORD + "\" and " + PASSWORD))
                .doesNotContain(PASSWORD);

        // the serialized source and sinks: what the job graph carries to the TaskManagers
        FloodgateOptions o =
                FloodgateOptions.fromArgs(
                        new String[] {
                            "--bootstrap-servers", "k:1", "--kafka-config", file.toString()
                        },
                        JobKind.LIVE);
        JobSinks sinks = FloodgateJob.sinks(o);
        for (Object part :
                List.of(
                        FloodgateJob.source(o),
                        sinks.processed(),
                        sinks.shed(),
                        sinks.deadLetters())) {
            String bytes =
                    new String(
                            InstantiationUtil.serializeObject(part), StandardCharsets.ISO_8859_1);
            assertThat(bytes).as(part.getClass().getName()).contains("floodgatekafkaconfig");
            assertThat(bytes).as(part.getClass().getName()).doesNotContain(PASSWORD);
        }
        assertThat(o.asMap().toString()).doesNotContain(PASSWORD);
        assertThat(o.asGlobalJobParameters().toMap().toString())
                .contains("kafka-config")
                .doesNotContain(PASSWORD);
    }

    @Test
    void redactionCoversWhatFileReferencesStandFor() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.properties"), "pw=" + PASSWORD);
        KafkaClientConfig config =
                KafkaClientConfig.load(write("ssl.keystore.password=${file:" + secret + ":pw}\n"));
        assertThat(config.clientProperties())
                .containsEntry("ssl.keystore.password", "${file:" + secret + ":pw}");
        assertThat(config.redact("bad keystore password " + PASSWORD)).doesNotContain(PASSWORD);
    }

    @Test
    void keysTheJobsOwnAreRefusedNamingThemButNoValue() throws Exception {
        Path file = write("isolation.level=read_uncommitted\nsasl.jaas.config=" + JAAS + "\n");
        assertThatThrownBy(() -> KafkaClientConfig.load(file))
                .hasMessageContaining("--kafka-config")
                .hasMessageContaining("[isolation.level]")
                .hasMessageNotContaining("read_uncommitted")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    @Timeout(30)
    void unreachableBrokersStopTheStartCheckNamingTheConnection() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        KafkaClientConfig config = KafkaClientConfig.load(write("sasl.jaas.config=" + JAAS + "\n"));
        assertThatThrownBy(
                        () ->
                                KafkaPreflight.check(
                                        "127.0.0.1:" + port,
                                        config,
                                        Duration.ofSeconds(2),
                                        List.of("interactions")))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .satisfies(
                        e ->
                                assertThat(((KafkaPreflight.Failure) e).problem)
                                        .isEqualTo(KafkaPreflight.Problem.CONNECTION))
                .hasMessageContaining("no connection to Kafka at 127.0.0.1:" + port)
                .hasMessageContaining("--bootstrap-servers")
                .hasMessageContaining("--kafka-config")
                .hasMessageNotContaining(PASSWORD);
    }

    private Path write(String text) throws Exception {
        return Files.writeString(dir.resolve("client.properties"), text);
    }
}
