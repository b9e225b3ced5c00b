package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.job.kafka.KafkaAcl;
import dev.floodgate.job.kafka.KafkaAcls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * k8s/kafka-users.yaml: one Strimzi KafkaUser per job (SCRAM-SHA-512, simple authorization) whose
 * ACLs are exactly {@link KafkaAcls}'s list for the options in the job's manifest, least privilege
 * (no wildcard, no All, no cluster operation, no Create, transactional ids by prefix only), and
 * each FlinkDeployment mounts its own user's client Secret.
 */
class KafkaUsersTest {
    static final String FILE = "kafka-users.yaml";

    /** Strimzi 1.x serves KafkaUser as kafka.strimzi.io/v1 (as KafkaTopic, StrimziTopicsTest). */
    static final String API_VERSION = StrimziTopicsTest.API_VERSION;

    /** Strimzi's AclRule operations that are never least privilege for Floodgate. */
    static final Set<String> NEVER = Set.of("All", "Create", "Delete", "Alter", "AlterConfigs");

    static Map<String, JsonNode> users() {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode doc : Manifests.documents(Manifests.k8s(FILE))) {
            byName.put(doc.path("metadata").path("name").asText(), doc);
        }
        return byName;
    }

    static FloodgateOptions options(String manifest, JobKind kind) {
        return FloodgateOptions.fromArgs(
                Manifests.args(Manifests.document(Manifests.k8s(manifest))).toArray(new String[0]),
                kind);
    }

    /** The code's ACL as a Strimzi rule's resource and one operation: "topic literal x Read". */
    static String strimzi(KafkaAcl acl) {
        String type =
                switch (acl.resourceType()) {
                    case TOPIC -> "topic";
                    case GROUP -> "group";
                    case TRANSACTIONAL_ID -> "transactionalId";
                    case CLUSTER -> "cluster";
                    default -> throw new AssertionError("no Strimzi type for " + acl);
                };
        String pattern = acl.patternType() == PatternType.PREFIXED ? "prefix" : "literal";
        return type + " " + pattern + " " + acl.name() + " " + acl.operationName();
    }

    static Set<String> expected(List<KafkaAcl> acls) {
        Set<String> s = new TreeSet<>();
        acls.forEach(a -> s.add(strimzi(a)));
        return s;
    }

    /** A KafkaUser's rules, one entry per operation, in the form of {@link #strimzi}. */
    static Set<String> granted(JsonNode user) {
        Set<String> s = new TreeSet<>();
        for (JsonNode rule : user.path("spec").path("authorization").path("acls")) {
            JsonNode r = rule.path("resource");
            for (JsonNode op : rule.path("operations")) {
                s.add(
                        r.path("type").asText()
                                + " "
                                + r.path("patternType").asText("literal")
                                + " "
                                + r.path("name").asText()
                                + " "
                                + op.asText());
            }
        }
        return s;
    }

    /**
     * What makes a KafkaUser more than least privilege, or not what the jobs use; empty if none.
     */
    static List<String> problems(JsonNode user) {
        List<String> problems = new ArrayList<>();
        if (!user.path("apiVersion").asText().equals(API_VERSION)
                || !user.path("kind").asText().equals("KafkaUser")) {
            problems.add("not a " + API_VERSION + " KafkaUser");
        }
        if (!user.path("metadata").path("namespace").asText().equals("kafka")
                || !user.path("metadata")
                        .path("labels")
                        .path("strimzi.io/cluster")
                        .asText()
                        .equals("floodgate-kafka")) {
            problems.add("not in namespace kafka for cluster floodgate-kafka");
        }
        JsonNode spec = user.path("spec");
        if (!spec.path("authentication").path("type").asText().equals("scram-sha-512")) {
            problems.add("authentication is not scram-sha-512");
        }
        if (!spec.path("authorization").path("type").asText().equals("simple")) {
            problems.add("authorization is not simple");
        }
        for (JsonNode rule : spec.path("authorization").path("acls")) {
            JsonNode r = rule.path("resource");
            String type = r.path("type").asText();
            String name = r.path("name").asText();
            String pattern = r.path("patternType").asText("literal");
            if (rule.has("operation")) {
                problems.add("'operation' (removed in v1; 'operations'): " + rule);
            }
            if (!rule.path("type").asText("allow").equals("allow")) {
                problems.add("not an allow rule: " + rule);
            }
            if (!rule.path("host").asText("*").equals("*")) {
                problems.add("a host restriction the jobs' pods cannot meet: " + rule);
            }
            if (type.equals("cluster")) {
                problems.add("a cluster operation: " + rule);
            }
            if (name.isEmpty() || name.contains("*")) {
                problems.add("a wildcard or unnamed resource: " + rule);
            }
            if (type.equals("transactionalId")
                    ? !pattern.equals("prefix") || !name.endsWith("-")
                    : !pattern.equals("literal")) {
                problems.add(
                        "topics and groups literal, transactional ids by a prefix ending in '-': "
                                + rule);
            }
            for (JsonNode op : rule.path("operations")) {
                if (NEVER.contains(op.asText())) {
                    problems.add(op.asText() + ": " + rule);
                }
            }
        }
        return problems;
    }

    /** The Secret a FlinkDeployment mounts as its Kafka client settings. */
    static String clientSecret(JsonNode deployment) {
        for (JsonNode v :
                deployment.path("spec").path("podTemplate").path("spec").path("volumes")) {
            if (v.path("name").asText().equals("kafka-client")) {
                return v.path("secret").path("secretName").asText();
            }
        }
        throw new AssertionError("no kafka-client volume");
    }

    @Test
    void oneUserPerJobAndReconcile() {
        assertThat(users().keySet())
                .containsExactlyInAnyOrder(
                        "floodgate-live", "floodgate-backfill", "floodgate-reconcile");
    }

    @Test
    void everyUserIsLeastPrivilege() {
        users().forEach((name, user) -> assertThat(problems(user)).as(name).isEmpty());
    }

    @Test
    void eachUsersAclsAreExactlyTheCodesForItsManifest() {
        FloodgateOptions live = options("live-job.yaml", JobKind.LIVE);
        FloodgateOptions backfill = options("backfill-job.yaml", JobKind.BACKFILL);
        assertThat(granted(users().get("floodgate-live")))
                .containsExactlyElementsOf(expected(KafkaAcls.live(live)));
        assertThat(granted(users().get("floodgate-backfill")))
                .containsExactlyElementsOf(expected(KafkaAcls.forJob(JobKind.BACKFILL, backfill)));
        // reconcile reads the topics the live job's options name
        assertThat(granted(users().get("floodgate-reconcile")))
                .containsExactlyElementsOf(expected(KafkaAcls.reconcile(live)));
    }

    @Test
    void eachDeploymentMountsItsOwnUsersSecret() {
        JsonNode live = Manifests.document(Manifests.k8s("live-job.yaml"));
        JsonNode backfill = Manifests.document(Manifests.k8s("backfill-job.yaml"));
        // Strimzi names a user's Secret after the user; the job's client Secret is
        // <user>-kafka-client
        assertThat(clientSecret(live)).isEqualTo("floodgate-live-kafka-client");
        assertThat(clientSecret(backfill)).isEqualTo("floodgate-backfill-kafka-client");
        assertThat(clientSecret(live)).isNotEqualTo(clientSecret(backfill));
    }

    /**
     * The backfill's user can never initialise (and so fence) a transactional id of the live job.
     */
    @Test
    void theJobsTransactionalIdPrefixesDoNotOverlap() {
        List<String> prefixes = new ArrayList<>();
        for (JsonNode user : users().values()) {
            for (JsonNode rule : user.path("spec").path("authorization").path("acls")) {
                if (rule.path("resource").path("type").asText().equals("transactionalId")) {
                    prefixes.add(rule.path("resource").path("name").asText());
                }
            }
        }
        assertThat(prefixes).hasSize(2);
        assertThat(prefixes.get(0)).doesNotStartWith(prefixes.get(1));
        assertThat(prefixes.get(1)).doesNotStartWith(prefixes.get(0));
        FloodgateOptions live = options("live-job.yaml", JobKind.LIVE);
        FloodgateOptions backfill = options("backfill-job.yaml", JobKind.BACKFILL);
        assertThat(
                        KafkaAcls.live(live).stream()
                                .filter(a -> a.resourceType() == ResourceType.TRANSACTIONAL_ID)
                                .map(KafkaAcl::name))
                .containsExactly(KafkaAcls.transactionalIdPrefix(JobKind.LIVE, live) + "-");
        assertThat(KafkaAcls.transactionalIdPrefix(JobKind.BACKFILL, backfill))
                .isEqualTo("floodgate-backfill-drain");
    }

    /** The README applies the users and makes the jobs' client Secrets before either job starts. */
    @Test
    void theReadmeCreatesTheUsersAndSecretsBeforeTheJobs() throws Exception {
        String readme = java.nio.file.Files.readString(Manifests.k8s("README.md"));
        // the live job is applied with its TLS store password put in (section 3b)
        int live =
                readme.indexOf("\nenvsubst '${FLOODGATE_FLINK_TLS_PASSWORD}' < k8s/live-job.yaml");
        int backfill = readme.indexOf("\nk8s/backfill.sh apply");
        assertThat(live).isPositive();
        assertThat(backfill).isPositive();
        for (String first :
                List.of(
                        "kubectl apply -f k8s/topics.yaml",
                        "kubectl apply -f k8s/kafka-users.yaml",
                        "for user in floodgate-live floodgate-backfill",
                        "create secret generic \"$user-kafka-client\"")) {
            assertThat(readme.indexOf(first))
                    .as(first)
                    .isPositive()
                    .isLessThan(live)
                    .isLessThan(backfill);
        }
        assertThat(readme).doesNotContain("floodgate-kafka-client");
    }

    /** Each mistake the checks are for is caught. */
    @Test
    void theChecksCatchWhatTheyAreFor() {
        JsonNode live = users().get("floodgate-live");
        ObjectNode wildcard = Manifests.copy(live);
        rule(wildcard, 0).with("resource").put("name", "*");
        assertThat(problems(wildcard)).anyMatch(p -> p.startsWith("a wildcard"));

        ObjectNode all = Manifests.copy(live);
        ((ArrayNode) rule(all, 0).withArray("operations")).add("All");
        assertThat(problems(all)).anyMatch(p -> p.startsWith("All"));

        ObjectNode prefixedTopic = Manifests.copy(live);
        rule(prefixedTopic, 0).with("resource").put("patternType", "prefix");
        assertThat(problems(prefixedTopic)).anyMatch(p -> p.startsWith("topics and groups"));

        ObjectNode cluster = Manifests.copy(live);
        ObjectNode idempotent = rule(cluster, 0).deepCopy();
        idempotent.with("resource").removeAll().put("type", "cluster");
        ((ObjectNode) cluster.path("spec").path("authorization")).withArray("acls").add(idempotent);
        assertThat(problems(cluster)).anyMatch(p -> p.startsWith("a cluster operation"));

        ObjectNode tls = Manifests.copy(live);
        ((ObjectNode) tls.path("spec").path("authentication")).put("type", "tls");
        assertThat(problems(tls)).contains("authentication is not scram-sha-512");

        // a dropped operation is a difference from the code's list
        ObjectNode fewer = Manifests.copy(live);
        ((ArrayNode) rule(fewer, 0).withArray("operations")).remove(0);
        assertThat(granted(fewer))
                .isNotEqualTo(expected(KafkaAcls.live(options("live-job.yaml", JobKind.LIVE))));
    }

    private static ObjectNode rule(ObjectNode user, int i) {
        return (ObjectNode) user.path("spec").path("authorization").path("acls").get(i);
    }
}
