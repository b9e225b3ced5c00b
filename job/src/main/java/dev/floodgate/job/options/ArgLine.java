package dev.floodgate.job.options;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one reader of command lines for the jobs, the tools, the demo and the benchmark: options
 * {@code --key value} or {@code --key=value} from a fixed list (a key given without a value gets
 * the empty text, for the option's own parser to accept or refuse), flags {@code --json} that take
 * no value, and positional arguments where the program takes them. An unknown option, a flag with a
 * value or a positional argument where none is taken is an error naming it; all errors are
 * collected, so one run reports every problem.
 */
public final class ArgLine {
    private final List<String> positionals = new ArrayList<>();
    private final Set<String> flags = new LinkedHashSet<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> errors = new ArrayList<>();

    private ArgLine() {}

    /**
     * Reads {@code args} against the {@code flagNames} and {@code optionKeys} the program takes;
     * {@code positionalsTaken} false: a positional argument is an error.
     */
    public static ArgLine parse(
            List<String> args,
            Set<String> flagNames,
            Set<String> optionKeys,
            boolean positionalsTaken) {
        ArgLine line = new ArgLine();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                if (positionalsTaken) {
                    line.positionals.add(a);
                } else {
                    line.errors.add(
                            "unexpected argument '" + a + "': options take the form --key value");
                }
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
                    line.errors.add("option --" + key + " takes no value");
                }
                line.flags.add(key);
            } else if (optionKeys.contains(key)) {
                if (value == null && i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                    value = args.get(++i);
                }
                line.values.put(key, value == null ? "" : value);
            } else {
                line.errors.add("unknown option --" + key + " (--help lists the options)");
            }
        }
        return line;
    }

    /**
     * Splits arguments that arrive as one ({@code -Ddemo.args="--flood 60s --keep-running"} through
     * Maven's exec) at blanks outside quotes ({@code --high-priority-header 'Priority: u=1'} keeps
     * its value, without the quotes). Only an argument that starts with {@code --} is such a line:
     * a value a shell already passed as one argument ({@code Priority: u=1}) stays whole.
     */
    public static List<String> splitBlanks(String... given) {
        List<String> args = new ArrayList<>();
        for (String a : given) {
            String t = a.trim();
            if (!t.startsWith("--")) {
                if (!t.isEmpty()) {
                    args.add(t);
                }
                continue;
            }
            StringBuilder part = new StringBuilder();
            boolean inPart = false;
            char quote = 0;
            for (char c : t.toCharArray()) {
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    } else {
                        part.append(c);
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                    inPart = true;
                } else if (Character.isWhitespace(c)) {
                    if (inPart) {
                        args.add(part.toString());
                        part.setLength(0);
                        inPart = false;
                    }
                } else {
                    part.append(c);
                    inPart = true;
                }
            }
            if (quote != 0) {
                throw new IllegalArgumentException("unclosed quote " + quote + " in " + t);
            }
            if (inPart) {
                args.add(part.toString());
            }
        }
        return args;
    }

    public List<String> positionals() {
        return positionals;
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    /** The options given, in order: key to text (empty when given without a value). */
    public Map<String, String> values() {
        return values;
    }

    public List<String> errors() {
        return errors;
    }

    /** Throws the collected errors, one a line, as an {@link IllegalArgumentException}. */
    public ArgLine orThrow() {
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        return this;
    }
}
