package dev.floodgate.job.options;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The registry of one program's options, in declaration order: key to {@link TypedOption} (the
 * Flink option, its form and its parser). It parses the given values once into {@link
 * ParsedOptions}, and renders {@code --help} and the Markdown table of the docs from the options
 * themselves, so the docs cannot miss an option.
 */
public final class OptionSet {
    private final Map<String, TypedOption<?>> options = new LinkedHashMap<>();

    public <T> TypedOption<T> add(TypedOption<T> option) {
        if (options.putIfAbsent(option.key, option) != null) {
            throw new IllegalStateException("option --" + option.key + " is declared twice");
        }
        return option;
    }

    /** A string option Flink keeps as it is given; {@code check} refuses bad text by throwing. */
    public TypedOption<String> text(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, String> check) {
        return add(
                TypedOption.of(
                        stringOption(key, defaultValue), form, defaultValue, description, check));
    }

    /** An option Flink keeps as text, turned into its typed value by {@code parser}. */
    public <T> TypedOption<T> parsed(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, T> parser) {
        return add(
                TypedOption.parsed(
                        stringOption(key, defaultValue), form, defaultValue, description, parser));
    }

    public TypedOption<Duration> duration(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, Duration> parser) {
        return add(
                TypedOption.of(
                        ConfigOptions.key(key)
                                .durationType()
                                .defaultValue(parser.apply(defaultValue)),
                        form,
                        defaultValue,
                        description,
                        parser));
    }

    public TypedOption<Integer> integer(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, Integer> parser) {
        return add(
                TypedOption.of(
                        ConfigOptions.key(key).intType().defaultValue(parser.apply(defaultValue)),
                        form,
                        defaultValue,
                        description,
                        parser));
    }

    public TypedOption<Long> longInteger(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, Long> parser) {
        return add(
                TypedOption.of(
                        ConfigOptions.key(key).longType().defaultValue(parser.apply(defaultValue)),
                        form,
                        defaultValue,
                        description,
                        parser));
    }

    public TypedOption<Double> decimal(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, Double> parser) {
        return add(
                TypedOption.of(
                        ConfigOptions.key(key)
                                .doubleType()
                                .defaultValue(parser.apply(defaultValue)),
                        form,
                        defaultValue,
                        description,
                        parser));
    }

    /** An enum option; {@code parser} keeps the form strict (Flink's own reading ignores case). */
    public <E extends Enum<E>> TypedOption<E> enumeration(
            Class<E> type,
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, E> parser) {
        return add(
                TypedOption.of(
                        ConfigOptions.key(key)
                                .enumType(type)
                                .defaultValue(parser.apply(defaultValue)),
                        form,
                        defaultValue,
                        description,
                        parser));
    }

    /** {@code true|false}; the key alone ({@code --keep-running}) is true. */
    public TypedOption<Boolean> bool(String key, String defaultValue, String description) {
        return add(
                TypedOption.of(
                        ConfigOptions.key(key)
                                .booleanType()
                                .defaultValue(Boolean.parseBoolean(defaultValue)),
                        "true|false",
                        defaultValue,
                        description,
                        OptionSet::trueOrFalse));
    }

    /**
     * The text of a boolean option: {@code true}, {@code false}, or empty (the key alone: true).
     */
    public static boolean trueOrFalse(String s) {
        if (s.equals("true") || s.isEmpty()) {
            return true;
        }
        if (s.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("not true or false");
    }

    private static ConfigOption<String> stringOption(String key, String defaultValue) {
        var builder = ConfigOptions.key(key).stringType();
        return defaultValue == null ? builder.noDefaultValue() : builder.defaultValue(defaultValue);
    }

    public Collection<TypedOption<?>> all() {
        return Collections.unmodifiableCollection(options.values());
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(options.keySet());
    }

    public boolean contains(String key) {
        return options.containsKey(key);
    }

    /** Reads a command line of these options only ({@link ArgLine}); errors are thrown together. */
    public ParsedOptions parseArgs(List<String> args, Function<TypedOption<?>, String> defaults) {
        return parse(ArgLine.parse(args, Set.of(), keys(), false), defaults);
    }

    /** Parses the options of a command line read with flags of its own; its errors come first. */
    public ParsedOptions parse(ArgLine line, Function<TypedOption<?>, String> defaults) {
        return parse(line.values(), defaults, new ArrayList<>(line.errors()));
    }

    /**
     * Parses every option: the given text, else {@code defaults.apply(option)} (which may return
     * the option's own {@link TypedOption#defaultText()}). Unknown keys and every bad or missing
     * value are reported at once, one a line, each naming its option.
     */
    public ParsedOptions parse(
            Map<String, String> given, Function<TypedOption<?>, String> defaults) {
        return parse(given, defaults, new ArrayList<>());
    }

    private ParsedOptions parse(
            Map<String, String> given,
            Function<TypedOption<?>, String> defaults,
            List<String> errors) {
        for (String key : given.keySet()) {
            if (!options.containsKey(key)) {
                errors.add("unknown option --" + key + " (--help lists the options)");
            }
        }
        Map<String, Object> typed = new LinkedHashMap<>();
        Map<String, String> resolved = new LinkedHashMap<>();
        for (TypedOption<?> o : options.values()) {
            String v = given.containsKey(o.key) ? given.get(o.key) : defaults.apply(o);
            try {
                typed.put(o.key, o.parse(v == null ? "" : v));
                resolved.put(o.key, o.resolvedText(v));
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        return new ParsedOptions(typed, resolved);
    }

    /** The option list for {@code --help}; {@code defaultOf} renders an option's default. */
    public String usage(Function<TypedOption<?>, String> defaultOf) {
        StringBuilder sb = new StringBuilder();
        for (TypedOption<?> o : options.values()) {
            String def = defaultOf.apply(o);
            sb.append(
                    String.format(
                            "  --%-28s %s%n  %-30s %s%n",
                            o.key,
                            o.form(),
                            "",
                            o.description()
                                    + (def == null ? " (required)" : " (default: " + def + ")")));
        }
        return sb.toString();
    }

    /**
     * The options as a Markdown table in declaration order; {@code defaultOf} renders an option's
     * default cell ({@code null}: required).
     */
    public String markdownTable(Function<TypedOption<?>, String> defaultOf) {
        StringBuilder sb =
                new StringBuilder(
                        "| option | form | default | what it is for |\n|---|---|---|---|\n");
        for (TypedOption<?> o : options.values()) {
            String def = defaultOf.apply(o);
            sb.append("| `--")
                    .append(o.key)
                    .append("` | ")
                    .append(cell(o.form()))
                    .append(" | ")
                    .append(def == null ? "(required)" : cell(def))
                    .append(" | ")
                    .append(cell(o.description()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
