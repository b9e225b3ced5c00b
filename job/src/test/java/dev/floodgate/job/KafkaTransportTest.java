package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plaintext Kafka and TLS without the broker's host name checked run only when the user says so:
 * both jobs stop at start, before any connection, naming the setting and the option that allows it.
 */
class KafkaTransportTest {
    private static final String PASSWORD = "pl41nt3xt-secret";

    @TempDir Path dir;

    private Path config(String... lines) throws Exception {
        Path f = dir.resolve("kafka-" + lines.length + "-" + System.nanoTime() + ".properties");
        Files.writeString(f, String.join("\n", lines), StandardCharsets.UTF_8);
        return f;
    }

    private static String[] args(String... more) {
        List<String> a =
                new ArrayList<>(List.of("--bootstrap-servers", "127.0.0.1:1", "--dry-run", "true"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void withoutAClientConfigTheJobsRefusePlaintextNamingTheOptions() {
        assertThatThrownBy(() -> FloodgateJob.main(args()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Kafka without TLS")
                .hasMessageContaining("no --kafka-config")
                .hasMessageContaining("--kafka-plaintext true");
        assertThatThrownBy(() -> BackfillJob.main(args("--mode", "drain")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--kafka-plaintext true");
    }

    @Test
    void saslPlaintextIsPlaintextTooAndNoSecretIsNamed() throws Exception {
        Path f =
                config(
                        "security.protocol=sasl_plaintext",
                        "sasl.mechanism=SCRAM-SHA-512",
                        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
                                + " username=\"u\" password=\""
                                + PASSWORD
                                + "\";");
        assertThatThrownBy(() -> FloodgateJob.main(args("--kafka-config", f.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("security.protocol SASL_PLAINTEXT in --kafka-config")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void tlsWithoutTheHostNameCheckIsRefusedUnlessAllowed() throws Exception {
        Path f = config("security.protocol=SSL", "ssl.endpoint.identification.algorithm=");
        assertThatThrownBy(() -> FloodgateJob.main(args("--kafka-config", f.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ssl.endpoint.identification.algorithm empty")
                .hasMessageContaining("--kafka-skip-hostname-check true");
        // allowed: the transport passes (the start goes on to the connection check)
        assertThatCode(
                        () ->
                                dev.floodgate.job.kafka.KafkaTransport.check(
                                        FloodgateOptions.fromArgs(
                                                args(
                                                        "--kafka-config",
                                                        f.toString(),
                                                        "--kafka-skip-hostname-check",
                                                        "true"),
                                                JobKind.LIVE),
                                        dev.floodgate.job.kafka.KafkaClientConfig.load(f)))
                .doesNotThrowAnyException();
    }

    @Test
    void theTransportSettingsMustBeWrittenLiterally() throws Exception {
        // a reference resolves inside the clients, after the check: it could say PLAINTEXT there
        for (String line :
                new String[] {
                    "security.protocol=${env:KAFKA_PROTOCOL}",
                    "ssl.endpoint.identification.algorithm=${file:/etc/k.properties:x}"
                }) {
            Path f = config("security.protocol=SASL_SSL", line);
            assertThatThrownBy(() -> FloodgateJob.main(args("--kafka-config", f.toString())))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("write it literally");
        }
    }

    @Test
    void tlsWithTheHostNameCheckAndExplicitPlaintextPass() throws Exception {
        Path tls =
                config("security.protocol=SASL_SSL", "ssl.endpoint.identification.algorithm=https");
        assertThatCode(
                        () ->
                                dev.floodgate.job.kafka.KafkaTransport.check(
                                        FloodgateOptions.fromArgs(
                                                args("--kafka-config", tls.toString()),
                                                JobKind.LIVE),
                                        dev.floodgate.job.kafka.KafkaClientConfig.load(tls)))
                .doesNotThrowAnyException();
        FloodgateOptions plain =
                FloodgateOptions.fromArgs(args("--kafka-plaintext", "true"), JobKind.BACKFILL);
        assertThatCode(
                        () ->
                                dev.floodgate.job.kafka.KafkaTransport.check(
                                        plain, dev.floodgate.job.kafka.KafkaClientConfig.none()))
                .doesNotThrowAnyException();
    }
}
