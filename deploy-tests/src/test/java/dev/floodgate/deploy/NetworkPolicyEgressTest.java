package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * k8s/network-policy-egress.yaml: each job's pods are egress-isolated (policyTypes Egress) and may
 * reach only DNS, their own cluster's pods, the API server, the Kafka brokers on the job's listener
 * port, S3 and the processing service; k8s/README.md applies the policies before the jobs.
 */
class NetworkPolicyEgressTest {
    static final String FILE = "network-policy-egress.yaml";

    /** The destinations a Floodgate pod may connect to. */
    enum Kind {
        DNS,
        OWN_CLUSTER,
        API_SERVER,
        KAFKA,
        S3,
        PROCESSING_SERVICE
    }

    static List<NetworkPolicy> policies() throws Exception {
        List<NetworkPolicy> out = new ArrayList<>();
        for (JsonNode d : Manifests.documents(Manifests.k8s(FILE))) {
            out.add(Manifests.YAML.treeToValue(d, NetworkPolicy.class));
        }
        return out;
    }

    static Map<String, String> podLabels(JsonNode flinkDeployment) {
        return Manifests.YAML.convertValue(
                flinkDeployment.path("spec").path("podTemplate").path("metadata").path("labels"),
                Manifests.YAML
                        .getTypeFactory()
                        .constructMapType(Map.class, String.class, String.class));
    }

    static boolean selects(NetworkPolicy p, Map<String, String> labels) {
        return labels.entrySet()
                .containsAll(p.getSpec().getPodSelector().getMatchLabels().entrySet());
    }

    /** The Kafka port the job connects to: the port of its --bootstrap-servers. */
    static int kafkaPort(JsonNode flinkDeployment) {
        String servers = Manifests.arg(Manifests.args(flinkDeployment), "bootstrap-servers");
        return Integer.parseInt(servers.split(",")[0].replaceAll(".*:", ""));
    }

    private static Set<String> ports(NetworkPolicyEgressRule rule) {
        return rule.getPorts() == null
                ? Set.of()
                : rule.getPorts().stream()
                        .map(NetworkPolicyEgressTest::port)
                        .collect(Collectors.toSet());
    }

    private static String port(NetworkPolicyPort p) {
        String protocol = p.getProtocol() == null ? "TCP" : p.getProtocol();
        String n =
                p.getPort() == null
                        ? "any"
                        : p.getPort().getIntVal() != null
                                ? Integer.toString(p.getPort().getIntVal())
                                : p.getPort().getStrVal();
        return protocol + "/" + n + (p.getEndPort() == null ? "" : "-" + p.getEndPort());
    }

    private static String namespace(NetworkPolicyPeer peer) {
        return peer.getNamespaceSelector() == null
                ? null
                : peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name");
    }

    /**
     * Which allowed kind a rule is, or a description of why it is none; every peer of a rule must
     * be of that kind.
     */
    static Object classify(NetworkPolicyEgressRule rule, NetworkPolicy policy, int kafkaPort) {
        if (rule.getTo() == null || rule.getTo().isEmpty()) {
            return "a rule without peers allows every destination";
        }
        Set<String> ports = ports(rule);
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (NetworkPolicyPeer peer : rule.getTo()) {
            String ns = namespace(peer);
            if (peer.getIpBlock() != null) {
                String cidr = peer.getIpBlock().getCidr();
                if (cidr.endsWith("/0")) {
                    return "ipBlock " + cidr + " is everything";
                }
                if (ports.equals(Set.of("TCP/443", "TCP/6443"))
                        || ports.equals(Set.of("TCP/443"))
                        || ports.equals(Set.of("TCP/6443"))) {
                    kinds.add(ports.contains("TCP/6443") ? Kind.API_SERVER : Kind.S3);
                } else {
                    return "ipBlock " + cidr + " on ports " + ports;
                }
            } else if ("kube-system".equals(ns)
                    && ports.equals(Set.of("UDP/53", "TCP/53"))
                    && peer.getPodSelector() != null
                    && "kube-dns".equals(peer.getPodSelector().getMatchLabels().get("k8s-app"))) {
                kinds.add(Kind.DNS);
            } else if (ns == null && peer.getPodSelector() != null) {
                if (!peer.getPodSelector()
                        .getMatchLabels()
                        .equals(policy.getSpec().getPodSelector().getMatchLabels())) {
                    return "pods " + peer.getPodSelector().getMatchLabels() + " are not its own";
                }
                kinds.add(Kind.OWN_CLUSTER);
            } else if ("kafka".equals(ns)
                    && ports.equals(Set.of("TCP/" + kafkaPort))
                    && peer.getPodSelector() != null
                    && peer.getPodSelector().getMatchLabels().containsKey("strimzi.io/cluster")) {
                kinds.add(Kind.KAFKA);
            } else if ("processing".equals(ns) && ports.equals(Set.of("TCP/443"))) {
                kinds.add(Kind.PROCESSING_SERVICE);
            } else {
                return "peer "
                        + peer
                        + " on ports "
                        + ports
                        + " is none of "
                        + List.of(Kind.values());
            }
        }
        return kinds.size() == 1 ? kinds.iterator().next() : "one rule mixes " + kinds;
    }

