package dev.floodgate.job.kafka;

import dev.floodgate.job.FloodgateOptions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs' start check of Kafka, before any graph is built: an admin client with the settings of
 * {@code --kafka-config} describes the cluster and lists the topics within a short timeout. A wrong
 * password, an untrusted certificate or unreachable brokers stop the job at start with a {@link
 * Failure} naming what failed and the option to fix, instead of a job that restarts forever on
 * every TaskManager. Missing topics are reported, not refused (they may be created later). Every
 * message is {@linkplain KafkaClientConfig#redact redacted}.
 */
public final class KafkaPreflight {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPreflight.class);

    /** Long enough for a TLS handshake and SASL exchange on a loaded machine, short at start. */
    public static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** What failed: authentication, TLS trust, the connection, or authorization. */
    public enum Problem {
        AUTHENTICATION,
        TLS_TRUST,
        CONNECTION,
        AUTHORIZATION,
        CLIENT_SETTINGS
    }

    /** The check failed; the message names the problem and the options, never a secret. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public final Problem problem;

        Failure(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }
    }

    private KafkaPreflight() {}

    /**
     * Checks that the brokers answer these settings; returns the topics among {@code topics} that
     * do not exist.
     */
    public static List<String> check(
            String bootstrapServers,
            KafkaClientConfig config,
            Duration timeout,
            Collection<String> topics) {
        LOG.info(
                "Kafka client settings (--{}): {}",
                FloodgateOptions.KAFKA_CONFIG.key,
                config.describe());
        Properties props = new Properties();
        props.putAll(config.clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "floodgate-preflight");
        long t0 = System.nanoTime();
        try (Admin admin = Admin.create(props)) {
            int brokers =
                    admin.describeCluster()
                            .nodes()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .size();
            Set<String> existing =
                    admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<String> missing = topics.stream().filter(t -> !existing.contains(t)).toList();
            LOG.info(
                    "Kafka at {} answers ({} brokers, {} ms){}",
                    bootstrapServers,
                    brokers,
                    (System.nanoTime() - t0) / 1_000_000,
                    missing.isEmpty() ? "" : "; topics not there yet: " + missing);
            return missing;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(
                    Problem.CONNECTION, "interrupted while checking Kafka at " + bootstrapServers);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            throw failure(bootstrapServers, config, timeout, e);
        }
    }

    static Failure failure(
            String bootstrapServers, KafkaClientConfig config, Duration timeout, Throwable e) {
        String file =
                config.isSet()
                        ? "--" + FloodgateOptions.KAFKA_CONFIG.key + " " + config.path()
                        : "no --" + FloodgateOptions.KAFKA_CONFIG.key + " (plaintext)";
        String at =
                "Kafka at "
                        + bootstrapServers
                        + " (--"
                        + FloodgateOptions.BOOTSTRAP_SERVERS.key
                        + ")";
        Problem problem = classify(e);
        String what =
                switch (problem) {
                    case AUTHENTICATION ->
                            "authentication failed at "
                                    + at
                                    + ": check the user and password in sasl.jaas.config of "
                                    + file;
                    case TLS_TRUST ->
                            untrusted(e)
                                    ? "TLS trust failed at "
                                            + at
                                            + ": the broker's certificate is not trusted by the "
                                            + "truststore (ssl.truststore.*) of "
                                            + file
                                    : "TLS handshake failed at "
                                            + at
                                            + ": check the truststore (ssl.truststore.*) and, for "
                                            + "mutual TLS, the client certificate (ssl.keystore.*) of "
                                            + file;
                    case AUTHORIZATION ->
                            "not authorized at " + at + ": grant the user of " + file + " access";
                    case CLIENT_SETTINGS ->
                            "cannot create a Kafka client for "
                                    + at
                                    + " from the settings of "
                                    + file;
                    case CONNECTION ->
                            "no connection to "
                                    + at
                                    + " within "
                                    + timeout.toSeconds()
                                    + " s: check the address, and that security.protocol of "
                                    + file
                                    + " is what the listener speaks";
                };
        Throwable root = rootCause(e);
        return new Failure(
                problem,
                "Kafka start check failed: "
                        + what
                        + " ("
                        + root.getClass().getSimpleName()
                        + (root.getMessage() == null ? "" : ": " + config.redact(root.getMessage()))
                        + ")");
    }

    static Problem classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SslAuthenticationException || t instanceof SSLHandshakeException) {
                return Problem.TLS_TRUST;
            }
            if (t instanceof SaslAuthenticationException || t instanceof AuthenticationException) {
                return Problem.AUTHENTICATION;
            }
            if (t instanceof AuthorizationException) {
                return Problem.AUTHORIZATION;
            }
            if (t instanceof TimeoutException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return Problem.CONNECTION;
            }
            if (t instanceof org.apache.kafka.common.config.ConfigException
                    && String.valueOf(t.getMessage()).contains("bootstrap")) {
                return Problem.CONNECTION;
            }
        }
        return e instanceof org.apache.kafka.common.KafkaException
                ? Problem.CLIENT_SETTINGS
                : Problem.CONNECTION;
    }

    /** The broker's certificate did not verify (as opposed to the broker refusing ours). */
    private static boolean untrusted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException
                    || t.getClass().getName().contains("CertPathBuilder")) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
