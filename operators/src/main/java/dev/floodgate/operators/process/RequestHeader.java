package dev.floodgate.operators.process;

import java.io.Serializable;
import java.util.Locale;
import java.util.Set;

/**
 * A fixed header sent with every processing call of a job, such as the backfill's {@code Priority:
 * u=7} (RFC 9218: urgency 7, the lowest), by which a service that serves by priority lets live
 * calls go first. Not a credential: names that carry one ({@code Authorization}, {@code Cookie},
 * ...) are refused, since the header is a job parameter the web UI shows ({@link ServiceAuth} takes
 * a credential by reference). A value is visible ASCII with inner spaces, so it can never split the
 * request or be refused later by the HTTP client. Messages name the header, never its value.
 */
public record RequestHeader(String name, String value) implements Serializable {

    /** The longest value accepted: a priority or tag, not a document. */
    static final int MAX_VALUE_CHARS = 256;

    /** Headers that carry credentials: never a job parameter. */
    private static final Set<String> CREDENTIALS =
            Set.of("authorization", "proxy-authorization", "cookie", "x-api-key", "api-key");

    public RequestHeader {
        String problem = problem(name, value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** {@code "Name: value"}, as a header line is written. */
    public static RequestHeader parse(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not a header line of the form 'Name: value'");
        }
        return new RequestHeader(
                line.substring(0, colon).strip(), line.substring(colon + 1).strip());
    }

    /** Why {@code name: value} cannot be sent with every call, or null. Never quotes the value. */
    static String problem(String name, String value) {
        String nameProblem = ServiceAuth.headerProblem(name);
        if (nameProblem != null) {
            return nameProblem;
        }
        if (CREDENTIALS.contains(name.toLowerCase(Locale.ROOT))) {
            return "the header "
                    + name
                    + " carries a credential: it would be a job parameter; use"
                    + " --processor-auth-header with a secret reference";
        }
        if (value == null || value.isEmpty()) {
            return "the header " + name + " has no value";
        }
        if (value.length() > MAX_VALUE_CHARS) {
            return "the value of " + name + " is longer than " + MAX_VALUE_CHARS + " characters";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != ' ' && (c < 0x21 || c > 0x7e)) {
                return "the value of "
                        + name
                        + " holds a control character, a tab or a character outside ASCII";
            }
        }
        return null;
    }

    /** The name only: the value stays out of logs (it is in the job parameters). */
    @Override
    public String toString() {
        return "RequestHeader{" + name + "}";
    }
}
