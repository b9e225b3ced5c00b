package dev.floodgate.operators.process;

import java.io.Serializable;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The credential sent with every processing call: a header (say {@code Authorization}) whose value
 * is a {@link SecretReference}, resolved by {@link #value()} where the HTTP client is built (the
 * TaskManager). The job graph, the job parameters and {@code toString} hold the header name and the
 * reference only.
 */
public final class ServiceAuth implements Serializable {
    private static final long serialVersionUID = 1L;

    /** An HTTP header name (RFC 9110 token). */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    /** Headers the call sets itself, or the JDK client refuses to be given. */
    private static final Set<String> RESERVED =
            Set.of(
                    "connection",
                    "content-length",
                    "content-type",
                    "expect",
                    "host",
                    "upgrade",
                    "transfer-encoding");

    private final String header;
    private final SecretReference secret;

    private ServiceAuth(String header, SecretReference secret) {
        this.header = header;
        this.secret = secret;
    }

    /** No credential. */
    public static ServiceAuth none() {
        return new ServiceAuth(null, null);
    }

    /** {@code header: <the secret of reference>} on every call. */
    public static ServiceAuth header(String header, SecretReference secret) {
        String problem = headerProblem(header);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (secret == null) {
            throw new IllegalArgumentException("the header " + header + " needs a secret");
        }
        return new ServiceAuth(header, secret);
    }

    /** Why {@code name} cannot carry the credential, or null if it can. */
    public static String headerProblem(String name) {
        if (name == null || !TOKEN.matcher(name).matches()) {
            return "not an HTTP header name";
        }
        if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
            return "the call sets " + name + " itself";
        }
        return null;
    }

    public boolean isSet() {
        return header != null;
    }

    /** The header's name, or null. */
    public String headerName() {
        return header;
    }

    /**
     * The header's value, resolved now. A value an HTTP header cannot carry is refused here without
     * being echoed, because the JDK client's own message would quote it (into shed details and log
     * lines, for every event): a control character or line break, and any character above U+00FF
     * (the client's limit). A leading byte-order mark, which editors write into token files, is
     * dropped.
     */
    public String value() {
        String value = secret.resolve();
        if (value.startsWith("\uFEFF")) {
            value = value.substring(1).strip();
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalStateException(
                        "the secret "
                                + secret
                                + " holds a control character or line break: not a header value");
            }
            if (c > 0xff) {
                throw new IllegalStateException(
                        "the secret "
                                + secret
                                + " holds a character above U+00FF: not a header value");
            }
        }
        return value;
    }

    /** The header name and the reference, never the value. */
    @Override
    public String toString() {
        return isSet() ? "ServiceAuth{" + header + ": " + secret + "}" : "ServiceAuth{none}";
    }
}
