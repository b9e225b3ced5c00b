package dev.floodgate.job.options;

import java.util.Collections;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * The options of one run, parsed once: each option's typed value, and the resolved text of every
 * option as a Flink {@link Configuration} (which the jobs register as their global job parameters,
 * so the web UI shows what they run with). The text of a path option is the path, never the
 * contents of the file it names.
 */
public final class ParsedOptions {

    private final Map<String, Object> typed;
    private final Map<String, String> resolved;

    ParsedOptions(Map<String, Object> typed, Map<String, String> resolved) {
        this.typed = typed;
        this.resolved = resolved;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(TypedOption<T> option) {
        if (!typed.containsKey(option.key)) {
            throw new IllegalArgumentException(
                    "option --" + option.key + " is not of this program");
        }
        return (T) typed.get(option.key);
    }

    /** Every option's resolved text, key to value, in declaration order. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(resolved);
    }

    /** The resolved values as a Flink configuration: Flink reads the typed ones with their type. */
    public Configuration configuration() {
        return Configuration.fromMap(resolved);
    }
}
