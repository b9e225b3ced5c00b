package dev.floodgate.job.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The ACL lists follow the jobs' options, and the sinks' transactional ids fall under them. */
class KafkaAclsTest {
    private static FloodgateOptions options(JobKind kind, String... more) {
        String[] args = new String[more.length + 2];
        args[0] = "--bootstrap-servers";
        args[1] = "localhost:9";
        System.arraycopy(more, 0, args, 2, more.length);
        return FloodgateOptions.fromArgs(args, kind);
    }

    private static List<String> described(List<KafkaAcl> acls) {
        return acls.stream().map(KafkaAcl::describe).toList();
    }

    @Test
    void theLiveJobsAclsFollowItsOptions() {
        FloodgateOptions o =
                options(
                        JobKind.LIVE,
                        "--input-topic",
                        "in",
                        "--shed-topic",
                        "sh",
                        "--group-id",
                        "g",
                        "--drain-group-id",
                        "dg",
                        "--transactional-id-prefix",
                        "p");
        assertThat(described(KafkaAcls.live(o)))
                .containsExactlyInAnyOrder(
                        "Read on topic in",
                        "DescribeConfigs on topic in",
                        "Write on topic interactions.processed",
                        "Write on topic sh",
                        "Read on topic sh",
                        "DescribeConfigs on topic sh",
                        "Write on topic interactions.dlq",
                        "Read on group g",
                        "Describe on group dg",
                        "Write on transactional ids prefixed p-");
    }

    @Test
    void theBackfillsAclsDependOnItsMode() {
        assertThat(described(KafkaAcls.forJob(JobKind.BACKFILL, options(JobKind.BACKFILL))))
                .containsExactlyInAnyOrder(
                        "Read on topic interactions.shed",
                        "Write on topic interactions.shed",
                        "Write on topic interactions.processed",
                        "Write on topic interactions.dlq",
                        "Read on topic interactions.shed.progress",
                        "Write on topic interactions.shed.progress",
                        "Read on group floodgate-backfill",
                        "Write on transactional ids prefixed floodgate-backfill-drain-");
        assertThat(
                        described(
                                KafkaAcls.forJob(
                                        JobKind.BACKFILL,
                                        options(JobKind.BACKFILL, "--mode", "replay"))))
                .containsExactlyInAnyOrder(
                        "Read on topic interactions",
                        "Write on topic interactions.processed",
                        "Write on topic interactions.dlq",
                        "Read on group floodgate-backfill",
                        "Write on transactional ids prefixed floodgate-backfill-replay-");
    }

    @Test
    void reconcileOnlyReads() {
        assertThat(KafkaAcls.reconcile(options(JobKind.LIVE)))
                .allMatch(a -> a.operation() == AclOperation.READ)
                .allMatch(a -> a.resourceType() == ResourceType.TOPIC)
                .hasSize(4);
    }

    /** The ACL's prefix covers every sink's ids, and the two jobs' prefixes never overlap. */
    @Test
    void everySinksTransactionalIdsFallUnderItsJobsPrefixAndNotTheOthers() {
        FloodgateOptions live = options(JobKind.LIVE);
        FloodgateOptions drain = options(JobKind.BACKFILL);
        String livePrefix = txnAcl(KafkaAcls.live(live)).name();
        String drainPrefix = txnAcl(KafkaAcls.forJob(JobKind.BACKFILL, drain)).name();
        ExactlyOnceKafkaSinks liveSinks =
                new ExactlyOnceKafkaSinks(
                        "localhost:9",
                        KafkaAcls.transactionalIdPrefix(JobKind.LIVE, live),
                        Duration.ofMinutes(10));
        ExactlyOnceKafkaSinks drainSinks =
                new ExactlyOnceKafkaSinks(
                        "localhost:9",
                        KafkaAcls.transactionalIdPrefix(JobKind.BACKFILL, drain),
                        Duration.ofMinutes(10));
        for (String sink : List.of("processed", "shed", "dlq-all", "dlq-backfill", "marks")) {
            assertThat(liveSinks.transactionalIdPrefix(sink))
                    .startsWith(livePrefix)
                    .doesNotStartWith(drainPrefix);
            assertThat(drainSinks.transactionalIdPrefix(sink))
                    .startsWith(drainPrefix)
                    .doesNotStartWith(livePrefix);
        }
        // the start check's probe id is under the prefix but no sink's
        assertThat(livePrefix + KafkaPreflight.PROBE_ID_SUFFIX).startsWith(livePrefix);
    }

    @Test
    void noWildcardsAndOnlyLiteralOrPrefixedPatterns() {
        assertThatThrownBy(
                        () ->
                                new KafkaAcl(
                                        ResourceType.TOPIC,
                                        "*",
                                        PatternType.LITERAL,
                                        AclOperation.READ,
                                        "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                new KafkaAcl(
                                        ResourceType.TOPIC,
                                        "t",
                                        PatternType.MATCH,
                                        AclOperation.READ,
                                        "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static KafkaAcl txnAcl(List<KafkaAcl> acls) {
        return acls.stream()
                .filter(a -> a.resourceType() == ResourceType.TRANSACTIONAL_ID)
                .findFirst()
                .orElseThrow();
    }
}
