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
                Manifests.copy(
                        FlinkDeploymentManifestsTest.manifest(FlinkDeploymentManifestsTest.LIVE));
        ObjectNode spec = (ObjectNode) m.get("spec");
        spec.put("flinkVersion", "v2_x");
        ((ObjectNode) spec.get("job")).put("argz", "x");
        ((ObjectNode) spec.get("job")).put("upgradeMode", "sometimes");
        ((ObjectNode) spec.get("job")).put("parallelism", "4");
        ((ObjectNode) ((ArrayNode) spec.get("podTemplate").get("spec").get("containers")).get(0))
                .put("portz", 1);
        List<String> errors = new ArrayList<>();
        SchemaCheck.check(m, OperatorCrd.flinkDeployment115(), "", errors);
        assertThat(errors)
                .anyMatch(e -> e.startsWith("/spec/flinkVersion"))
                .anyMatch(e -> e.startsWith("/spec/job/argz: unknown key"))
                .anyMatch(e -> e.startsWith("/spec/job/upgradeMode"))
                .anyMatch(e -> e.startsWith("/spec/job/parallelism: expected an integer"))
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

    @Test
    void storageCheckFindsPrestoForTheArchive() {
        ObjectNode m = withPlugins(jar("flink-s3-fs-presto"));
        assertThat(StoragePlugins.problems(m, "", FLINK))
                .anyMatch(
                        p ->
                                p.startsWith("--archive-path s3://")
                                        && p.contains("needs a recoverable writer")
                                        && p.contains("flink-s3-fs-presto"));
    }

    @Test
    void storageCheckFindsAMissingPlugin() {
        ObjectNode m = withPlugins(null);
        assertThat(StoragePlugins.problems(m, "", FLINK))
                .anyMatch(
                        p ->
                                p.startsWith("execution.checkpointing.dir s3://")
                                        && p.contains("no enabled plugin serves s3://"))
                .anyMatch(p -> p.startsWith("--archive-path s3://"));
    }

    @Test
    void storageCheckFindsTwoPluginsForOneSchemeAWrongVersionAndLocalDisk() {
        ObjectNode both = withPlugins(jar("flink-s3-fs-hadoop") + ";" + jar("flink-s3-fs-presto"));
        assertThat(StoragePlugins.problems(both, "", FLINK))
                .anyMatch(p -> p.contains("s3:// is claimed by several enabled plugins"));

        ObjectNode oldJar = withPlugins("flink-s3-fs-hadoop-1.20.0.jar");
        assertThat(StoragePlugins.problems(oldJar, "", FLINK))
                .anyMatch(
                        p ->
                                p.contains(
                                        "flink-s3-fs-hadoop-1.20.0.jar is not a file system plugin"))
                .anyMatch(p -> p.contains("no enabled plugin serves s3://"));

        ObjectNode local = withPlugins(jar("flink-s3-fs-hadoop"));
        ((ObjectNode) local.get("spec").get("flinkConfiguration"))
                .put("execution.checkpointing.dir", "file:///tmp/checkpoints");
        assertThat(StoragePlugins.problems(local, "", FLINK))
                .containsExactly(
                        "execution.checkpointing.dir file:///tmp/checkpoints is on the pod's local"
                                + " disk");
    }

    private static String jar(String plugin) {
        return plugin + "-" + FLINK + ".jar";
    }

    private static final String FLINK =
            org.apache.flink.runtime.util.EnvironmentInformation.getVersion();

    /**
     * The live manifest with ENABLE_BUILT_IN_PLUGINS set to {@code jars}, or unset; the checks
     * above pass no image plugins, so these are all the pod has.
     */
    private static ObjectNode withPlugins(String jars) {
        ObjectNode m =
                Manifests.copy(
                        FlinkDeploymentManifestsTest.manifest(FlinkDeploymentManifestsTest.LIVE));
        for (com.fasterxml.jackson.databind.JsonNode c :
                m.path("spec").path("podTemplate").path("spec").path("containers")) {
            ArrayNode env =
                    c.has("env") ? (ArrayNode) c.get("env") : ((ObjectNode) c).putArray("env");
            for (int i = env.size() - 1; i >= 0; i--) {
                if (env.get(i).path("name").asText().equals("ENABLE_BUILT_IN_PLUGINS")) {
                    env.remove(i);
                }
            }
            if (jars != null) {
                env.addObject().put("name", "ENABLE_BUILT_IN_PLUGINS").put("value", jars);
            }
        }
        return m;
    }
}
