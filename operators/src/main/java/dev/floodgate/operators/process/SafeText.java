package dev.floodgate.operators.process;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * Text about a failed call that may go into dead letters, shed headers and logs: no URL (an
 * endpoint's user info or query may carry a credential) and a bounded length. The processing
 * service's own answers never get here: {@link HttpEventProcessor} turns them into a status and a
 * fixed reason.
 */
public final class SafeText {
    /** At most this many characters of an exception's message are kept. */
    public static final int MAX_MESSAGE_CHARS = 200;

    private static final Pattern URL = Pattern.compile("\\b[A-Za-z][A-Za-z0-9+.-]*://\\S*");

    private SafeText() {}

    /**
     * {@code message} with every URL replaced by {@code <url>}, cut to {@link #MAX_MESSAGE_CHARS}.
     */
    public static String withoutUrls(String message) {
        if (message == null) {
            return null;
        }
        String s = URL.matcher(message).replaceAll("<url>");
        if (s.length() > MAX_MESSAGE_CHARS) {
            int end = MAX_MESSAGE_CHARS;
            if (Character.isHighSurrogate(s.charAt(end - 1))) {
                end--;
            }
            s = s.substring(0, end) + "...";
        }
        return s;
    }

    /**
     * {@code uri} for a log line (say, the configured endpoint at start): scheme, host, port and
     * path only, without user info, query or fragment.
     */
    public static String endpoint(URI uri) {
        if (uri == null) {
            return null;
        }
        if (uri.getHost() == null) {
            return uri.getScheme() == null ? "<url>" : uri.getScheme() + "://<url>";
        }
        StringBuilder b = new StringBuilder();
        b.append(uri.getScheme()).append("://").append(uri.getHost());
        if (uri.getPort() != -1) {
            b.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            b.append(uri.getRawPath());
        }
        return b.toString();
    }
}
