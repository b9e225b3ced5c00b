package dev.floodgate.sources;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads topics outside Flink, for the reconcile tool and the tests: which topics exist, and the
 * records committed to one.
 */
public final class CommittedRecords {
    /** How long {@link #readAll} waits for a partition that does not advance. */
    private static final Duration READ_IDLE_TIMEOUT = Duration.ofSeconds(60);

    private CommittedRecords() {}

    /**
     * Everything committed to {@code topic} right now, read with {@code
     * isolation.level=read_committed}: reads each partition up to its last stable offset. Holds the
     * whole topic in memory: for tests and small topics; {@link TopicScan} streams.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, String topic) {
        return readAll(bootstrapServers, Map.of(), topic);
    }

    /**
     * The same with client settings (security, from {@code --kafka-config}) applied to the
     * consumer.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, Map<String, String> clientSettings, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (TopicScan scan =
                TopicScan.open(clientProperties(bootstrapServers, clientSettings), topic)) {
            scan.forEach(out::add, READ_IDLE_TIMEOUT, (t, read, total, rate) -> {});
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not read " + topic, e);
        }
        return out;
    }

    /** {@link #clientProperties(String, Map)} without client settings (a plaintext cluster). */
    public static Properties clientProperties(String bootstrapServers) {
        return clientProperties(bootstrapServers, Map.of());
    }

    /**
     * The Kafka client settings every client of these tools starts from (consumers and the admin
     * client): the one place that says how to reach and authenticate to the cluster. {@code
     * clientSettings} are the {@code --kafka-config} settings (security); the bootstrap servers
     * given win over theirs.
     */
    public static Properties clientProperties(
            String bootstrapServers, Map<String, String> clientSettings) {
        Properties p = new Properties();
        p.putAll(clientSettings);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /**
     * The names among {@code names} that are not topics of the cluster; waits at most {@code
     * timeout}.
     */
    public static List<String> missingTopics(
            String bootstrapServers, Duration timeout, List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        return missingTopics(bootstrapServers, Map.of(), timeout, names);
    }

    /** The same with client settings (security) applied to the admin client. */
    public static List<String> missingTopics(
            String bootstrapServers,
            Map<String, String> clientSettings,
            Duration timeout,
            List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        Properties props = clientProperties(bootstrapServers, clientSettings);
        props.put(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing =
                    admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return names.stream().filter(n -> !existing.contains(n)).toList();
        }
    }
}
