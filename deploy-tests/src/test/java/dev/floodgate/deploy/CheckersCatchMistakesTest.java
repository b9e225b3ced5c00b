package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.Test;

/**
 * The checks above would catch the mistakes they exist for (a check that passes everything proves
 * nothing).
 */
class CheckersCatchMistakesTest {

    @Test
    void schemaCheckFindsUnknownKeysWrongTypesAndEnums() {
        ObjectNode m =
                FlinkDeploymentManifestsTest.forThisApi(
                        FlinkDeploymentManifestsTest.manifest(FlinkDeploymentManifestsTest.LIVE));
        ObjectNode spec = (ObjectNode) m.get("spec");
        ((ObjectNode) spec.get("job")).put("argz", "x");
        ((ObjectNode) spec.get("job")).put("upgradeMode", "sometimes");
        ((ObjectNode) spec.get("flinkConfiguration")).put("parallelism.default", 4);
        ((ObjectNode) ((ArrayNode) spec.get("podTemplate").get("spec").get("containers")).get(0))
                .put("portz", 1);
        List<String> errors = new ArrayList<>();
        SchemaCheck.check(m, FlinkDeploymentManifestsTest.crdSchema(), "", errors);
        assertThat(errors)
                .anyMatch(e -> e.startsWith("/spec/job/argz: unknown key"))
                .anyMatch(e -> e.startsWith("/spec/job/upgradeMode"))
                .anyMatch(
                        e ->
                                e.startsWith(
                                        "/spec/flinkConfiguration/parallelism.default: expected a string"))
                .anyMatch(
                        e ->
                                e.startsWith(
                                        "/spec/podTemplate/spec/containers[0]/portz: unknown key"));
    }

    @Test
    void modelRoundTripFindsKeysTheModelDrops() throws Exception {
        ObjectNode m =
                FlinkDeploymentManifestsTest.forThisApi(
                        FlinkDeploymentManifestsTest.manifest(FlinkDeploymentManifestsTest.LIVE));
        ((ObjectNode) m.get("spec").get("job")).put("entryclass", "x");
        FlinkDeployment model = Manifests.YAML.treeToValue(m, FlinkDeployment.class);
        List<String> lost = new ArrayList<>();
        FlinkDeploymentManifestsTest.lostLeaves(m, Manifests.YAML.valueToTree(model), "", lost);
        assertThat(lost).contains("/spec/job/entryclass");
    }

    @Test
    void flinkKeyCheckFindsRemovedMisspeltAndDeprecatedKeys() {
        assertThat(FlinkOptionKeys.problem("web.backpressure.refresh-interval"))
                .contains("not a Flink 2.2");
        assertThat(FlinkOptionKeys.problem("execution.checkpointing.intervall"))
                .contains("not a Flink 2.2");
        assertThat(FlinkOptionKeys.problem("state.checkpoints.dir"))
                .contains("use execution.checkpointing.dir");
        assertThat(FlinkOptionKeys.problem("metrics.reporter.prom.prot"))
                .contains("no reporter option");
        assertThat(FlinkOptionKeys.problem("metrics.reporter.prom.port")).isEmpty();
        assertThat(FlinkOptionKeys.problem("taskmanager.network.memory.buffer-debloat.enabled"))
                .isEmpty();
    }
}
