package dev.floodgate.job.options;

import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;

/**
 * One option of a program: a Flink {@link ConfigOption} (key, type, default, description), the form
 * its value takes (for messages, {@code --help} and the docs) and the parser that turns the text
 * given on the command line into the typed value, once, at start. For values Flink has a type for
 * (durations, integers, enums, booleans, strings) the option is of that type and the parser adds
 * the checks Flink does not make (above zero, at most a limit); for the others (a channel policy, a
 * starting position, a rate or "off") the option is a string option and the parser builds the typed
 * value, so nothing downstream parses the text again.
 */
public final class TypedOption<T> {
    public final String key;
    private final ConfigOption<?> config;
    private final String form;
    private final String defaultText;
    private final String description;
    private final Function<String, T> parser;

    private TypedOption(
            ConfigOption<?> config,
            String form,
            String defaultText,
            String description,
            Function<String, T> parser) {
        this.key = config.key();
        this.config = config;
        this.form = form;
        this.defaultText = defaultText;
        this.description = description;
        this.parser = parser;
    }

    /**
     * An option whose value, in the typed form {@code parser} returns, is what Flink reads from
     * {@code config}'s type.
     */
    public static <T> TypedOption<T> of(
            ConfigOption<T> config,
            String form,
            String defaultText,
            String description,
            Function<String, T> parser) {
        return new TypedOption<>(
                config.withDescription(description), form, defaultText, description, parser);
    }

    /** An option Flink keeps as text whose typed value ({@code T}) is built by {@code parser}. */
    public static <T> TypedOption<T> parsed(
            ConfigOption<String> config,
            String form,
            String defaultText,
            String description,
            Function<String, T> parser) {
        return new TypedOption<>(
                config.withDescription(description), form, defaultText, description, parser);
    }

    public ConfigOption<?> configOption() {
        return config;
    }

    public String form() {
        return form;
    }

    /** The default as it is written on a command line; {@code null}: the option is required. */
    public String defaultText() {
        return defaultText;
    }

    public String description() {
        return description;
    }

    /**
     * The typed value of {@code value} (its default when {@code null}). A missing required value or
     * a bad one is rejected with a message naming the option and the expected form, the same in
     * every program that takes the option.
     */
    public T parse(String value) {
        String v = value == null ? defaultText : value.trim();
        if (v == null || v.isEmpty() && !(config.defaultValue() instanceof Boolean)) {
            throw new IllegalArgumentException(
                    "option --" + key + " is required: " + form + " (" + description + ")");
        }
        try {
            return parser.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "option --"
                            + key
                            + " has a bad value '"
                            + value
                            + "': expected "
                            + form
                            + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"),
                    e);
        }
    }

    /**
     * The text registered for {@code value} in the job parameters: trimmed, and {@code true} for a
     * boolean option given without a value ({@code --shedding}).
     */
    String resolvedText(String value) {
        String v = value.trim();
        return v.isEmpty() && config.defaultValue() instanceof Boolean ? "true" : v;
    }
}
