package dev.floodgate.job.kafka;

import dev.floodgate.job.FloodgateOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs' start check of Kafka, before any graph is built: an admin client with the settings of
 * {@code --kafka-config} describes the cluster within a short timeout, then checks the job's ACLs
 * ({@link KafkaAcls}) with the same user. A wrong password, an untrusted certificate, unreachable
 * brokers or a missing ACL stop the job at start with a {@link Failure} naming what failed and what
 * to fix, instead of a job that restarts forever on every TaskManager. Missing topics are reported,
 * not refused (they may be created later). Every message is {@linkplain KafkaClientConfig#redact
 * redacted}.
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

        public Failure(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }
    }

    private KafkaPreflight() {}

    /**
     * Checks that the brokers answer these settings and that the user may describe {@code topics};
     * returns the topics among them that do not exist.
     */
    public static List<String> check(
            String bootstrapServers,
            KafkaClientConfig config,
            Duration timeout,
            Collection<String> topics) {
        return checkAccess(
                bootstrapServers,
                config,
                timeout,
                topics.stream()
                        .distinct()
                        .map(t -> KafkaAcl.topic(t, AclOperation.DESCRIBE, "the start check"))
                        .toList());
    }

    /**
     * Checks that the brokers answer these settings and that their user holds every ACL of {@code
     * required} ({@link KafkaAcls}); returns the topics among them that do not exist (reported, not
     * refused: they may be created later). A missing ACL stops the job here, with every missing one
     * named: a topic the user may not describe (Kafka then does not say whether it exists, so it is
     * never taken for a missing topic), an operation the broker does not authorize on a topic or a
     * group, a transactional id prefix the user may not write.
     *
     * <p>How each is probed with the job's own principal, changing nothing the jobs use: topics by
     * {@code describeTopics} with the broker's list of the operations it authorizes ({@code
     * includeAuthorizedOperations}); groups by their committed offsets (Describe) and by removing a
     * member no client is (Read, see {@link #checkGroups}); transactional ids, for which Kafka has
     * no such list, by a producer that initialises the one id {@code <prefix>preflight} and closes.
     * That id is no sink's (theirs end in {@code -<subtask>-<checkpoint>}), so the probe fences
     * nothing but an earlier probe; it never opens a transaction, and the broker forgets the id
     * after {@code transactional.id.expiration.ms}.
     */
    public static List<String> checkAccess(
            String bootstrapServers,
            KafkaClientConfig config,
            Duration timeout,
            List<KafkaAcl> required) {
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
        Properties adminProps = new Properties();
        adminProps.putAll(props);
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "floodgate-preflight");
        long t0 = System.nanoTime();
        try (Admin admin = Admin.create(adminProps)) {
            int brokers =
                    admin.describeCluster()
                            .nodes()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .size();
            List<String> denied = new ArrayList<>();
            List<String> missing = checkTopics(admin, required, timeout, denied);
            checkGroups(admin, required, timeout, denied);
            checkTransactionalIds(bootstrapServers, config, required, timeout, denied);
            if (!denied.isEmpty()) {
                throw new Failure(
                        Problem.AUTHORIZATION,
                        config.redact(
                                "Kafka start check failed: the user of "
                                        + file(config)
                                        + " lacks ACLs at "
                                        + at(bootstrapServers)
                                        + ": "
                                        + String.join("; ", denied)
                                        + ". Grant them to the job's own user: k8s/kafka-users.yaml,"
                                        + " or kafka-acls.sh as docs/operating.md, \"Kafka ACLs\","
                                        + " shows"));
            }
            LOG.info(
                    "Kafka at {} answers ({} brokers, {} ACLs verified, {} ms){}",
                    bootstrapServers,
                    brokers,
                    required.size(),
                    (System.nanoTime() - t0) / 1_000_000,
                    missing.isEmpty() ? "" : "; topics not there yet: " + missing);
            return missing;
        } catch (Failure e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(
                    Problem.CONNECTION, "interrupted while checking Kafka at " + bootstrapServers);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            throw failure(bootstrapServers, config, timeout, e);
        }
    }

    /** The suffix of the transactional id the start check initialises under a job's prefix. */
    public static final String PROBE_ID_SUFFIX = "preflight";

    /**
     * Each required operation on each topic against what the broker authorizes; adds the missing
     * ones to {@code denied}, returns the topics that do not exist.
     */
    private static List<String> checkTopics(
            Admin admin, List<KafkaAcl> required, Duration timeout, List<String> denied)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<String, List<KafkaAcl>> byTopic = byName(required, ResourceType.TOPIC);
        List<String> missing = new ArrayList<>();
        if (byTopic.isEmpty()) {
            return missing;
        }
        Map<String, KafkaFuture<TopicDescription>> described =
                admin.describeTopics(
                                byTopic.keySet(),
                                new DescribeTopicsOptions().includeAuthorizedOperations(true))
                        .topicNameValues();
        for (Map.Entry<String, List<KafkaAcl>> e : byTopic.entrySet()) {
            try {
                TopicDescription d =
                        described.get(e.getKey()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                addUnauthorized(e.getValue(), d.authorizedOperations(), denied);
            } catch (ExecutionException x) {
                if (x.getCause() instanceof UnknownTopicOrPartitionException) {
                    // the user may describe it (else the broker says not authorized): it is
                    // not there
                    missing.add(e.getKey());
                } else if (x.getCause() instanceof TopicAuthorizationException) {
                    // Kafka answers the same for a topic that exists and one that does not when
                    // the user may not describe it: never "not there yet"
                    denied.add(undescribable(e.getValue(), "Kafka then hides whether it exists"));
                } else {
                    throw x;
                }
            }
        }
        return missing;
    }

    /**
     * Each required operation on each consumer group. Describe: the group's committed offsets
     * ({@code OffsetFetch}, which needs Describe on the group and answers for a group that does not
     * exist yet). Read, which the offset commits need: Kafka lists a group's authorized operations
     * only once it exists, so the check asks the broker to remove the static member {@value
     * #PROBE_MEMBER} from the group ({@code LeaveGroup}, authorized by Read on the group). No
     * Floodgate client is that member (the jobs' groups hold committed offsets only, no members),
     * so the broker answers "unknown member" and changes nothing; without Read it answers "not
     * authorized".
     */
    private static void checkGroups(
            Admin admin, List<KafkaAcl> required, Duration timeout, List<String> denied)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        for (Map.Entry<String, List<KafkaAcl>> e :
                byName(required, ResourceType.GROUP).entrySet()) {
            String group = e.getKey();
            try {
                admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException x) {
                if (x.getCause() instanceof GroupAuthorizationException) {
                    denied.add(undescribable(e.getValue(), null));
                    continue;
                }
                throw x;
            }
            for (KafkaAcl acl : e.getValue()) {
                if (acl.operation() == AclOperation.READ && !mayRead(admin, group, timeout)) {
                    denied.add(acl.describe() + " (" + acl.why() + ")");
                } else if (acl.operation() != AclOperation.READ
                        && acl.operation() != AclOperation.DESCRIBE) {
                    throw new IllegalArgumentException("no check for " + acl);
                }
            }
        }
    }

    /** The static member id of the Read probe on a group; no Floodgate client uses it. */
    static final String PROBE_MEMBER = "floodgate-preflight-probe";

    /** Whether the broker lets this user leave {@code group}: Read on it (see checkGroups). */
    private static boolean mayRead(Admin admin, String group, Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        try {
            admin.removeMembersFromConsumerGroup(
                            group,
                            new RemoveMembersFromConsumerGroupOptions(
                                    List.of(new MemberToRemove(PROBE_MEMBER))))
                    .all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true; // not expected: nobody is that member
        } catch (ExecutionException x) {
            if (x.getCause() instanceof GroupAuthorizationException) {
                return false;
            }
            if (x.getCause() instanceof UnknownMemberIdException
                    || x.getCause() instanceof GroupIdNotFoundException) {
                // authorized: the broker looked for the member (or the group) and found none
                return true;
            }
            throw x;
        }
    }

    /**
     * Write on each required transactional id prefix: a producer initialises {@code
     * <prefix>preflight} (see {@link #checkAccess}); the broker refuses it without the ACL.
     */
    private static void checkTransactionalIds(
            String bootstrapServers,
            KafkaClientConfig config,
            List<KafkaAcl> required,
            Duration timeout,
            List<String> denied) {
        for (KafkaAcl acl : required) {
            if (acl.resourceType() != ResourceType.TRANSACTIONAL_ID) {
                continue;
            }
            if (acl.patternType() != PatternType.PREFIXED) {
                // initialising a literal id would fence the producer that uses it
                throw new IllegalArgumentException("transactional ids by prefix only: " + acl);
            }
            String probeId = acl.name() + PROBE_ID_SUFFIX;
            Properties p = new Properties();
            p.putAll(config.clientProperties());
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, probeId);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "floodgate-preflight-txn");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
            // the broker's default maximum is 15 min; the probe never begins a transaction
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
            try (KafkaProducer<byte[], byte[]> probe =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                try {
                    probe.initTransactions();
                } catch (TransactionalIdAuthorizationException e) {
                    denied.add(acl.describe() + " (" + acl.why() + ")");
                } catch (TimeoutException e) {
                    // authorized or not, the coordinator did not answer: not a connection problem
                    // (the admin client got its answers), so say what was waited for
                    throw new Failure(
                            Problem.CONNECTION,
                            "Kafka start check failed: no answer from the transaction coordinator"
                                    + " at "
                                    + at(bootstrapServers)
                                    + " within "
                                    + timeout.toSeconds()
                                    + " s, initialising the probe transactional id "
                                    + probeId
                                    + ": check the brokers' __transaction_state topic");
                }
            }
        }
    }

    private static Map<String, List<KafkaAcl>> byName(List<KafkaAcl> acls, ResourceType type) {
        Map<String, List<KafkaAcl>> byName = new LinkedHashMap<>();
        for (KafkaAcl acl : acls) {
            if (acl.resourceType() == type) {
                if (acl.patternType() != PatternType.LITERAL) {
                    throw new IllegalArgumentException("topics and groups by name only: " + acl);
                }
                byName.computeIfAbsent(acl.name(), n -> new ArrayList<>()).add(acl);
            }
        }
        return byName;
    }

    /**
     * The ACLs whose operation the broker does not authorize; {@code authorized} null (a broker
     * that did not say) checks nothing.
     */
    private static void addUnauthorized(
            List<KafkaAcl> acls, Set<AclOperation> authorized, List<String> denied) {
        if (authorized == null) {
            LOG.warn(
                    "Kafka did not list the authorized operations on {}",
                    acls.get(0).resourceName());
            return;
        }
        for (KafkaAcl acl : acls) {
            if (!authorized.contains(acl.operation())) {
                denied.add(acl.describe() + " (" + acl.why() + ")");
            }
        }
    }

    /**
     * A resource the user may not even describe: which of its operations it holds the broker does
     * not say, so every one it needs is named (Read, Write and the like imply Describe).
     */
    private static String undescribable(List<KafkaAcl> acls, String note) {
        StringBuilder b =
                new StringBuilder("nothing allowed on ").append(acls.get(0).resourceName());
        if (note != null) {
            b.append(" (").append(note).append(")");
        }
        b.append(", needed: ");
        for (int i = 0; i < acls.size(); i++) {
            KafkaAcl acl = acls.get(i);
            b.append(i == 0 ? "" : ", ")
                    .append(acl.operationName())
                    .append(" (")
                    .append(acl.why())
                    .append(")");
        }
        return b.toString();
    }

    private static String file(KafkaClientConfig config) {
        return config.isSet()
                ? "--" + FloodgateOptions.KAFKA_CONFIG.key + " " + config.path()
                : "no --" + FloodgateOptions.KAFKA_CONFIG.key + " (plaintext)";
    }

    private static String at(String bootstrapServers) {
        return "Kafka at "
                + bootstrapServers
                + " (--"
                + FloodgateOptions.BOOTSTRAP_SERVERS.key
                + ")";
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
