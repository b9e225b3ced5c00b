package dev.floodgate.job.kafka;

import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import dev.floodgate.job.BackfillMode;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The one list of the Kafka ACLs each Floodgate principal needs, derived from the same options the
 * jobs build their clients from (topics, groups, transactional id prefixes). The start check
 * verifies it ({@link KafkaPreflight}), {@code k8s/kafka-users.yaml} grants it (a deploy-test
 * compares the two) and docs/operating.md lists it for kafka-acls.sh.
 *
 * <p>Least privilege: literal topic and group names, transactional ids by the job's own prefix
 * (ending in {@code -}, so {@code floodgate-live-} never matches another job's ids), no cluster
 * operation and no Create: the topics come from {@code k8s/topics.yaml}. Each job has its own
 * principal and its own prefix: the backfill's principal cannot even initialise (and so fence) a
 * transactional id of the live job.
 */
public final class KafkaAcls {
    private KafkaAcls() {}

    /**
     * The prefix of all of a job's transactional ids: {@code --transactional-id-prefix} for the
     * live job, plus {@code -<mode>} for the backfill job; every sink adds {@code -<sink>} to it.
     */
    public static String transactionalIdPrefix(JobKind kind, FloodgateOptions o) {
        String prefix = o.get(FloodgateOptions.TRANSACTIONAL_ID_PREFIX);
        return kind == JobKind.LIVE
                ? prefix
                : prefix + "-" + o.get(FloodgateOptions.MODE).wireName();
    }

    /** The ACLs of the job of {@code kind} run with options {@code o} (the backfill: its mode). */
    public static List<KafkaAcl> forJob(JobKind kind, FloodgateOptions o) {
        if (kind == JobKind.LIVE) {
            return live(o);
        }
        return o.get(FloodgateOptions.MODE) == BackfillMode.DRAIN ? drain(o) : replay(o);
    }

    /**
     * The live job: reads the log; writes processed, shed and dead letters transactionally; its lag
     * monitor reads the input's and the shed lane's oldest unprocessed event, their {@code
     * retention.ms} and the drain group's committed offsets.
     */
    public static List<KafkaAcl> live(FloodgateOptions o) {
        String input = o.get(FloodgateOptions.INPUT_TOPIC);
        String shed = o.get(FloodgateOptions.SHED_TOPIC);
        List<KafkaAcl> acls = new ArrayList<>();
        acls.add(KafkaAcl.topic(input, READ, "the Kafka source reads and commits offsets"));
        acls.add(KafkaAcl.topic(input, DESCRIBE_CONFIGS, "the lag monitor reads retention.ms"));
        acls.add(
                KafkaAcl.topic(
                        o.get(FloodgateOptions.PROCESSED_TOPIC), WRITE, "the processed sink"));
        acls.add(KafkaAcl.topic(shed, WRITE, "the shed sink"));
        acls.add(KafkaAcl.topic(shed, READ, "the lag monitor reads the oldest undrained event"));
        acls.add(KafkaAcl.topic(shed, DESCRIBE_CONFIGS, "the lag monitor reads retention.ms"));
        acls.add(KafkaAcl.topic(o.get(FloodgateOptions.DLQ_TOPIC), WRITE, "the dead-letter sink"));
        acls.add(
                KafkaAcl.group(
                        o.get(FloodgateOptions.GROUP_ID),
                        READ,
                        "the Kafka source commits offsets on checkpoints"));
        if (!o.get(FloodgateOptions.DRAIN_GROUP_ID).equals(o.get(FloodgateOptions.GROUP_ID))) {
            acls.add(
                    KafkaAcl.group(
                            o.get(FloodgateOptions.DRAIN_GROUP_ID),
                            DESCRIBE,
                            "the lag monitor reads the drain's committed offsets"));
        }
        acls.add(transactionalIds(JobKind.LIVE, o));
        return List.copyOf(acls);
    }

    /**
     * The drain: reads the shed lane, writes processed and dead letters, puts back on the shed lane
     * what its service still fails, reads and writes its progress marks.
     */
    public static List<KafkaAcl> drain(FloodgateOptions o) {
        String shed = o.get(FloodgateOptions.SHED_TOPIC);
        String progress = o.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC);
        return List.of(
                KafkaAcl.topic(shed, READ, "the drain's source"),
                KafkaAcl.topic(shed, WRITE, "events whose service still fails go back"),
                KafkaAcl.topic(
                        o.get(FloodgateOptions.PROCESSED_TOPIC), WRITE, "the processed sink"),
                KafkaAcl.topic(o.get(FloodgateOptions.DLQ_TOPIC), WRITE, "the dead-letter sink"),
                KafkaAcl.topic(progress, READ, "the drain's marks, read at start"),
                KafkaAcl.topic(progress, WRITE, "the drain's marks sink"),
                KafkaAcl.group(
                        o.get(FloodgateOptions.GROUP_ID),
                        READ,
                        "the drain's source commits offsets on checkpoints"),
                transactionalIds(JobKind.BACKFILL, o));
    }

    /** The replay: reads the log from a savepoint's positions, writes its lane and dead letters. */
    public static List<KafkaAcl> replay(FloodgateOptions o) {
        return List.of(
                KafkaAcl.topic(o.get(FloodgateOptions.INPUT_TOPIC), READ, "the replay's source"),
                KafkaAcl.topic(
                        o.get(FloodgateOptions.REPLAY_TOPIC), WRITE, "the replay lane's sink"),
                KafkaAcl.topic(o.get(FloodgateOptions.DLQ_TOPIC), WRITE, "the dead-letter sink"),
                KafkaAcl.group(
                        o.get(FloodgateOptions.GROUP_ID),
                        READ,
                        "the replay's source commits offsets on checkpoints"),
                transactionalIds(JobKind.BACKFILL, o));
    }

    /** {@code reconcile}: reads the four topics read_committed, without a group; writes nothing. */
    public static List<KafkaAcl> reconcile(FloodgateOptions o) {
        return List.of(
                KafkaAcl.topic(o.get(FloodgateOptions.INPUT_TOPIC), READ, "reconcile reads it"),
                KafkaAcl.topic(o.get(FloodgateOptions.PROCESSED_TOPIC), READ, "reconcile reads it"),
                KafkaAcl.topic(o.get(FloodgateOptions.SHED_TOPIC), READ, "reconcile reads it"),
                KafkaAcl.topic(o.get(FloodgateOptions.DLQ_TOPIC), READ, "reconcile reads it"));
    }

    /**
     * Write on the job's transactional ids: the sinks' producers (InitProducerId, AddPartitions,
     * Produce, EndTxn) and, implied, Describe for the commit audit's describeTransactions. Since
     * Kafka 3.0 a transactional producer needs no IdempotentWrite on the cluster.
     */
    private static KafkaAcl transactionalIds(JobKind kind, FloodgateOptions o) {
        return KafkaAcl.transactionalIds(
                transactionalIdPrefix(kind, o) + "-",
                WRITE,
                "the exactly-once sinks' transactions");
    }
}
