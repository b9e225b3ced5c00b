package dev.floodgate.deploy;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;

/**
 * Every configuration key Flink 2.2 knows: the {@link ConfigOption} constants of the Flink jars on
 * the test class path (flink-core, flink-runtime, flink-clients, flink-runtime-web,
 * flink-statebackend-rocksdb, ...). Flink ignores unknown keys silently, so a misspelt key in
 * flink-conf/ or a manifest would quietly do nothing.
 */
final class FlinkOptionKeys {
    /** Suffixes of {@code metrics.reporter.<name>.<suffix>} (MetricOptions' reporter options). */
    static final Set<String> REPORTER_SUFFIXES =
            Set.of(
                    "factory.class",
                    "interval",
                    "scope.delimiter",
                    "scope.variables.additional",
                    "scope.variables.excludes",
                    "filter.includes",
                    "filter.excludes");

    /** The Prometheus reporter's own arguments (PrometheusReporterFactory reads "port"). */
    static final Set<String> PROMETHEUS_REPORTER_ARGS =
            Set.of("port", "filterLabelValueCharacters");

    private static final Pattern REPORTER_KEY =
            Pattern.compile("metrics\\.reporter\\.([^.]+)\\.(.+)");

    /**
     * The operator's own options used in k8s/ (KubernetesOperatorConfigOptions, in the operator
     * jar, not its API jar): checked by hand against the operator's 1.13 source.
     */
    static final Set<String> OPERATOR_KEYS =
            Set.of(
                    "kubernetes.operator.periodic.savepoint.interval",
                    "kubernetes.operator.savepoint.history.max.age",
                    "kubernetes.operator.savepoint.history.max.count");

    /**
     * Flink's Kubernetes options used in k8s/ (KubernetesConfigOptions, in flink-kubernetes, which
     * is not on this class path): checked by hand against Flink 2.2's KubernetesConfigOptions. The
     * values: a service account name; ClusterIP is one of ServiceExposedType's constants.
     */
    static final Set<String> KUBERNETES_KEYS =
            Set.of(
                    "kubernetes.taskmanager.service-account",
                    "kubernetes.rest-service.exposed.type");

    private static Map<String, ConfigOption<?>> options;
    private static Map<String, String> deprecatedKeys;

    private FlinkOptionKeys() {}

    /** The option a key names, or null. */
    static synchronized ConfigOption<?> option(String key) {
        load();
        return options.get(key);
    }

    /** The current key of a deprecated key, or null. */
    static synchronized String replacementOf(String key) {
        load();
        return deprecatedKeys.get(key);
    }

    /** What is wrong with a key ("" when it is a current Flink 2.2 key). */
    static String problem(String key) {
        if (option(key) != null) {
            return "";
        }
        if (replacementOf(key) != null) {
            return key + " is deprecated in Flink 2.2: use " + replacementOf(key);
        }
        Matcher m = REPORTER_KEY.matcher(key);
        if (m.matches()) {
            if (REPORTER_SUFFIXES.contains(m.group(2))
                    || PROMETHEUS_REPORTER_ARGS.contains(m.group(2))) {
                return "";
            }
            return key + ": no reporter option " + m.group(2);
        }
        if (OPERATOR_KEYS.contains(key) || KUBERNETES_KEYS.contains(key)) {
            return "";
        }
        return key + " is not a Flink 2.2 configuration key";
    }

    static int size() {
        load();
        return options.size();
    }

    private static void load() {
        if (options != null) {
            return;
        }
        options = new HashMap<>();
        deprecatedKeys = new HashMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = new File(entry).getName();
            if (!name.startsWith("flink-")
                    || !name.endsWith(".jar")
                    || name.startsWith("flink-shaded")
                    || name.startsWith("flink-kubernetes-operator")) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String file = e.nextElement().getName();
                    if (file.startsWith("org/apache/flink/")
                            && file.endsWith(".class")
                            && !file.contains("$")
                            && (file.contains("Options") || file.contains("Config"))) {
                        register(file.substring(0, file.length() - 6).replace('/', '.'));
                    }
                }
            } catch (IOException ex) {
                throw new IllegalStateException("cannot read " + entry, ex);
            }
        }
    }

    private static void register(String className) {
        Field[] fields;
        try {
            fields =
                    Class.forName(className, false, FlinkOptionKeys.class.getClassLoader())
                            .getDeclaredFields();
        } catch (Throwable t) {
            return;
        }
        for (Field f : fields) {
            if (!Modifier.isStatic(f.getModifiers())
                    || !ConfigOption.class.isAssignableFrom(f.getType())) {
                continue;
            }
            try {
                f.setAccessible(true);
                ConfigOption<?> o = (ConfigOption<?>) f.get(null);
                if (o == null) {
                    continue;
                }
                options.put(o.key(), o);
                for (FallbackKey k : o.fallbackKeys()) {
                    if (k.isDeprecated()) {
                        deprecatedKeys.put(k.getKey(), o.key());
                    }
                }
            } catch (Throwable t) {
                // an option class that cannot initialise here (a missing optional dependency): not
                // ours
            }
        }
    }

    static List<String> problems(Iterable<String> keys) {
        List<String> out = new java.util.ArrayList<>();
        for (String k : keys) {
            String p = problem(k);
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }
}
