package dev.floodgate.operators.process;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a secret is, never the secret: {@code ${env:NAME}} (an environment variable), {@code
 * ${file:/path}} (a whole file, surrounding whitespace and the final newline removed: a mounted
 * Kubernetes Secret key) or {@code ${file:/path:key}} (a key of a properties file, as Kafka's
 * {@code FileConfigProvider} reads it). Only the reference travels in the job graph and the job
 * parameters; {@link #resolve()} reads the value where it is used (on the TaskManager that builds
 * the client), so the value is in no option, log line, exception or {@code toString}.
 */
public final class SecretReference implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The forms, for messages. */
    public static final String FORM = "${env:NAME}, ${file:/path} or ${file:/path:key}";

    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern FILE = Pattern.compile("\\$\\{file:(/[^}:]+)(?::([^}:]+))?}");

    private final String reference;

    private SecretReference(String reference) {
        this.reference = reference;
    }

    /** Whether {@code text} is a reference of one of the forms (and not a literal secret). */
    public static boolean isReference(String text) {
        return text != null && (ENV.matcher(text).matches() || FILE.matcher(text).matches());
    }

    /**
     * The reference {@code text}; anything else is refused without being echoed (a literal would be
     * the secret itself).
     */
    public static SecretReference of(String text) {
        if (!isReference(text)) {
            throw new IllegalArgumentException(
                    "not a reference of the form " + FORM + " (a literal secret is refused)");
        }
        return new SecretReference(text);
    }

    /**
     * The secret, read now. A variable that is not set, a file that cannot be read, a missing key
     * or an empty value is an {@link IllegalStateException} naming the reference, never a value.
     */
    public String resolve() {
        String value = read();
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("the secret " + reference + " is empty");
        }
        return value;
    }

    private String read() {
        Matcher env = ENV.matcher(reference);
        if (env.matches()) {
            String value = System.getenv(env.group(1));
            if (value == null) {
                throw new IllegalStateException(
                        "the environment variable of " + reference + " is not set");
            }
            return value.strip();
        }
        Matcher file = FILE.matcher(reference);
        if (!file.matches()) {
            throw new IllegalStateException("not a secret reference");
        }
        Path path = Path.of(file.group(1));
        try {
            if (file.group(2) == null) {
                return Files.readString(path, StandardCharsets.UTF_8).strip();
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            String value = p.getProperty(file.group(2));
            if (value == null) {
                throw new IllegalStateException(
                        "the secret " + reference + ": the file has no such key");
            }
            return value.strip();
        } catch (IOException | IllegalArgumentException e) {
            // the exception's class only: a parse error could quote the file's content
            throw new IllegalStateException(
                    "the secret "
                            + reference
                            + " cannot be read ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
    }

    /** The reference as written: where the secret is, not what it is. */
    @Override
    public String toString() {
        return reference;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretReference r && r.reference.equals(reference);
    }

    @Override
    public int hashCode() {
        return reference.hashCode();
    }
}
