package dev.floodgate.testkit.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates Floodgate's topics the way production has them: LogAppendTime (the age of an event is
 * measured from the broker's clock, not a producer's), a retention, and the given partition count.
 */
public final class Topics {
    private Topics() {}

    /** Creates each topic that does not exist yet. */
    public static void create(
            String bootstrapServers, int partitions, Duration retention, String... names)
            throws InterruptedException, ExecutionException {
        create(bootstrapServers, Map.of(), partitions, retention, names);
    }

    /** The same with client settings (security). */
    public static void create(
            String bootstrapServers,
            Map<String, String> clientProperties,
            int partitions,
            Duration retention,
            String... names)
            throws InterruptedException, ExecutionException {
        create(
                bootstrapServers,
                clientProperties,
                partitions,
                Map.of(
                        "message.timestamp.type",
                        "LogAppendTime",
                        "retention.ms",
                        Long.toString(retention.toMillis())),
                names);
    }

    /** Creates each compacted topic (the drain's progress) that does not exist yet. */
    public static void createCompacted(String bootstrapServers, String... names)
            throws InterruptedException, ExecutionException {
        createCompacted(bootstrapServers, Map.of(), names);
    }

    /** The same with client settings (security). */
    public static void createCompacted(
            String bootstrapServers, Map<String, String> clientProperties, String... names)
            throws InterruptedException, ExecutionException {
        create(
                bootstrapServers,
                clientProperties,
                1,
                Map.of("message.timestamp.type", "LogAppendTime", "cleanup.policy", "compact"),
                names);
    }

    private static void create(
            String bootstrapServers,
            Map<String, String> clientProperties,
            int partitions,
            Map<String, String> configs,
            String... names)
            throws InterruptedException, ExecutionException {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> topics = new ArrayList<>();
            for (String name : names) {
                if (!existing.contains(name)) {
                    topics.add(new NewTopic(name, partitions, (short) 1).configs(configs));
                }
            }
            try {
                admin.createTopics(topics).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
