package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pods of both FlinkDeployments run hardened: non-root as the image's flink user, no privilege
 * escalation, no capabilities, seccomp RuntimeDefault, a read-only root filesystem with emptyDirs
 * wherever Flink writes, Secrets mounted 0400; the S3 plugin comes with the image (the entrypoint
 * cannot copy it at start on a read-only root).
 */
class PodSecurityTest {
    /** The uid (and gid) of the user flink in the official Flink image. */
    static final int FLINK_UID = 9999;

    /** Where Flink writes besides the working dir: java.io.tmpdir and the log directory. */
    static final Set<String> WRITABLE = Set.of("/tmp", "/opt/flink/log");

    /** What is wrong with the pod security of a FlinkDeployment; empty when nothing is. */
    static List<String> problems(JsonNode flinkDeployment) {
        List<String> problems = new ArrayList<>();
        Map<String, String> conf = Manifests.flinkConfiguration(flinkDeployment);
        Set<String> writable = new java.util.HashSet<>(WRITABLE);
        writable.add(conf.getOrDefault("process.taskmanager.working-dir", "(unset working dir)"));
        JsonNode spec = flinkDeployment.path("spec");
        Map<String, JsonNode> templates = new HashMap<>();
        templates.put("podTemplate", spec.path("podTemplate"));
        templates.put("jobManager.podTemplate", spec.path("jobManager").path("podTemplate"));
        templates.put("taskManager.podTemplate", spec.path("taskManager").path("podTemplate"));
        if (spec.path("podTemplate").isMissingNode()) {
            problems.add("no podTemplate");
        }
        for (Map.Entry<String, JsonNode> t : templates.entrySet()) {
            if (t.getValue().isMissingNode()) {
                continue;
            }
            String where = t.getKey();
            JsonNode pod = t.getValue().path("spec");
            JsonNode psc = pod.path("securityContext");
            if (!psc.path("runAsNonRoot").asBoolean(false)) {
                problems.add(where + ": runAsNonRoot is not true");
            }
            if (psc.path("runAsUser").asInt(-1) != FLINK_UID) {
                problems.add(where + ": runAsUser is not " + FLINK_UID);
            }
            if (!psc.path("seccompProfile").path("type").asText().equals("RuntimeDefault")) {
                problems.add(where + ": seccompProfile is not RuntimeDefault");
            }
            Map<String, JsonNode> volumes = new HashMap<>();
            for (JsonNode v : pod.path("volumes")) {
                volumes.put(v.path("name").asText(), v);
                JsonNode secret = v.path("secret");
                if (!secret.isMissingNode() && secret.path("defaultMode").asInt(-1) != 0400) {
                    problems.add(
                            where
                                    + ": Secret volume "
                                    + v.path("name").asText()
                                    + " has defaultMode "
                                    + secret.path("defaultMode")
                                    + ", not 0400 (256)");
                }
                for (JsonNode item : secret.path("items")) {
                    if (item.has("mode") && item.path("mode").asInt() != 0400) {
                        problems.add(where + ": Secret item mode is not 0400");
                    }
                }
            }
            List<JsonNode> containers = new ArrayList<>();
            pod.path("containers").forEach(containers::add);
            pod.path("initContainers").forEach(containers::add);
            for (JsonNode c : containers) {
                String name = where + "/" + c.path("name").asText();
                JsonNode sc = c.path("securityContext");
                if (sc.path("allowPrivilegeEscalation").asBoolean(true)) {
                    problems.add(name + ": allowPrivilegeEscalation is not false");
                }
                if (!sc.path("readOnlyRootFilesystem").asBoolean(false)) {
                    problems.add(name + ": readOnlyRootFilesystem is not true");
                }
                if (sc.path("privileged").asBoolean(false)) {
                    problems.add(name + ": privileged");
                }
                if (sc.has("runAsNonRoot") && !sc.path("runAsNonRoot").asBoolean()) {
                    problems.add(name + ": runAsNonRoot false");
                }
                if (sc.has("runAsUser") && sc.path("runAsUser").asInt() == 0) {
                    problems.add(name + ": runAsUser 0");
                }
                boolean dropsAll = false;
                for (JsonNode d : sc.path("capabilities").path("drop")) {
                    dropsAll |= d.asText().equals("ALL");
                }
                if (!dropsAll) {
                    problems.add(name + ": capabilities do not drop ALL");
                }
                if (sc.path("capabilities").path("add").size() > 0) {
                    problems.add(name + ": adds capabilities");
                }
                for (JsonNode env : c.path("env")) {
                    if (env.path("name").asText().equals("ENABLE_BUILT_IN_PLUGINS")) {
                        problems.add(
                                name
                                        + ": ENABLE_BUILT_IN_PLUGINS copies into plugins/ at start,"
                                        + " which the read-only root filesystem refuses (bake it into"
                                        + " the image)");
                    }
                }
                if (c.path("name").asText().equals("flink-main-container")) {
                    Map<String, String> mounts = new HashMap<>();
                    for (JsonNode m : c.path("volumeMounts")) {
                        mounts.put(m.path("mountPath").asText(), m.path("name").asText());
                    }
                    for (String path : writable) {
                        String volume = mounts.get(path);
                        if (volume == null) {
                            problems.add(name + ": nothing writable mounted at " + path);
                        } else if (volumes.get(volume) == null
                                || !volumes.get(volume).has("emptyDir")) {
                            problems.add(name + ": " + path + " is not an emptyDir");
                        }
                    }
                }
            }
        }
        return problems;
    }

