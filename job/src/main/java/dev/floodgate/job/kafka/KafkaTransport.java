package dev.floodgate.job.kafka;

import dev.floodgate.job.FloodgateOptions;
import java.util.Locale;
import java.util.Set;

/**
 * The jobs' rule for the Kafka connection's transport, checked at start before any client is made:
 * events carry customer text, and SASL credentials cross the same connection, so a connection
 * without TLS, or with TLS but without checking the broker's host name (which lets anyone holding
 * any certificate of the same CA act as the broker), runs only when the user says so with its own
 * option. A missing {@code --kafka-config} means plaintext, as Kafka's clients default to.
 */
public final class KafkaTransport {
    static final Set<String> PLAINTEXT = Set.of("PLAINTEXT", "SASL_PLAINTEXT");
    static final String PROTOCOL = "security.protocol";
    static final String HOSTNAME_CHECK = "ssl.endpoint.identification.algorithm";

    private KafkaTransport() {}

    /** Refuses the transport {@code config} gives unless {@code o} allows it, naming the option. */
    public static void check(FloodgateOptions o, KafkaClientConfig config) {
        for (String key : new String[] {PROTOCOL, HOSTNAME_CHECK}) {
            String v = config.value(key);
            if (v != null && v.contains("${")) {
                // resolved only inside the clients, after this check: a reference would pass it
                throw new IllegalArgumentException(
                        "--"
                                + FloodgateOptions.KAFKA_CONFIG.key
                                + " sets "
                                + key
                                + " through a config-provider reference: write it literally, so "
                                + "the start check sees the transport the clients will use");
            }
        }
        String protocol = protocol(config);
        if (PLAINTEXT.contains(protocol)) {
            if (!o.get(FloodgateOptions.KAFKA_PLAINTEXT)) {
                throw new IllegalArgumentException(
                        "Kafka without TLS ("
                                + PROTOCOL
                                + " "
                                + protocol
                                + (config.isSet()
                                        ? " in --" + FloodgateOptions.KAFKA_CONFIG.key
                                        : ": no --" + FloodgateOptions.KAFKA_CONFIG.key)
                                + "): events and credentials would cross the network in clear. Set "
                                + PROTOCOL
                                + "=SASL_SSL (or SSL) in --"
                                + FloodgateOptions.KAFKA_CONFIG.key
                                + ", or --"
                                + FloodgateOptions.KAFKA_PLAINTEXT.key
                                + " true for a broker reached only over a network you trust");
            }
            return;
        }
        String check = config.value(HOSTNAME_CHECK);
        if (check != null
                && check.isBlank()
                && !o.get(FloodgateOptions.KAFKA_SKIP_HOSTNAME_CHECK)) {
            throw new IllegalArgumentException(
                    "--"
                            + FloodgateOptions.KAFKA_CONFIG.key
                            + " sets "
                            + HOSTNAME_CHECK
                            + " empty: the broker's certificate would be trusted for any host name. "
                            + "Remove the line (https, Kafka's default), or give --"
                            + FloodgateOptions.KAFKA_SKIP_HOSTNAME_CHECK.key
                            + " true");
        }
    }

    /** The configured protocol, upper case; Kafka's default PLAINTEXT when none is given. */
    static String protocol(KafkaClientConfig config) {
        String p = config.value(PROTOCOL);
        return p == null || p.isBlank() ? "PLAINTEXT" : p.trim().toUpperCase(Locale.ROOT);
    }
}
