package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * k8s/network-policy.yaml: it selects the pods of both FlinkDeployments in their namespace, and the
 * Prometheus port (which Flink's reporter binds on all interfaces) is reachable from outside the
 * job's own pods only from the monitoring namespace; the operator reaches the REST port and nothing
 * else.
 */
class NetworkPolicyTest {
    static final String FILE = "network-policy.yaml";

    private static JsonNode raw() {
        return Manifests.document(Manifests.k8s(FILE));
    }

    private static NetworkPolicy policy() throws Exception {
        return Manifests.YAML.treeToValue(raw(), NetworkPolicy.class);
    }

    @Test
    void readsIntoTheKubernetesModelWithoutLosingAKey() throws Exception {
        List<String> lost = new ArrayList<>();
        FlinkDeploymentManifestsTest.lostLeaves(
                raw(), Manifests.YAML.valueToTree(policy()), "", lost);
        assertThat(lost).isEmpty();
        assertThat(policy().getApiVersion()).isEqualTo("networking.k8s.io/v1");
    }

    @Test
    void selectsThePodsOfBothJobs() throws Exception {
        NetworkPolicy p = policy();
        Map<String, String> selector = p.getSpec().getPodSelector().getMatchLabels();
        assertThat(selector).isNotEmpty();
        for (String file :
                List.of(FlinkDeploymentManifestsTest.LIVE, FlinkDeploymentManifestsTest.BACKFILL)) {
            JsonNode m = FlinkDeploymentManifestsTest.manifest(file);
            assertThat(p.getMetadata().getNamespace())
                    .isEqualTo(m.path("metadata").path("namespace").asText());
            Map<String, String> podLabels =
                    Manifests.YAML.convertValue(
                            m.path("spec").path("podTemplate").path("metadata").path("labels"),
                            Manifests.YAML
                                    .getTypeFactory()
                                    .constructMapType(Map.class, String.class, String.class));
            assertThat(podLabels).as(file).containsAllEntriesOf(selector);
        }
        assertThat(p.getSpec().getPolicyTypes()).contains("Ingress");
    }

    @Test
    void onlyTheMonitoringNamespaceReachesTheMetricsPortFromOutside() throws Exception {
        List<String> outsiders = new ArrayList<>();
        for (NetworkPolicyIngressRule rule : policy().getSpec().getIngress()) {
            assertThat(rule.getFrom()).as("a rule without peers allows everyone").isNotEmpty();
            for (NetworkPolicyPeer peer : rule.getFrom()) {
                boolean ownPods = peer.getNamespaceSelector() == null && peer.getIpBlock() == null;
                if (ownPods) {
                    assertThat(peer.getPodSelector().getMatchLabels())
                            .isEqualTo(policy().getSpec().getPodSelector().getMatchLabels());
                    continue;
                }
                assertThat(peer.getIpBlock()).as("no address ranges").isNull();
                String namespace =
                        peer.getNamespaceSelector()
                                .getMatchLabels()
                                .get("kubernetes.io/metadata.name");
                assertThat(rule.getPorts())
                        .as("%s may reach only named ports", namespace)
                        .isNotEmpty();
                for (NetworkPolicyPort port : rule.getPorts()) {
                    outsiders.add(namespace + ":" + portName(port.getPort()));
                }
            }
        }
        assertThat(outsiders)
                .containsExactlyInAnyOrder("monitoring:metrics", "flink-operator:8081");
    }

    /** The policy's "metrics" is the container port the reporter is configured on. */
    @Test
    void theMetricsPortIsTheReportersPort() {
        for (String file :
                List.of(FlinkDeploymentManifestsTest.LIVE, FlinkDeploymentManifestsTest.BACKFILL)) {
            JsonNode m = FlinkDeploymentManifestsTest.manifest(file);
            String reporter = Manifests.flinkConfiguration(m).get("metrics.reporter.prom.port");
            boolean named = false;
            for (JsonNode c : m.path("spec").path("podTemplate").path("spec").path("containers")) {
                for (JsonNode port : c.path("ports")) {
                    if (port.path("name").asText().equals("metrics")) {
                        assertThat(port.path("containerPort").asText()).isEqualTo(reporter);
                        named = true;
                    }
                }
            }
            assertThat(named).as("%s names its metrics port", file).isTrue();
        }
    }

    private static String portName(IntOrString port) {
        return port.getStrVal() != null ? port.getStrVal() : Integer.toString(port.getIntVal());
    }
}
