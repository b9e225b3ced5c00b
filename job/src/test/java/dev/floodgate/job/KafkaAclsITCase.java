package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.job.kafka.KafkaAcl;
import dev.floodgate.job.kafka.KafkaAcls;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import dev.floodgate.job.testing.SecureJobs;
import dev.floodgate.job.tools.ToolRun;
import dev.floodgate.job.tools.Tools;
import dev.floodgate.model.Interaction;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.SecureKafkaBroker;
import dev.floodgate.testkit.kafka.Topics;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACLs of {@link KafkaAcls} on a broker with KRaft's {@code StandardAuthorizer}, SASL_SSL and
 * SCRAM users: an administrator (super user) creates the topics and grants each job's user exactly
 * the code's list. With it the start checks pass and the live job, a drain and reconcile run, each
 * as its own user (so the list is enough, not just what the check checks); without any one of them
 * (a topic's Read or Write, a group, the transactional ids, all of a topic) the job stops at start
 * naming what is missing, nothing submitted.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KafkaAclsITCase {
    private static final String ADMIN = "admin";
    private static final String LIVE = "floodgate-live";
    private static final String BACKFILL = "floodgate-backfill";
    private static final String RECONCILE = "floodgate-reconcile";
    private static final String T = "acl";

    @TempDir static Path dir;

    private static final Map<String, String> passwords = new LinkedHashMap<>();
    private static SecureKafkaBroker kafka;
    private static Admin admin;
    private static Map<String, String> adminClient;

    @BeforeAll
    static void start() throws Exception {
        for (String user : List.of(ADMIN, LIVE, BACKFILL, RECONCILE)) {
            passwords.put(user, "scram-" + UUID.randomUUID());
        }
        kafka = SecureKafkaBroker.startWithAcls(dir.resolve("kafka"), passwords, ADMIN);
        adminClient = settings(ADMIN);
        Properties p = new Properties();
        p.putAll(adminClient);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.saslSslBootstrap());
        admin = Admin.create(p);
        Topics.create(
                kafka.saslSslBootstrap(), adminClient, 2, Duration.ofDays(1), SecureJobs.topics(T));
        Topics.createCompacted(kafka.saslSslBootstrap(), adminClient, progressTopic());
        grant(LIVE, KafkaAcls.live(live()));
        grant(BACKFILL, KafkaAcls.forJob(JobKind.BACKFILL, drain()));
        grant(RECONCILE, KafkaAcls.reconcile(reconcile()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void withTheCodesAclsTheJobsAndReconcileRunEachAsItsOwnUser() throws Exception {
        // the start checks alone
        FloodgateJob.checkKafka(live());
        BackfillJob.checkKafka(drain());
        assertThat(
                        KafkaPreflight.checkAccess(
                                kafka.saslSslBootstrap(),
                                KafkaClientConfig.from(reconcile()),
                                KafkaPreflight.TIMEOUT,
                                KafkaAcls.reconcile(reconcile())))
                .isEmpty();

        // and a short run: the lists are what the clients need, not only what the check checks
        Map<String, Interaction> sent =
                produce(SecureJobs.topic(T, "interactions"), 300); // as the administrator
        int restPort;
        try (ServerSocket s = new ServerSocket(0)) {
            restPort = s.getLocalPort();
        }
        try (LocalFlinkCluster flink =
                LocalFlinkCluster.start(restPort, 0, 2, new Configuration())) {
            JobClient liveJob =
                    FloodgateJob.submit(flink.environment(SecureJobs.jobConf()), live());
            awaitCommitted(
                    sent.size(), SecureJobs.topic(T, "processed"), SecureJobs.topic(T, "shed"));
            liveJob.cancel().get(1, TimeUnit.MINUTES);
            JobClient drainJob =
                    BackfillJob.submit(flink.environment(SecureJobs.jobConf()), drain());
            drainJob.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        }
        ToolRun run = ToolRun.of(reconcileArgs());
        assertThat(run.status()).as(run.err()).isEqualTo(Tools.OK);
        assertThat(run.out()).contains("\"processed_once\":" + sent.size(), "\"passed\":true");
    }

    @Test
    void eachMissingAclStopsTheLiveJobAtStartNamingIt() throws Exception {
        List<KafkaAcl> acls = KafkaAcls.live(live());
        String input = SecureJobs.topic(T, "interactions");
        String shed = SecureJobs.topic(T, "shed");
        String dlq = SecureJobs.topic(T, "dlq");
        // an operation the broker does not authorize on a topic the user may describe
        assertStopsWithout(
                acls,
                a -> a.name().equals(shed) && a.operation() == AclOperation.WRITE,
                live(),
                "Write on topic " + shed + " (the shed sink)");
        // the DescribeConfigs left does not imply Describe: the broker hides the topic
        assertStopsWithout(
                acls,
                a -> a.name().equals(input) && a.operation() == AclOperation.READ,
                live(),
                "nothing allowed on topic " + input,
                "needed: Read (the Kafka source",
                "DescribeConfigs (the lag monitor");
        assertStopsWithout(
                acls,
                a -> a.name().equals(dlq),
                live(),
                "nothing allowed on topic " + dlq,
                "needed: Write (the dead-letter sink)");
        assertStopsWithout(
                acls,
                a -> a.resourceType() == ResourceType.GROUP && a.name().equals(LIVE),
                live(),
                "nothing allowed on group " + LIVE + ", needed: Read");
        assertStopsWithout(
                acls,
                a -> a.resourceType() == ResourceType.GROUP && a.name().equals(BACKFILL),
                live(),
                "nothing allowed on group " + BACKFILL + ", needed: Describe");
        assertStopsWithout(
                acls,
                a -> a.resourceType() == ResourceType.TRANSACTIONAL_ID,
                live(),
                "Write on transactional ids prefixed " + LIVE + "-");
    }

    /**
     * Read on a group the user may only describe: refused whether the group has committed offsets
     * (a classic group without members, as the jobs' are) or does not exist yet.
     */
    @Test
    void aGroupTheUserMayOnlyDescribeIsRefusedRead() throws Exception {
        String existing = "acl-group-with-offsets";
        String absent = "acl-group-never-used";
        admin.alterConsumerGroupOffsets(
                        existing,
                        Map.of(
                                new org.apache.kafka.common.TopicPartition(
                                        SecureJobs.topic(T, "interactions"), 0),
                                new org.apache.kafka.clients.consumer.OffsetAndMetadata(0)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (String group : List.of(existing, absent)) {
            KafkaAcl read = KafkaAcl.group(group, AclOperation.READ, "test");
            KafkaAcl describe = KafkaAcl.group(group, AclOperation.DESCRIBE, "test");
            grant(RECONCILE, List.of(describe));
            try {
                assertThatThrownBy(
                                () ->
                                        KafkaPreflight.checkAccess(
                                                kafka.saslSslBootstrap(),
                                                KafkaClientConfig.from(reconcile()),
                                                KafkaPreflight.TIMEOUT,
                                                List.of(read)))
                        .as(group)
                        .isInstanceOf(KafkaPreflight.Failure.class)
                        .hasMessageContaining("Read on group " + group + " (test)");
                grant(RECONCILE, List.of(read));
                KafkaPreflight.checkAccess(
                        kafka.saslSslBootstrap(),
                        KafkaClientConfig.from(reconcile()),
                        KafkaPreflight.TIMEOUT,
                        List.of(read));
            } finally {
                revoke(RECONCILE, List.of(describe, read));
            }
        }
    }

    @Test
    void aTopicTheUserMayNotDescribeIsDeniedNeverNotThereYet() throws Exception {
        String shed = SecureJobs.topic(T, "shed");
        Failure f =
                assertStopsWithout(
                        KafkaAcls.live(live()),
                        a -> a.name().equals(shed),
                        live(),
                        "nothing allowed on topic " + shed,
                        "hides whether it exists",
                        "needed: Write (the shed sink)",
                        "Read (the lag monitor",
                        "DescribeConfigs (the lag monitor");
        assertThat(f.message).doesNotContain("not there");
    }

    @Test
    void theDrainStopsWithoutItsTransactionalIdsOrItsProgressTopic() throws Exception {
        List<KafkaAcl> acls = KafkaAcls.forJob(JobKind.BACKFILL, drain());
        assertStopsWithout(
                acls,
                a -> a.resourceType() == ResourceType.TRANSACTIONAL_ID,
                drain(),
                "Write on transactional ids prefixed " + BACKFILL + "-drain-");
        assertStopsWithout(
                acls,
                a -> a.name().equals(progressTopic()) && a.operation() == AclOperation.WRITE,
                drain(),
                "Write on topic " + progressTopic());
    }

    /**
     * A progress topic that was never created: the drain's user may read and write it but not
     * create it (no Create), so the drain stops at start naming it.
     */
    @Test
    void theDrainStopsWhenItsProgressTopicIsMissingAndItMayNotCreateIt() throws Exception {
        String missing = SecureJobs.topic(T, "progress-never-created");
        FloodgateOptions o =
                FloodgateOptions.fromArgs(
                        args(
                                        BACKFILL,
                                        "--mode",
                                        "drain",
                                        "--group-id",
                                        BACKFILL,
                                        "--transactional-id-prefix",
                                        BACKFILL,
                                        "--drain-progress-topic",
                                        missing)
                                .toArray(String[]::new),
                        JobKind.BACKFILL);
        List<KafkaAcl> progress =
                KafkaAcls.drain(o).stream().filter(a -> a.name().equals(missing)).toList();
        grant(BACKFILL, progress);
        try {
            assertThatThrownBy(
                            () ->
                                    BackfillJob.submit(
                                            StreamExecutionEnvironment.getExecutionEnvironment(),
                                            o))
                    .isInstanceOf(KafkaPreflight.Failure.class)
                    .hasMessageContaining("progress topic " + missing)
                    .hasMessageContaining("may not create it");
        } finally {
            revoke(BACKFILL, progress);
        }
    }

    @Test
    void theLiveUserCannotTakeTheBackfillsTransactionalIds() throws Exception {
        // the two principals' prefixes do not overlap: the live user is refused the drain's ids
        assertThatThrownBy(
                        () ->
                                KafkaPreflight.checkAccess(
                                        kafka.saslSslBootstrap(),
                                        KafkaClientConfig.from(live()),
                                        KafkaPreflight.TIMEOUT,
                                        KafkaAcls.forJob(JobKind.BACKFILL, drain()).stream()
                                                .filter(
                                                        a ->
                                                                a.resourceType()
                                                                        == ResourceType
                                                                                .TRANSACTIONAL_ID)
                                                .toList()))
                .isInstanceOf(KafkaPreflight.Failure.class)
                .hasMessageContaining(
                        "Write on transactional ids prefixed " + BACKFILL + "-drain-");
    }

    @Test
    void aMissingTopicTheUserMayDescribeIsReportedNotRefused() throws Exception {
        String absent = SecureJobs.topic(T, "not-created");
        KafkaAcl describe = KafkaAcl.topic(absent, AclOperation.DESCRIBE, "test");
        grant(RECONCILE, List.of(describe));
        try {
            assertThat(
                            KafkaPreflight.check(
                                    kafka.saslSslBootstrap(),
                                    KafkaClientConfig.from(reconcile()),
                                    KafkaPreflight.TIMEOUT,
                                    List.of(absent)))
                    .containsExactly(absent);
        } finally {
            revoke(RECONCILE, List.of(describe));
        }
    }

    /** What a failed start check said. */
    record Failure(KafkaPreflight.Problem problem, String message) {}

    /**
     * Revokes the ACLs of {@code acls} that {@code which} selects, asserts the job's start (the
     * real entry point, with a fresh environment: nothing reaches a cluster) fails naming each of
     * {@code expected}, and grants them again.
     */
    private static Failure assertStopsWithout(
            List<KafkaAcl> acls,
            Predicate<KafkaAcl> which,
            FloodgateOptions options,
            String... expected)
            throws Exception {
        List<KafkaAcl> removed = acls.stream().filter(which).toList();
        assertThat(removed).as("the ACLs to remove").isNotEmpty();
        String user = options.get(FloodgateOptions.GROUP_ID);
        revoke(user, removed);
        try {
            Throwable thrown =
                    org.assertj.core.api.Assertions.catchThrowable(
                            () -> {
                                StreamExecutionEnvironment env =
                                        StreamExecutionEnvironment.getExecutionEnvironment();
                                if (user.equals(LIVE)) {
                                    FloodgateJob.submit(env, options);
                                } else {
                                    BackfillJob.submit(env, options);
                                }
                            });
            assertThat(thrown).isInstanceOf(KafkaPreflight.Failure.class);
            KafkaPreflight.Failure f = (KafkaPreflight.Failure) thrown;
            assertThat(f.problem).isEqualTo(KafkaPreflight.Problem.AUTHORIZATION);
            assertThat(f.getMessage()).contains(expected);
            // nothing the user still holds on another resource is named
            for (KafkaAcl kept : acls) {
                if (removed.stream().noneMatch(r -> r.resourceName().equals(kept.resourceName()))) {
                    assertThat(f.getMessage()).doesNotContain(kept.resourceName() + ",");
                    assertThat(f.getMessage()).doesNotContain(kept.describe());
                }
            }
            assertThat(f.getMessage()).doesNotContain(passwords.get(user));
            return new Failure(f.problem, f.getMessage());
        } finally {
            grant(user, removed);
        }
    }

    private static void grant(String user, List<KafkaAcl> acls) throws Exception {
        admin.createAcls(bindings(user, acls)).all().get(30, TimeUnit.SECONDS);
        awaitAcls(user, true, acls);
    }

    private static void revoke(String user, List<KafkaAcl> acls) throws Exception {
        admin.deleteAcls(bindings(user, acls).stream().map(AclBinding::toFilter).toList())
                .all()
                .get(30, TimeUnit.SECONDS);
        awaitAcls(user, false, acls);
    }

    /**
     * Until the broker's authorizer (which answers describeAcls) holds, or no longer holds, the
     * ACLs: the controller commits a change before the broker applies it.
     */
    private static void awaitAcls(String user, boolean present, List<KafkaAcl> acls)
            throws Exception {
        Set<AclBinding> wanted = new HashSet<>(bindings(user, acls));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Set<AclBinding> now =
                    new HashSet<>(
                            admin.describeAcls(
                                            new AclBindingFilter(
                                                    ResourcePatternFilter.ANY,
                                                    new AccessControlEntryFilter(
                                                            "User:" + user,
                                                            null,
                                                            AclOperation.ANY,
                                                            org.apache.kafka.common.acl
                                                                    .AclPermissionType.ANY)))
                                    .values()
                                    .get(30, TimeUnit.SECONDS));
            boolean done =
                    present ? now.containsAll(wanted) : wanted.stream().noneMatch(now::contains);
            if (done) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("ACLs of " + user + " still " + now);
            }
            Thread.sleep(100);
        }
    }

    private static List<AclBinding> bindings(String user, List<KafkaAcl> acls) {
        return acls.stream().map(a -> a.binding("User:" + user)).toList();
    }

    private static Map<String, String> settings(String user) {
        return kafka.saslSslClientSettings(
                user, passwords.get(user), kafka.certificates().truststore());
    }

    /** A user's --kafka-config file (the password literally: the test's own, made up per run). */
    private static Path config(String user) {
        try {
            return SecureKafkaBroker.write(dir.resolve(user + ".properties"), settings(user));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String progressTopic() {
        return SecureJobs.topic(T, "progress");
    }

    /** Every option that names a Kafka resource, as the manifests set them. */
    private static List<String> args(String user, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--bootstrap-servers",
                                kafka.saslSslBootstrap(),
                                "--kafka-config",
                                config(user).toString(),
                                "--input-topic",
                                SecureJobs.topic(T, "interactions"),
                                "--processed-topic",
                                SecureJobs.topic(T, "processed"),
                                "--shed-topic",
                                SecureJobs.topic(T, "shed"),
                                "--dlq-topic",
                                SecureJobs.topic(T, "dlq")));
        args.addAll(List.of(more));
        return args;
    }

    private static FloodgateOptions live() {
        return FloodgateOptions.fromArgs(
                args(
                                LIVE,
                                "--group-id",
                                LIVE,
                                "--transactional-id-prefix",
                                LIVE,
                                "--drain-group-id",
                                BACKFILL,
                                "--transaction-timeout",
                                "5min",
                                "--checkpoint-interval",
                                "500ms",
                                "--parallelism",
                                "2",
                                "--shed-voice",
                                "1ms/1ms",
                                "--hot-key-rate",
                                "off",
                                "--starting-offsets",
                                "earliest",
                                "--dry-run",
                                "true")
                        .toArray(String[]::new),
                JobKind.LIVE);
    }

    private static FloodgateOptions drain() {
        return FloodgateOptions.fromArgs(
                args(
                                BACKFILL,
                                "--mode",
                                "drain",
                                "--group-id",
                                BACKFILL,
                                "--transactional-id-prefix",
                                BACKFILL,
                                "--drain-progress-topic",
                                progressTopic(),
                                "--transaction-timeout",
                                "5min",
                                "--checkpoint-interval",
                                "500ms",
                                "--parallelism",
                                "2",
                                "--max-rate",
                                "5000",
                                "--dry-run",
                                "true")
                        .toArray(String[]::new),
                JobKind.BACKFILL);
    }

    private static FloodgateOptions reconcile() {
        return FloodgateOptions.fromArgs(args(RECONCILE).toArray(String[]::new), JobKind.LIVE);
    }

    private static String[] reconcileArgs() {
        List<String> a = new ArrayList<>(List.of("reconcile"));
        a.addAll(args(RECONCILE));
        a.add("--json");
        return a.toArray(String[]::new);
    }

    /** Events and three poison records, written by the administrator (gateways' role). */
    private static Map<String, Interaction> produce(String topic, int events) {
        return SecureJobs.produce(kafka.saslSslBootstrap(), adminClient, topic, events);
    }

    private static void awaitCommitted(int records, String... topics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = 0;
            for (String topic : topics) {
                seen +=
                        dev.floodgate.testkit.kafka.KafkaIO.readCommitted(
                                        kafka.saslSslBootstrap(), adminClient, topic)
                                .size();
            }
            if (seen >= records) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                String.join(" + ", topics) + " reached " + seen + " of " + records);
    }
}
