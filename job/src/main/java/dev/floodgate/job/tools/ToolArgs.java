package dev.floodgate.job.tools;

import dev.floodgate.job.options.ArgLine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of one tool command: positional arguments, flags ({@code --json}) and options
 * ({@code --key value} or {@code --key=value}) from a fixed list, read by the shared {@link
 * ArgLine}. Anything else is rejected with {@link BadArguments}, naming the option; all problems
 * are reported at once.
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

    private final ArgLine line;

    private ToolArgs(ArgLine line) {
        this.line = line;
    }

    /**
     * Reads {@code args} with the shared {@link ArgLine}; an option given without a value is an
     * error here (no tool option has a meaning without one).
     */
    static ToolArgs parse(List<String> args, Set<String> flagNames, Set<String> optionKeys) {
        ArgLine line = ArgLine.parse(args, flagNames, optionKeys, true);
        List<String> errors = new ArrayList<>(line.errors());
        for (Map.Entry<String, String> e : line.values().entrySet()) {
            if (e.getValue().isBlank()) {
                errors.add("option --" + e.getKey() + " needs a value");
            }
        }
        if (!errors.isEmpty()) {
            throw new BadArguments(String.join("\n", errors));
        }
        return new ToolArgs(line);
    }

    List<String> positionals() {
        return line.positionals();
    }

    boolean flag(String name) {
        return line.flag(name);
    }

    /** The option's value, or {@code null} when not given. */
    String option(String key) {
        return line.values().get(key);
    }

    Map<String, String> options() {
        return line.values();
    }
}
