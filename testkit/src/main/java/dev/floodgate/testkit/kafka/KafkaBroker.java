package dev.floodgate.testkit.kafka;

import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real in-process Kafka broker (KRaft) for one test class: started before all tests, stopped
 * after.
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {
    private final java.util.Map<String, String> brokerConfig;
    private EmbeddedKafka kafka;

    public KafkaBroker() {
        this(java.util.Map.of());
    }

    /** A broker with more settings ({@link EmbeddedKafka#start(java.util.Map)}). */
    public KafkaBroker(java.util.Map<String, String> brokerConfig) {
        this.brokerConfig = java.util.Map.copyOf(brokerConfig);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        kafka = EmbeddedKafka.start(brokerConfig);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** {@link #awaitCommitted(String, int, Duration, String...)} on this broker. */
    public int awaitCommitted(int records, Duration timeout, String... topics)
            throws InterruptedException {
        return awaitCommitted(bootstrapServers(), records, timeout, topics);
    }

    /**
     * Waits until {@code topics} together hold at least {@code records} committed records (read
     * {@code read_committed}); returns how many they hold. Fails with an {@link AssertionError}
     * after {@code timeout}.
     */
    public static int awaitCommitted(
            String bootstrapServers, int records, Duration timeout, String... topics)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int seen = 0;
            for (String topic : topics) {
                seen += KafkaIO.readCommitted(bootstrapServers, topic).size();
            }
            if (seen >= records) {
                return seen;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        String.join(" + ", topics)
                                + " did not reach "
                                + records
                                + " committed records within "
                                + timeout
                                + " ("
                                + seen
                                + " so far)");
            }
            Thread.sleep(300);
        }
    }
}
