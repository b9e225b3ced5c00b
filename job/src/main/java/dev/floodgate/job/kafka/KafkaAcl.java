package dev.floodgate.job.kafka;

import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * One ACL a Floodgate principal needs: an allowed operation on a topic, a consumer group or
 * transactional ids, from any host. {@code why} names the client that needs it, for the start
 * check's message and the docs.
 *
 * <p>Only what each client's requests need is listed, the operations Kafka implies left out: Read,
 * Write, Delete and Alter imply Describe, and AlterConfigs implies DescribeConfigs. So Write on
 * transactional ids also covers the commit audit's {@code describeTransactions}, and Read on a
 * group its committed offsets ({@code OffsetFetch}).
 */
public record KafkaAcl(
        ResourceType resourceType,
        String name,
        PatternType patternType,
        AclOperation operation,
        String why) {

    public KafkaAcl {
        if (patternType != PatternType.LITERAL && patternType != PatternType.PREFIXED) {
            throw new IllegalArgumentException("literal or prefixed only: " + patternType);
        }
        if (name.isEmpty() || name.equals("*")) {
            // a wildcard is never least privilege
            throw new IllegalArgumentException("an ACL names its resource: '" + name + "'");
        }
    }

    public static KafkaAcl topic(String topic, AclOperation op, String why) {
        return new KafkaAcl(ResourceType.TOPIC, topic, PatternType.LITERAL, op, why);
    }

    public static KafkaAcl group(String group, AclOperation op, String why) {
        return new KafkaAcl(ResourceType.GROUP, group, PatternType.LITERAL, op, why);
    }

    static KafkaAcl transactionalIds(String prefix, AclOperation op, String why) {
        return new KafkaAcl(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, op, why);
    }

    /** This ACL as Kafka's admin API grants it to {@code principal} ({@code User:<name>}). */
    public AclBinding binding(String principal) {
        return new AclBinding(
                new ResourcePattern(resourceType, name, patternType),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    /** "Write on topic interactions.dlq", "Write on transactional ids prefixed floodgate-live-". */
    public String describe() {
        return operationName() + " on " + resourceName();
    }

    /** The operation as Strimzi and kafka-acls.sh spell it: Read, Write, DescribeConfigs. */
    public String operationName() {
        StringBuilder b = new StringBuilder();
        for (String part : operation.name().split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    /**
     * "topic interactions", "group floodgate-live", "transactional ids prefixed floodgate-live-".
     */
    public String resourceName() {
        String kind =
                switch (resourceType) {
                    case TOPIC -> "topic";
                    case GROUP -> "group";
                    case TRANSACTIONAL_ID -> "transactional ids";
                    default -> resourceType.name().toLowerCase(Locale.ROOT);
                };
        return kind + (patternType == PatternType.PREFIXED ? " prefixed " : " ") + name;
    }
}
