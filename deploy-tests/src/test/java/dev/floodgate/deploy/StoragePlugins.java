package dev.floodgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether every storage path of a FlinkDeployment is served by a file system plugin the pods
 * enable, and by one that can do what is asked of it there. Flink's image ships its file systems as
 * optional plugins in {@code /opt/flink/opt}: k8s/Dockerfile copies the one Floodgate uses into
 * {@code plugins/} at build time (the pods' root filesystem is read-only), and a pod could still
 * enable more by name in {@code ENABLE_BUILT_IN_PLUGINS} (jar names separated by ';', copied by the
 * entrypoint at start); a scheme no enabled plugin serves fails the job at start, and so does a
 * FileSink (the {@code --archive-path} archive) on a file system without a recoverable writer, such
 * as flink-s3-fs-presto's. Two plugins claiming one scheme leave which one serves it to plugin
 * loading order. A pod's local disk does not outlive the pod: no durable path may be on it.
 */
final class StoragePlugins {
    /**
     * Flink's S3 file system plugins (the object store the manifests use): the schemes each serves
     * (its FileSystemFactory services), and whether a FileSink can write through it. Another plugin
     * is reported as unknown here until its entry is added.
     */
    enum Plugin {
        S3_HADOOP("flink-s3-fs-hadoop", Set.of("s3", "s3a"), true),
        S3_PRESTO("flink-s3-fs-presto", Set.of("s3", "s3p"), false);

        final String artifact;
        final Set<String> schemes;
        final boolean recoverableWriter;

        Plugin(String artifact, Set<String> schemes, boolean recoverableWriter) {
            this.artifact = artifact;
            this.schemes = schemes;
            this.recoverableWriter = recoverableWriter;
        }
    }

    /** A path the job keeps something at; {@code fileSink}: written by a FileSink. */
    record Use(String what, String path, boolean fileSink) {}

    private StoragePlugins() {}

    /**
     * What is wrong with the storage of {@code flinkDeployment}, for a cluster of {@code
     * flinkVersion} (the plugins' jar names carry it); empty when nothing is.
     */
    static List<String> problems(JsonNode flinkDeployment, String flinkVersion) {
        return problems(flinkDeployment, String.join(";", imagePluginJars()), flinkVersion);
    }

    /**
     * As {@link #problems(JsonNode, String)}, with {@code imagePlugins} (jar names, ';') as the
     * plugins the image has in plugins/.
     */
    static List<String> problems(
            JsonNode flinkDeployment, String imagePlugins, String flinkVersion) {
        List<String> problems = new ArrayList<>();
        List<Plugin> enabled = new ArrayList<>();
        String fromEnv = enabledPluginJars(flinkDeployment);
        String listed =
                imagePlugins.isBlank()
                        ? fromEnv
                        : fromEnv.isBlank() ? imagePlugins : imagePlugins + ";" + fromEnv;
        for (String jar : listed.split(";")) {
            if (jar.isBlank()) {
                continue;
            }
            Plugin plugin = plugin(jar.trim(), flinkVersion);
            if (plugin == null) {
                problems.add(
                        "plugins: "
                                + jar
                                + " is not a file system plugin this check knows for Flink "
                                + flinkVersion
                                + " (<plugin>-"
                                + flinkVersion
                                + ".jar)");
            } else {
                enabled.add(plugin);
            }
        }
        for (Use use : uses(flinkDeployment)) {
            String scheme = URI.create(use.path).getScheme();
            if (scheme == null || scheme.equals("file")) {
                problems.add(use.what + " " + use.path + " is on the pod's local disk");
                continue;
            }
            List<Plugin> serving =
                    enabled.stream().filter(p -> p.schemes.contains(scheme)).toList();
            if (serving.isEmpty()) {
                problems.add(
                        use.what
                                + " "
                                + use.path
                                + ": no enabled plugin serves "
                                + scheme
                                + ":// (image plugins and ENABLE_BUILT_IN_PLUGINS: '"
                                + listed
                                + "')");
            } else if (serving.size() > 1) {
                problems.add(
                        use.what
                                + " "
                                + use.path
                                + ": "
                                + scheme
                                + ":// is claimed by several enabled plugins "
                                + serving.stream().map(p -> p.artifact).toList());
            } else if (use.fileSink && !serving.get(0).recoverableWriter) {
                problems.add(
                        use.what
                                + " "
                                + use.path
                                + " is written by a FileSink, which needs a recoverable writer: "
                                + serving.get(0).artifact
                                + " has none (the job fails at start)");
            }
        }
        return problems;
    }

    /** The storage paths of a FlinkDeployment: state, HA, the savepoint it starts from, archive. */
    static List<Use> uses(JsonNode flinkDeployment) {
        Map<String, String> conf = Manifests.flinkConfiguration(flinkDeployment);
        List<Use> uses = new ArrayList<>();
        for (String key :
                List.of(
                        "execution.checkpointing.dir",
                        "execution.checkpointing.savepoint-dir",
                        "high-availability.storageDir")) {
            if (conf.get(key) != null) {
                uses.add(new Use(key, conf.get(key), false));
            }
        }
        JsonNode initial = flinkDeployment.path("spec").path("job").path("initialSavepointPath");
        if (initial.isTextual()) {
            uses.add(new Use("initialSavepointPath", initial.asText(), false));
        }
        String archive = Manifests.arg(Manifests.args(flinkDeployment), "archive-path");
        if (archive != null && !archive.equals("none")) {
            uses.add(new Use("--archive-path", archive, true));
        }
        return uses;
    }

    private static final Pattern BAKED_PLUGIN =
            Pattern.compile("cp\\s+/opt/flink/opt/(\\S+\\.jar)\\s+/opt/flink/plugins/");

    /** The optional plugins k8s/Dockerfile copies from opt/ into plugins/ at build time. */
    static List<String> imagePluginJars() {
        try {
            List<String> jars = new ArrayList<>();
            Matcher m = BAKED_PLUGIN.matcher(Files.readString(Manifests.k8s("Dockerfile")));
            while (m.find()) {
                jars.add(m.group(1));
            }
            return jars;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The main container's ENABLE_BUILT_IN_PLUGINS, or "" when it sets none. */
    static String enabledPluginJars(JsonNode flinkDeployment) {
        for (JsonNode c :
                flinkDeployment.path("spec").path("podTemplate").path("spec").path("containers")) {
            if (c.path("name").asText().equals("flink-main-container")) {
                for (JsonNode env : c.path("env")) {
                    if (env.path("name").asText().equals("ENABLE_BUILT_IN_PLUGINS")) {
                        return env.path("value").asText();
                    }
                }
            }
        }
        return "";
    }

    private static Plugin plugin(String jar, String flinkVersion) {
        for (Plugin p : Plugin.values()) {
            if (jar.equals(p.artifact + "-" + flinkVersion + ".jar")) {
                return p;
            }
        }
        return null;
    }
}
