package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * k8s/rbac.yaml: the TaskManagers' own service account, whose Role reads ConfigMaps (Kubernetes
 * HA's leader retrieval) and nothing else: no pod creation (which would let it mount any Secret),
 * no Secrets. Both FlinkDeployments run their TaskManagers under it.
 */
class RbacTest {
    static final String FILE = "rbac.yaml";
    static final String TM_ACCOUNT_KEY = "kubernetes.taskmanager.service-account";

    /** What Flink 2.2's Kubernetes HA leader retrieval does with ConfigMaps on a TaskManager. */
    static final Set<String> TM_CONFIGMAP_VERBS = Set.of("get", "list", "watch");

    static List<JsonNode> docs() {
        return Manifests.documents(Manifests.k8s(FILE));
    }

    static JsonNode of(List<JsonNode> docs, String kind) {
        return docs.stream()
                .filter(d -> d.path("kind").asText().equals(kind))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in k8s/" + FILE));
    }

    /** What a Role grants beyond read access to ConfigMaps; empty when nothing. */
    static List<String> tooMuch(JsonNode role) {
        List<String> problems = new ArrayList<>();
        for (JsonNode rule : role.path("rules")) {
            List<String> groups = strings(rule.path("apiGroups"));
            List<String> resources = strings(rule.path("resources"));
            List<String> verbs = strings(rule.path("verbs"));
            if (rule.has("nonResourceURLs")) {
                problems.add("non-resource URLs " + strings(rule.path("nonResourceURLs")));
            }
            if (resources.contains("*") || resources.contains("pods")) {
                if (verbs.contains("create") || verbs.contains("*")) {
                    problems.add("may create pods: " + rule);
                } else {
                    problems.add("pod access: " + rule);
                }
            }
            if (resources.contains("*")
                    || resources.stream().anyMatch(r -> r.startsWith("secrets"))) {
                problems.add("secret access: " + rule);
            }
            for (String r : resources) {
                if (!r.equals("configmaps")
                        && !r.equals("*")
                        && !r.equals("pods")
                        && !r.startsWith("secrets")) {
                    problems.add("access to " + r + ": " + rule);
                }
            }
            if (!groups.equals(List.of(""))) {
                problems.add("API groups " + groups + ": " + rule);
            }
            for (String v : verbs) {
                if (!TM_CONFIGMAP_VERBS.contains(v)) {
                    problems.add("verb " + v + ": " + rule);
                }
            }
        }
        return problems;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theTaskManagerRoleReadsConfigMapsOnly() {
        JsonNode role = of(docs(), "Role");
        assertThat(tooMuch(role)).isEmpty();
        assertThat(strings(role.path("rules").get(0).path("verbs")))
                .containsExactlyInAnyOrderElementsOf(TM_CONFIGMAP_VERBS);
        assertThat(docs()).noneMatch(d -> d.path("kind").asText().startsWith("Cluster"));
    }

    @Test
    void theBindingGivesThatRoleToTheTaskManagerAccount() {
        List<JsonNode> docs = docs();
        JsonNode account = of(docs, "ServiceAccount");
        JsonNode role = of(docs, "Role");
        JsonNode binding = of(docs, "RoleBinding");
        String ns = account.path("metadata").path("namespace").asText();
        assertThat(role.path("metadata").path("namespace").asText()).isEqualTo(ns);
        assertThat(binding.path("metadata").path("namespace").asText()).isEqualTo(ns);
        assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo("Role");
        assertThat(binding.path("roleRef").path("name").asText())
                .isEqualTo(role.path("metadata").path("name").asText());
        assertThat(binding.path("subjects")).hasSize(1);
        JsonNode subject = binding.path("subjects").get(0);
        assertThat(subject.path("kind").asText()).isEqualTo("ServiceAccount");
        assertThat(subject.path("name").asText())
                .isEqualTo(account.path("metadata").path("name").asText());
        assertThat(subject.path("namespace").asText()).isEqualTo(ns);
    }

    @ParameterizedTest
    @MethodSource("dev.floodgate.deploy.FlinkDeploymentManifestsTest#manifests")
    void bothDeploymentsRunTheirTaskManagersUnderThatAccount(String file) {
        JsonNode m = FlinkDeploymentManifestsTest.manifest(file);
        JsonNode account = of(docs(), "ServiceAccount");
        assertThat(Manifests.flinkConfiguration(m).get(TM_ACCOUNT_KEY))
                .as(file)
                .isEqualTo(account.path("metadata").path("name").asText());
        assertThat(m.path("metadata").path("namespace").asText())
                .isEqualTo(account.path("metadata").path("namespace").asText());
        // The JobManager keeps the operator's account (it creates the TaskManager pods).
        assertThat(m.path("spec").path("serviceAccount").asText())
                .isEqualTo("flink")
                .isNotEqualTo(Manifests.flinkConfiguration(m).get(TM_ACCOUNT_KEY));
        // A pod template's serviceAccountName would override both: none may set one.
        assertThat(m.path("spec").path("podTemplate").path("spec").has("serviceAccountName"))
                .isFalse();
        assertThat(
                        m.path("spec")
                                .path("taskManager")
                                .path("podTemplate")
                                .path("spec")
                                .has("serviceAccountName"))
                .isFalse();
    }

    @Test
    void theCheckFindsPodCreationSecretsAndWildcards() {
        ObjectNode role = Manifests.copy(of(docs(), "Role"));
        ArrayNode rules = (ArrayNode) role.path("rules");
        ObjectNode pods = rules.addObject();
        pods.putArray("apiGroups").add("");
        pods.putArray("resources").add("pods");
        pods.putArray("verbs").add("create");
        ObjectNode secrets = rules.addObject();
        secrets.putArray("apiGroups").add("");
        secrets.putArray("resources").add("secrets");
        secrets.putArray("verbs").add("get");
        ObjectNode all = rules.addObject();
        all.putArray("apiGroups").add("*");
        all.putArray("resources").add("*");
        all.putArray("verbs").add("*");
        assertThat(tooMuch(role))
                .anyMatch(p -> p.startsWith("may create pods") && p.contains("\"pods\""))
                .anyMatch(p -> p.startsWith("secret access") && p.contains("\"secrets\""))
                .anyMatch(p -> p.startsWith("may create pods") && p.contains("\"*\""))
                .anyMatch(p -> p.startsWith("verb *"))
                .anyMatch(p -> p.startsWith("API groups [*]"));
    }
}
