package dev.floodgate.job.kafka;

import dev.floodgate.job.FloodgateOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The Kafka client settings of {@code --kafka-config}: a client properties file (the Kafka tools'
 * {@code --command-config} convention) applied to every Kafka client of the jobs and the tools.
 *
 * <p>Secrets stay in the file. {@link #clientProperties()}, what the sources and sinks are built
 * with (and so what the job graph carries), holds a sensitive key only as a reference: as written
 * when it already is one ({@code ${env:NAME}}, {@code ${file:path:key}}), otherwise as a reference
 * to the same key of this file, read by Kafka's {@code FileConfigProvider} where the client is
 * created (the TaskManagers need the file at the same path, as a mounted Secret gives them). {@link
 * #describe()} shows the keys with sensitive values masked; {@link #redact} removes the secrets
 * from any text before it is logged or thrown.
 *
 * <p>Keys the jobs set themselves for exactly once and the record budget are refused, naming the
 * key and the option: a file must not turn off read_committed or change the transactions.
 */
public final class KafkaClientConfig {
    /** The alias under which the file itself is a config provider for its own secrets. */
    static final String SELF_PROVIDER = "floodgatekafkaconfig";

    static final String MASK = "****";

    /** Set by the jobs (options or exactly once), never by the file. */
    static final Set<String> RESERVED =
            Set.of(
                    "bootstrap.servers",
                    "group.id",
                    "isolation.level",
                    "enable.auto.commit",
                    "auto.offset.reset",
                    "key.deserializer",
                    "value.deserializer",
                    "key.serializer",
                    "value.serializer",
                    "transactional.id",
                    "transaction.timeout.ms",
                    "enable.idempotence",
                    "acks",
                    "max.request.size",
                    "commit.offsets.on.checkpoint",
                    "client.id.prefix");

    private static final Pattern SENSITIVE_NAME =
            Pattern.compile("(?i).*(password|secret|jaas|token|credential).*");
    private static final Pattern JAAS_PASSWORD =
            Pattern.compile("(?i)(password\\s*=\\s*)(\"[^\"]*\"|[^\\s;]+)");
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([^}:]+)}");
    private static final Pattern FILE_REFERENCE =
            Pattern.compile("\\$\\{[A-Za-z0-9_.-]+:([^}:]+):([^}:]+)}");
    private static final Set<String> PASSWORD_KEYS = passwordKeys();

    private final Path path;
    private final Map<String, String> entries;

    private KafkaClientConfig(Path path, Map<String, String> entries) {
        this.path = path;
        this.entries = entries;
    }

    /** No file: plaintext clients with Floodgate's settings only. */
    public static KafkaClientConfig none() {
        return new KafkaClientConfig(null, Map.of());
    }

    /** The file of {@code --kafka-config}, or {@link #none()}. */
    public static KafkaClientConfig from(FloodgateOptions options) {
        String path = options.get(FloodgateOptions.KAFKA_CONFIG);
        return path.equals(FloodgateOptions.NONE) ? none() : load(Path.of(path));
    }

    /** Reads a client properties file; a bad one is refused naming the option, never a value. */
    public static KafkaClientConfig load(Path file) {
        Path path = file.toAbsolutePath();
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "option --"
                            + FloodgateOptions.KAFKA_CONFIG.key
                            + ": cannot read "
                            + path
                            + " as a properties file ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        new TreeSet<>(p.stringPropertyNames()).forEach(k -> entries.put(k, p.getProperty(k)));
        Set<String> reserved =
                entries.keySet().stream()
                        .filter(RESERVED::contains)
                        .collect(Collectors.toCollection(TreeSet::new));
        if (!reserved.isEmpty()) {
            throw new IllegalArgumentException(
                    "option --"
                            + FloodgateOptions.KAFKA_CONFIG.key
                            + ": "
                            + path
                            + " sets "
                            + reserved
                            + ", which the jobs set themselves (--bootstrap-servers, --group-id, "
                            + "--transaction-timeout, exactly once): remove them from the file");
        }
        // a config-provider reference cannot hold ':' or '}' in its path: a literal secret in such
        // a file could not be referenced, so it would have to travel in the job graph
        if ((path.toString().contains(":") || path.toString().contains("}"))
                && entries.entrySet().stream()
                        .anyMatch(e -> isSensitive(e.getKey()) && !e.getValue().contains("${"))) {
            throw new IllegalArgumentException(
                    "option --"
                            + FloodgateOptions.KAFKA_CONFIG.key
                            + ": the path "
                            + path
                            + " holds ':' or '}', so its literal secrets cannot be referenced: move "
                            + "the file, or put the secrets behind ${env:...} or ${file:...}");
        }
        return new KafkaClientConfig(path, Collections.unmodifiableMap(entries));
    }

    public boolean isSet() {
        return path != null;
    }

    /** The file, or null without one. */
    public Path path() {
        return path;
    }

    /** The file's value of a non-sensitive key as written, or null (never a secret's). */
    public String value(String key) {
        return isSensitive(key) ? null : entries.get(key);
    }

    /** The file's keys, in order: what the start log shows besides {@link #describe()}. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /**
     * The settings for the clients: the file's entries, sensitive ones as references only, and the
     * file itself as a config provider when a literal secret needs one.
     */
    public Map<String, String> clientProperties() {
        Map<String, String> out = new LinkedHashMap<>();
        boolean selfReferenced = false;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (isSensitive(key) && !value.contains("${")) {
                value = "${" + SELF_PROVIDER + ":" + path + ":" + key + "}";
                selfReferenced = true;
            }
            out.put(key, value);
        }
        if (selfReferenced) {
            String providers = entries.get("config.providers");
            out.put(
                    "config.providers",
                    providers == null || providers.isBlank()
                            ? SELF_PROVIDER
                            : providers + "," + SELF_PROVIDER);
            out.put(
                    "config.providers." + SELF_PROVIDER + ".class",
                    "org.apache.kafka.common.config.provider.FileConfigProvider");
        }
        return Collections.unmodifiableMap(out);
    }

    /** The file and its settings for a log line: sensitive values masked. */
    public String describe() {
        if (!isSet()) {
            return "none (plaintext, no authentication)";
        }
        return path
                + " "
                + entries.entrySet().stream()
                        .map(
                                e ->
                                        e.getKey()
                                                + "="
                                                + (isSensitive(e.getKey()) ? MASK : e.getValue()))
                        .collect(Collectors.joining(", ", "{", "}"));
    }

    /**
     * {@code text} without the file's secrets: the literal sensitive values, the values of the
     * environment variables they reference, and any JAAS {@code password=...}.
     */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets()) {
            out = out.replace(secret, MASK);
        }
        return JAAS_PASSWORD.matcher(out).replaceAll("$1" + MASK);
    }

    /**
     * The secret strings of the file: each sensitive value, the JAAS passwords inside it, and what
     * its {@code ${env:NAME}} and {@code ${file:path:key}} references stand for here.
     */
    private Set<String> secrets() {
        Set<String> out =
                new TreeSet<>(
                        (a, b) ->
                                b.length() != a.length()
                                        ? b.length() - a.length()
                                        : a.compareTo(b));
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (!isSensitive(e.getKey())) {
                continue;
            }
            String value = e.getValue();
            add(out, value);
            var jaas = JAAS_PASSWORD.matcher(value);
            while (jaas.find()) {
                add(out, jaas.group(2).replace("\"", ""));
            }
            var env = ENV_REFERENCE.matcher(value);
            while (env.find()) {
                add(out, System.getenv(env.group(1)));
            }
            var file = FILE_REFERENCE.matcher(value);
            while (file.find()) {
                add(out, referencedFileValue(file.group(1), file.group(2)));
            }
        }
        return out;
    }

    private static void add(Set<String> secrets, String secret) {
        // short strings would mask ordinary words; no real secret is that short
        if (secret != null && secret.length() >= 4 && !secret.startsWith("${")) {
            secrets.add(secret);
        }
    }

    private static String referencedFileValue(String file, String key) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            p.load(r);
            return p.getProperty(key);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A key whose value is a secret: a password-typed client setting, or a secret-like name. */
    public static boolean isSensitive(String key) {
        return PASSWORD_KEYS.contains(key) || SENSITIVE_NAME.matcher(key).matches();
    }

    private static Set<String> passwordKeys() {
        Set<String> keys = new TreeSet<>();
        for (ConfigDef def :
                new ConfigDef[] {
                    ConsumerConfig.configDef(),
                    ProducerConfig.configDef(),
                    AdminClientConfig.configDef()
                }) {
            def.configKeys()
                    .forEach(
                            (k, v) -> {
                                if (v.type == ConfigDef.Type.PASSWORD) {
                                    keys.add(k);
                                }
                            });
        }
        return Collections.unmodifiableSet(keys);
    }
}