    @ParameterizedTest
    @MethodSource("dev.floodgate.deploy.FlinkDeploymentManifestsTest#manifests")
    void podsAndContainersAreHardened(String file) {
        assertThat(problems(FlinkDeploymentManifestsTest.manifest(file))).as(file).isEmpty();
    }

    /** YAML 1.1's octal 0400, as kubectl reads it: this parser reads it the same (256). */
    @ParameterizedTest
    @MethodSource("dev.floodgate.deploy.FlinkDeploymentManifestsTest#manifests")
    void secretsAreMountedOwnerReadOnly(String file) {
        int secrets = 0;
        for (JsonNode v :
                FlinkDeploymentManifestsTest.manifest(file)
                        .path("spec")
                        .path("podTemplate")
                        .path("spec")
                        .path("volumes")) {
            if (v.has("secret")) {
                assertThat(v.path("secret").path("defaultMode").isInt()).isTrue();
                assertThat(v.path("secret").path("defaultMode").asInt()).isEqualTo(256);
                secrets++;
            }
        }
        assertThat(secrets).as(file).isPositive();
    }

    /**
     * The image bakes the S3 plugin into plugins/, runs as the flink uid and names its base image
     * pinned by digest.
     */
    @Test
    void theImageBakesTheS3PluginAndRunsAsFlink() throws Exception {
        String dockerfile = Files.readString(Manifests.k8s("Dockerfile"));
        assertThat(StoragePlugins.imagePluginJars())
                .containsExactly(
                        "flink-s3-fs-hadoop-" + EnvironmentInformation.getVersion() + ".jar");
        assertThat(dockerfile).contains("\nUSER " + FLINK_UID + ":" + FLINK_UID + "\n");
        String from =
                dockerfile.lines().filter(l -> l.startsWith("FROM ")).findFirst().orElseThrow();
        // the tag for readers, the index digest for what is built: a re-pushed tag changes nothing
        assertThat(from)
                .matches(
                        "FROM flink:"
                                + java.util.regex.Pattern.quote(EnvironmentInformation.getVersion())
                                + "-java17@sha256:[0-9a-f]{64}");
        // a digest overrides the tag: the first step checks the image is the version it names
        assertThat(dockerfile)
                .contains(
                        "RUN test -f /opt/flink/lib/flink-dist-"
                                + EnvironmentInformation.getVersion()
                                + ".jar && java -version 2>&1 | grep -q 'version \"17\\.'");
    }

    @Test
    void theCheckFindsWhatItIsFor() {
        ObjectNode m =
                Manifests.copy(
                        FlinkDeploymentManifestsTest.manifest(FlinkDeploymentManifestsTest.LIVE));
        ObjectNode pod = (ObjectNode) m.path("spec").path("podTemplate").path("spec");
        ((ObjectNode) pod.path("securityContext")).put("runAsUser", 0);
        ((ObjectNode) pod.path("securityContext").path("seccompProfile")).put("type", "Unconfined");
        ((ObjectNode) pod.path("volumes").get(0).path("secret")).put("defaultMode", 0644);
        ObjectNode c = (ObjectNode) pod.path("containers").get(0);
        ((ObjectNode) c.path("securityContext")).put("readOnlyRootFilesystem", false);
        ((ObjectNode) c.path("securityContext")).remove("allowPrivilegeEscalation");
        ((ObjectNode) c.path("securityContext")).remove("capabilities");
        ArrayNode mounts = (ArrayNode) c.path("volumeMounts");
        for (int i = mounts.size() - 1; i >= 0; i--) {
            if (mounts.get(i).path("mountPath").asText().equals("/tmp")) {
                mounts.remove(i);
            }
        }
        c.putArray("env").addObject().put("name", "ENABLE_BUILT_IN_PLUGINS").put("value", "x.jar");
        ObjectNode tm = ((ObjectNode) m.path("spec").path("taskManager")).putObject("podTemplate");
        tm.putObject("spec").putArray("containers").addObject().put("name", "sidecar");
        assertThat(problems(m))
                .anyMatch(p -> p.contains("runAsUser is not 9999"))
                .anyMatch(p -> p.contains("seccompProfile"))
                .anyMatch(p -> p.contains("defaultMode 420"))
                .anyMatch(
                        p -> p.endsWith("flink-main-container: readOnlyRootFilesystem is not true"))
                .anyMatch(p -> p.contains("allowPrivilegeEscalation"))
                .anyMatch(p -> p.contains("drop ALL"))
                .anyMatch(p -> p.contains("nothing writable mounted at /tmp"))
                .anyMatch(p -> p.contains("ENABLE_BUILT_IN_PLUGINS"))
                .anyMatch(p -> p.startsWith("taskManager.podTemplate: runAsNonRoot"))
                .anyMatch(p -> p.startsWith("taskManager.podTemplate/sidecar: readOnlyRoot"));
    }
}
