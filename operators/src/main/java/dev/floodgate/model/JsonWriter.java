package dev.floodgate.model;

import java.util.Arrays;

/**
 * Writes one flat JSON object as UTF-8, by hand: the live job writes one result per event, and a Jackson
 * generator per record (buffers, recycler lookups, a stream to copy out of) cost more than the whole object.
 * Strings are escaped per RFC 8259: quote, backslash and control characters; a surrogate pair becomes its
 * four-byte UTF-8 form, a lone surrogate a {@code \\uXXXX} escape, so every Java string round-trips exactly.
 * Field names are written as given: callers pass plain ASCII literals.
 */
final class JsonWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private byte[] buf;
    private int len;

    JsonWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
        buf[len++] = '{';
    }

    /** A field name encoded once, for writers that write the same fields for every record. */
    static final class Name {
        private final byte[] quoted;

        Name(String name) {
            quoted = ("\"" + name + "\":").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    JsonWriter field(Name name, String value) {
        name(name);
        return value(value);
    }

    JsonWriter field(Name name, long value) {
        name(name);
        return value(value);
    }

    /** A field name given as text: encoded on each call, for records written rarely (dead letters, gaps). */
    JsonWriter field(String name, String value) {
        return field(new Name(name), value);
    }

    JsonWriter field(String name, long value) {
        return field(new Name(name), value);
    }

    private JsonWriter value(String value) {
        if (value == null) {
            ensure(4);
            buf[len++] = 'n';
            buf[len++] = 'u';
            buf[len++] = 'l';
            buf[len++] = 'l';
            return this;
        }
        int n = value.length();
        ensure(2 + 6 * n);
        buf[len++] = '"';
        // one bulk copy of the characters, then a plain array loop: String.charAt per character (bounds and coder
        // checks) was a tenth of the keyed task's time for the 300-character results
        char[] chars = new char[n];
        value.getChars(0, n, chars, 0);
        byte[] b = buf;
        int at = len;
        for (int i = 0; i < n; i++) {
            char c = chars[i];
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    b[at++] = (byte) c;
                } else {
                    len = at;
                    escape(c);
                    at = len;
                }
            } else if (c < 0x800) {
                b[at++] = (byte) (0xc0 | c >> 6);
                b[at++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(chars[i + 1])) {
                int cp = Character.toCodePoint(c, chars[++i]);
                b[at++] = (byte) (0xf0 | cp >> 18);
                b[at++] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[at++] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(c)) {
                len = at;
                escape(c);
                at = len;
            } else {
                b[at++] = (byte) (0xe0 | c >> 12);
                b[at++] = (byte) (0x80 | c >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | c & 0x3f);
            }
        }
        len = at;
        buf[len++] = '"';
        return this;
    }

    private JsonWriter value(long value) {
        if (value == Long.MIN_VALUE) {
            return raw(Long.toString(value));
        }
        ensure(20);
        if (value < 0) {
            buf[len++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = len + digits - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        len += digits;
        return this;
    }

    private JsonWriter raw(String ascii) {
        ensure(ascii.length());
        for (int i = 0; i < ascii.length(); i++) {
            buf[len++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    /** Closes the object and returns its bytes. */
    byte[] toBytes() {
        ensure(1);
        buf[len++] = '}';
        return Arrays.copyOf(buf, len);
    }

    private void name(Name name) {
        ensure(name.quoted.length + 1);
        if (len > 1) {
            buf[len++] = ',';
        }
        System.arraycopy(name.quoted, 0, buf, len, name.quoted.length);
        len += name.quoted.length;
    }

    private void escape(char c) {
        buf[len++] = '\\';
        switch (c) {
            case '"': buf[len++] = '"'; return;
            case '\\': buf[len++] = '\\'; return;
            case '\n': buf[len++] = 'n'; return;
            case '\r': buf[len++] = 'r'; return;
            case '\t': buf[len++] = 't'; return;
            default:
                buf[len++] = 'u';
                buf[len++] = HEX[c >> 12 & 0xf];
                buf[len++] = HEX[c >> 8 & 0xf];
                buf[len++] = HEX[c >> 4 & 0xf];
                buf[len++] = HEX[c & 0xf];
        }
    }

    private void ensure(int more) {
        if (len + more + 1 > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more + 1));
        }
    }
}
