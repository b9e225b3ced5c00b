package dev.floodgate.job.tools;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of one tool command: positional arguments, flags ({@code --json}) and options
 * ({@code --key value} or {@code --key=value}) from a fixed list. Anything else is rejected with
 * {@link BadArguments}, naming the option; all problems are reported at once.
 */
final class ToolArgs {
    /** Arguments the command cannot run with; the message names what is wrong. Exit status 2. */
    static final class BadArguments extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadArguments(String message) {
            super(message);
        }
    }

    /**
     * The input could not be read (not a savepoint of the live job, broker unreachable, no such
     * topic). Exit 3.
     */
    static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final List<String> positionals = new ArrayList<>();
    private final Set<String> flags = new HashSet<>();
    private final Map<String, String> options = new LinkedHashMap<>();

    private ToolArgs() {}

    static ToolArgs parse(List<String> args, Set<String> flagNames, Set<String> optionKeys) {
        ToolArgs parsed = new ToolArgs();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                parsed.positionals.add(a);
                continue;
            }
            String key = a.substring(2);
            String value = null;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (flagNames.contains(key)) {
                if (value != null) {
                    errors.add("option --" + key + " takes no value");
                }
                parsed.flags.add(key);
            } else if (optionKeys.contains(key)) {
                if (value == null && i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                    value = args.get(++i);
                }
                if (value == null || value.isBlank()) {
                    errors.add("option --" + key + " needs a value");
                } else {
                    parsed.options.put(key, value);
                }
            } else {
                errors.add("unknown option --" + key);
            }
        }
        if (!errors.isEmpty()) {
            throw new BadArguments(String.join("\n", errors));
        }
        return parsed;
    }

    List<String> positionals() {
        return positionals;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /** The option's value, or {@code null} when not given. */
    String option(String key) {
        return options.get(key);
    }

    Map<String, String> options() {
        return options;
    }
}