    @Test
    void readsIntoTheKubernetesModelWithoutLosingAKey() throws Exception {
        List<JsonNode> raw = Manifests.documents(Manifests.k8s(FILE));
        for (JsonNode d : raw) {
            List<String> lost = new ArrayList<>();
            FlinkDeploymentManifestsTest.lostLeaves(
                    d,
                    Manifests.YAML.valueToTree(Manifests.YAML.treeToValue(d, NetworkPolicy.class)),
                    "",
                    lost);
            assertThat(lost).isEmpty();
        }
    }

    /**
     * Each job's pods are selected by an Egress policy of their own, which selects no pod of the
     * other job, and whose every rule is an allowed kind; all kinds are there (a missing one is a
     * job that cannot start).
     */
    @ParameterizedTest
    @MethodSource("dev.floodgate.deploy.FlinkDeploymentManifestsTest#manifests")
    void everyEgressRuleIsAnAllowedKind(String file) throws Exception {
        JsonNode m = FlinkDeploymentManifestsTest.manifest(file);
        String other =
                file.equals(FlinkDeploymentManifestsTest.LIVE)
                        ? FlinkDeploymentManifestsTest.BACKFILL
                        : FlinkDeploymentManifestsTest.LIVE;
        List<NetworkPolicy> mine =
                policies().stream().filter(p -> selects(p, podLabels(m))).toList();
        assertThat(mine).as(file).isNotEmpty();
        for (NetworkPolicy p : mine) {
            assertThat(p.getMetadata().getNamespace())
                    .isEqualTo(m.path("metadata").path("namespace").asText());
            assertThat(p.getSpec().getPolicyTypes())
                    .as(p.getMetadata().getName())
                    .contains("Egress");
            assertThat(selects(p, podLabels(FlinkDeploymentManifestsTest.manifest(other))))
                    .as("%s selects the pods of %s too", p.getMetadata().getName(), other)
                    .isFalse();
            Set<Kind> seen = EnumSet.noneOf(Kind.class);
            for (NetworkPolicyEgressRule rule : p.getSpec().getEgress()) {
                Object kind = classify(rule, p, kafkaPort(m));
                assertThat(kind)
                        .as("%s: %s", p.getMetadata().getName(), rule)
                        .isInstanceOf(Kind.class);
                seen.add((Kind) kind);
            }
            assertThat(seen).as(p.getMetadata().getName()).containsExactlyInAnyOrder(Kind.values());
        }
    }

    @Test
    void theCheckRejectsWhatIsNotOnTheList() throws Exception {
        NetworkPolicy p = policies().get(0);
        JsonNode live = FlinkDeploymentManifestsTest.manifest(FlinkDeploymentManifestsTest.LIVE);
        NetworkPolicyEgressRule open = new NetworkPolicyEgressRule();
        assertThat(classify(open, p, 9093)).asString().contains("allows every destination");
        NetworkPolicyEgressRule anywhere =
                Manifests.YAML.readValue(
                        "{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 443}]}",
                        NetworkPolicyEgressRule.class);
        assertThat(classify(anywhere, p, 9093)).asString().contains("is everything");
        NetworkPolicyEgressRule plaintextKafka =
                Manifests.YAML.readValue(
                        "{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kafka}},"
                                + " podSelector: {matchLabels: {strimzi.io/cluster: x}}}],"
                                + " ports: [{port: 9092}]}",
                        NetworkPolicyEgressRule.class);
        assertThat(classify(plaintextKafka, p, kafkaPort(live))).isInstanceOf(String.class);
        NetworkPolicyEgressRule otherJob =
                Manifests.YAML.readValue(
                        "{to: [{podSelector: {matchLabels: {app.kubernetes.io/name: floodgate}}}]}",
                        NetworkPolicyEgressRule.class);
        assertThat(classify(otherJob, p, 9093)).asString().contains("are not its own");
        NetworkPolicyEgressRule anyNamespace =
                Manifests.YAML.readValue(
                        "{to: [{namespaceSelector: {}}], ports: [{port: 443}]}",
                        NetworkPolicyEgressRule.class);
        assertThat(classify(anyNamespace, p, 9093)).isInstanceOf(String.class);
    }

    /**
     * The README applies the service account, the policies and the TLS certificates before it
     * starts either job (the live job with its store password put in: k8s/README.md, 3b).
     */
    @Test
    void theReadmeAppliesPoliciesAndRbacBeforeTheJobs() throws Exception {
        String readme = Files.readString(Manifests.k8s("README.md"));
        int live = readme.indexOf("< k8s/live-job.yaml | kubectl apply -f -");
        int backfill = readme.indexOf("k8s/backfill.sh apply");
        assertThat(live).isPositive();
        assertThat(backfill).isPositive();
        for (String first :
                List.of(
                        "kubectl apply -f k8s/network-policy-egress.yaml",
                        "kubectl apply -f k8s/network-policy.yaml",
                        "kubectl apply -f k8s/rbac.yaml",
                        "kubectl apply -f k8s/tls.yaml")) {
            int at = readme.indexOf(first);
            assertThat(at).as(first).isPositive().isLessThan(live).isLessThan(backfill);
        }
    }
}
