package dev.floodgate.testkit.kafka;

import dev.floodgate.testkit.net.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker process (KRaft, broker and controller in one JVM, as {@code
 * scripts/cluster.sh} runs it) whose client listeners are secured: {@code SASL_SSL} with
 * SCRAM-SHA-512 (the user created at format time, {@code kafka-storage format --add-scram}) and
 * {@code SSL} with client certificates required (mutual TLS). The controller and inter-broker
 * listener stays plaintext on 127.0.0.1. Certificates come from {@link TestCertificates}. Stopped
 * by its own process handle on {@link #close()}.
 */
public final class SecureKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SecureKafkaBroker.class);
    public static final String MECHANISM = "SCRAM-SHA-512";

    private final Process process;
    private final Path dir;
    private final TestCertificates certificates;
    private final int internalPort;
    private final int saslSslPort;
    private final int mtlsPort;

    private SecureKafkaBroker(
            Process process,
            Path dir,
            TestCertificates certificates,
            int internalPort,
            int saslSslPort,
            int mtlsPort) {
        this.process = process;
        this.dir = dir;
        this.certificates = certificates;
        this.internalPort = internalPort;
        this.saslSslPort = saslSslPort;
        this.mtlsPort = mtlsPort;
    }

    /** Makes certificates, formats the storage with the SCRAM user, starts and waits for it. */
    public static SecureKafkaBroker start(Path dir, String user, String password) throws Exception {
        return start(dir, Map.of(user, password), null);
    }

    /**
     * The same broker with KRaft's {@code StandardAuthorizer}: every request on the client
     * listeners needs an ACL ({@code allow.everyone.if.no.acl.found} stays false), except from
     * {@code superUser}, the administrator that creates topics and grants ACLs. {@code users} are
     * SCRAM users (name to password) created at format time, the super user among them. The
     * plaintext listeners' principal ({@code User:ANONYMOUS}: the broker and controller talking to
     * themselves, the readiness check) is a super user too; they are bound to 127.0.0.1 only.
     */
    public static SecureKafkaBroker startWithAcls(
            Path dir, Map<String, String> users, String superUser) throws Exception {
        if (!users.containsKey(superUser)) {
            throw new IllegalArgumentException("the super user needs a password: " + superUser);
        }
        return start(dir, users, superUser);
    }

    /**
     * Starts the broker, on other free ports and in a fresh directory if a port it was given was
     * taken before it could bind (free ports are found before the broker's JVM binds them: tests
     * running in parallel can take one in between; CI failed on "Unable to start acceptor for
     * MTLS").
     */
    private static SecureKafkaBroker start(Path dir, Map<String, String> users, String superUser)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            Path d = attempt == 1 ? dir : dir.resolve("attempt-" + attempt);
            try {
                return startOnce(d, users, superUser);
            } catch (IllegalStateException e) {
                String m = String.valueOf(e.getMessage());
                boolean portTaken =
                        m.contains("Address already in use")
                                || m.contains("BindException")
                                || m.contains("Unable to start acceptor");
                if (!portTaken || attempt == 3) {
                    throw e;
                }
                LOG.warn("the secure broker could not bind a port (attempt {}); again", attempt);
            }
        }
    }

    private static SecureKafkaBroker startOnce(
            Path dir, Map<String, String> users, String superUser) throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(dir);
        TestCertificates certs =
                TestCertificates.create(dir.resolve("certs"), "store-" + Uuid.randomUuid());
        int controller = FreePorts.one();
        int internal = FreePorts.one();
        int saslSsl = FreePorts.one();
        int mtls = FreePorts.one();
        Path config = dir.resolve("server.properties");
        Files.writeString(
                config,
                serverProperties(dir, certs, controller, internal, saslSsl, mtls)
                        + authorizer(superUser));
        Path log = dir.resolve("broker.log");
        List<String> formatArgs =
                new ArrayList<>(
                        List.of(
                                "format",
                                "--standalone",
                                "-t",
                                Uuid.randomUuid().toString(),
                                "-c",
                                config.toString()));
        users.forEach(
                (user, password) ->
                        formatArgs.addAll(
                                List.of(
                                        "--add-scram",
                                        MECHANISM
                                                + "=[name="
                                                + user
                                                + ",password="
                                                + password
                                                + "]")));
        Process format = run(log, "kafka.tools.StorageTool", formatArgs.toArray(String[]::new));
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("formatting the storage failed; log:\n" + tail(log));
        }
        Process broker = run(log, "kafka.Kafka", config.toString());
        SecureKafkaBroker b = new SecureKafkaBroker(broker, dir, certs, internal, saslSsl, mtls);
        try {
            // a JVM of its own with the whole test class path: slow to start on a loaded machine
            b.awaitReady(Duration.ofSeconds(150));
        } catch (Exception e) {
            b.close();
            throw new IllegalStateException(
                    "the secure broker did not start: " + e + "; log:\n" + tail(log), e);
        }
        LOG.info(
                "secure Kafka broker ready in {} ms: SASL_SSL {}, mTLS {}",
                (System.nanoTime() - t0) / 1_000_000,
                b.saslSslBootstrap(),
                b.mtlsBootstrap());
        return b;
    }

    /** The SASL_SSL (SCRAM-SHA-512) listener. */
    public String saslSslBootstrap() {
        return "127.0.0.1:" + saslSslPort;
    }

    /** The SSL listener that requires a client certificate. */
    public String mtlsBootstrap() {
        return "127.0.0.1:" + mtlsPort;
    }

    /** The plaintext inter-broker listener: only for the broker's own readiness check. */
    String internalBootstrap() {
        return "127.0.0.1:" + internalPort;
    }

    /** The broker's own output (format and server), for a failing test's message. */
    public Path logFile() {
        return dir.resolve("broker.log");
    }

    public TestCertificates certificates() {
        return certificates;
    }

    /**
     * A client properties file for the SASL_SSL listener as an operator writes it; {@code
     * passwordValue} is what stands in the JAAS line: the password itself, or a reference such as
     * {@code ${env:NAME}} (with {@code extra} declaring the provider).
     */
    public Map<String, String> saslSslClientSettings(
            String user, String passwordValue, Path truststore) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user
                        + "\" password=\""
                        + passwordValue
                        + "\";");
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", truststore.toString());
        p.put("ssl.truststore.password", certificates.password());
        return p;
    }

    /**
     * Client settings for the mutual-TLS listener: the client's certificate instead of a password.
     */
    public Map<String, String> mtlsClientSettings() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SSL");
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", certificates.truststore().toString());
        p.put("ssl.truststore.password", certificates.password());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", certificates.clientKeystore().toString());
        p.put("ssl.keystore.password", certificates.password());
        p.put("ssl.key.password", certificates.password());
        return p;
    }

    /** Writes settings as a properties file (what {@code --kafka-config} takes). */
    public static Path write(Path file, Map<String, String> settings) throws IOException {
        Properties p = new Properties();
        p.putAll(settings);
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "Kafka client settings");
        }
        return file;
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, internalBootstrap());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue());
            }
            try (Admin admin = Admin.create(props)) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                admin.listTopics().names().get(3, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(300);
            }
        }
    }

    private static String serverProperties(
            Path dir, TestCertificates certs, int controller, int internal, int saslSsl, int mtls) {
        String h = "127.0.0.1:";
        // every listener on 127.0.0.1, advertised as it binds
        String listeners =
                String.join(
                        ",",
                        "INTERNAL://" + h + internal,
                        "CONTROLLER://" + h + controller,
                        "SASL_SSL://" + h + saslSsl,
                        "MTLS://" + h + mtls);
        return String.join(
                "\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=" + h + controller,
                "listeners=" + listeners,
                "advertised.listeners=" + listeners,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=INTERNAL",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,"
                        + "SASL_SSL:SASL_SSL,MTLS:SSL",
                "sasl.enabled.mechanisms=" + MECHANISM,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                        + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + certs.brokerKeystore(),
                "ssl.keystore.password=" + certs.password(),
                "ssl.key.password=" + certs.password(),
                "listener.name.mtls.ssl.client.auth=required",
                "listener.name.mtls.ssl.truststore.type=PKCS12",
                "listener.name.mtls.ssl.truststore.location=" + certs.truststore(),
                "listener.name.mtls.ssl.truststore.password=" + certs.password(),
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=4",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=4",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "transaction.max.timeout.ms=900000",
                "");
    }

    /**
     * The authorizer's settings, or none ({@code superUser} null: every client may do anything).
     */
    private static String authorizer(String superUser) {
        if (superUser == null) {
            return "";
        }
        return String.join(
                "\n",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:ANONYMOUS;User:" + superUser,
                "allow.everyone.if.no.acl.found=false",
                "");
    }

    /** A JVM on this test's classpath (which holds the Kafka broker) running {@code main}. */
    private static Process run(Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xms256m", "-Xmx768m", "-cp", System.getProperty("java.class.path")));
        cmd.add(main);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
