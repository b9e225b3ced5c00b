package dev.floodgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The FlinkDeployment {@code v1beta1} openAPIV3Schema of the Flink Kubernetes Operator 1.15.0, the
 * release the manifests are written for.
 *
 * <p>No artifact on the Maven repository reachable here ships the 1.15 CRDs: the newest {@code
 * org.apache.flink:flink-kubernetes-operator-api} served is 1.10.0 (1.3.0, 1.7.0 and 1.10.0 are
 * listed; 1.11.0 to 1.15.0 are not), and neither {@code flink-kubernetes-operator} (up to 1.7.0)
 * nor {@code flink-autoscaler} (up to 1.10.0) has a newer one. So the schema is the one in the
 * 1.10.0 API jar ({@code META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml}) with the
 * changes between the 1.10.0 and the 1.15.0 release CRDs (helm/flink-kubernetes-operator/crds/ of
 * the release-1.15.0 tag) that concern the FlinkDeployment's own fields applied, written out here
 * one by one:
 *
 * <ul>
 *   <li>{@code spec.flinkConfiguration}: a map of strings up to 1.10; since 1.13 (FLINK-37406,
 *       structured YAML configuration) {@code x-kubernetes-preserve-unknown-fields: true} with no
 *       type, so nested maps and unquoted numbers and booleans are accepted too.
 *   <li>{@code spec.flinkVersion}: {@code v2_0}, {@code v2_1} and {@code v2_2} added to the enum
 *       (operators 1.11 to 1.13); 1.15.0 has no {@code v2_x}.
 *   <li>{@code spec.job.autoscalerResetNonce} (integer) added (FLINK-36640).
 * </ul>
 *
 * The other changes between the two CRDs are in the status (FLINK-33634's conditions; a manifest
 * has no status) and in the embedded Kubernetes pod template (newer Kubernetes API fields such as
 * {@code stopSignal} and container {@code resources.claims[].request}), which the manifests do not
 * use: with the 1.10 schema such a key would be reported unknown, never silently accepted.
 */
final class OperatorCrd {
    static final List<String> FLINK_2_VERSIONS = List.of("v2_0", "v2_1", "v2_2");

    private OperatorCrd() {}

    /** The FlinkDeployment v1beta1 schema as the 1.10.0 API jar ships it. */
    static JsonNode flinkDeployment110() {
        JsonNode crd =
                Manifests.resource("META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml");
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("name").asText().equals("v1beta1")) {
                return v.path("schema").path("openAPIV3Schema");
            }
        }
        throw new AssertionError("no v1beta1 in the FlinkDeployment CRD");
    }

    /** The FlinkDeployment v1beta1 schema of operator 1.15.0 (see the class comment). */
    static JsonNode flinkDeployment115() {
        ObjectNode schema = Manifests.copy(flinkDeployment110());
        ObjectNode spec = (ObjectNode) schema.path("properties").path("spec").path("properties");

        ObjectNode flinkConfiguration = Manifests.YAML.createObjectNode();
        flinkConfiguration.put("x-kubernetes-preserve-unknown-fields", true);
        spec.set("flinkConfiguration", flinkConfiguration);

        ArrayNode versions = (ArrayNode) spec.path("flinkVersion").path("enum");
        for (String v : FLINK_2_VERSIONS) {
            boolean known = false;
            for (JsonNode e : versions) {
                known |= e.asText().equals(v);
            }
            if (!known) {
                versions.add(v);
            }
        }

        ObjectNode job = (ObjectNode) spec.path("job").path("properties");
        if (!job.has("autoscalerResetNonce")) {
            job.putObject("autoscalerResetNonce").put("type", "integer");
        }
        return schema;
    }
}
