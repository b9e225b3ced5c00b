package dev.floodgate.contract;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one flat JSON object as UTF-8, by hand: the live job writes one result per event, and a
 * Jackson generator per record (buffers, recycler lookups, a stream to copy out of) cost more than
 * the whole object. Strings are escaped per RFC 8259: quote, backslash and control characters; a
 * surrogate pair becomes its four-byte UTF-8 form, a lone surrogate a {@code \\uXXXX} escape, so
 * every Java string round-trips exactly. Every other character is written as itself in UTF-8 and
 * every escape is the shortest JSON has ({@code \\b \\f \\n \\r \\t} too): a string is never
 * written longer than in any JSON text that holds it, so an event written again is never much
 * larger than the record it was read from (the size budget, {@link RecordLimits}, relies on it;
 * Jackson writes an emoji as two 6-byte escapes). ASCII strings, the common case, are scanned eight
 * bytes at a time and copied in bulk, into the same bytes as the general path's. Field names are
 * written as given: callers pass plain ASCII literals. A writer is used by one thread at a time,
 * and can be {@linkplain #reset reset} to write the next object in the same buffer.
 */
final class JsonWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final long ONES = JsonStrings.ONES;

    /** A buffer grown above this by one huge object is not kept by {@link #reset}. */
    private static final int MAX_KEPT = 1 << 16;

    private byte[] buf;
    private int len;

    JsonWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
        buf[len++] = '{';
    }

    /** Empties the writer to start the next object in the same buffer. */
    JsonWriter reset() {
        if (buf.length > MAX_KEPT) {
            buf = new byte[1024];
        }
        len = 0;
        buf[len++] = '{';
        return this;
    }

    /** A field name encoded once, for writers that write the same fields for every record. */
    static final class Name {
        private final byte[] quoted;

        Name(String name) {
            quoted = ("\"" + name + "\":").getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * A string value encoded once, for the few values (wire names of enums) written in every
     * record.
     */
    static final class Literal {
        private final byte[] quoted;

        Literal(String value) {
            JsonWriter w = new JsonWriter(16).value(value);
            quoted = Arrays.copyOfRange(w.buf, 1, w.len);
        }
    }

    JsonWriter field(Name name, Literal value) {
        name(name);
        ensure(value.quoted.length);
        System.arraycopy(value.quoted, 0, buf, len, value.quoted.length);
        len += value.quoted.length;
        return this;
    }

    JsonWriter field(Name name, String value) {
        name(name);
        return value(value);
    }

    JsonWriter field(Name name, long value) {
        name(name);
        return value(value);
    }

    JsonWriter field(Name name, boolean value) {
        name(name);
        return raw(value ? "true" : "false");
    }

    JsonWriter field(String name, boolean value) {
        return field(new Name(name), value);
    }

    /** The bytes written so far, with the closing brace {@link #toBytes} adds. */
    int length() {
        return len + 1;
    }

    /**
     * A field whose value is {@link IsoInstant#format}{@code (epochMillis)}, written without the
     * string.
     */
    JsonWriter instantField(Name name, long epochMillis) {
        name(name);
        ensure(2 + IsoInstant.MAX_FAST_LENGTH);
        int end = IsoInstant.writeAscii(epochMillis, buf, len + 1);
        if (end < 0) {
            return value(IsoInstant.format(epochMillis));
        }
        buf[len] = '"';
        buf[end] = '"';
        len = end + 1;
        return this;
    }

    /**
     * A field name given as text: encoded on each call, for records written rarely (dead letters,
     * gaps).
     */
    JsonWriter field(String name, String value) {
        return field(new Name(name), value);
    }

    JsonWriter field(String name, long value) {
        return field(new Name(name), value);
    }

    /**
     * The general form of {@link #field(Name, String)}, for any string: the ASCII path is checked
     * against it.
     */
    JsonWriter fieldByChars(Name name, String value) {
        name(name);
        return value == null ? nullValue() : chars(value);
    }

    private JsonWriter value(String value) {
        if (value == null) {
            return nullValue();
        }
        // intrinsic for the common Latin-1 string; as many bytes as characters exactly when every
        // character is
        // ASCII or a lone surrogate, which the encoder replaces with '?'
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        return utf8.length == value.length() ? ascii(value, utf8) : chars(value);
    }

    private JsonWriter nullValue() {
        ensure(4);
        buf[len++] = 'n';
        buf[len++] = 'u';
        buf[len++] = 'l';
        buf[len++] = 'l';
        return this;
    }

    /**
     * {@code value} from its {@code bytes}, one per character: the runs that need no escape copied
     * in bulk, the rest escaped; a '?' that stands for a lone surrogate sends the whole string to
     * {@link #chars}.
     */
    private JsonWriter ascii(String value, byte[] bytes) {
        int start = len;
        int n = bytes.length;
        ensure(2 + n);
        buf[len++] = '"';
        for (int from = 0; ; ) {
            int at = firstSpecial(bytes, from);
            System.arraycopy(bytes, from, buf, len, at - from);
            len += at - from;
            if (at == n) {
                break;
            }
            if (bytes[at] != '?') {
                ensure(6 + n - at);
                escape((char) bytes[at]);
            } else if (value.charAt(at) == '?') {
                buf[len++] = '?';
            } else {
                len = start;
                return chars(value);
            }
            from = at + 1;
        }
        buf[len++] = '"';
        return this;
    }

    /**
     * Index of the first quote, backslash, control byte or '?' in ASCII {@code s} from {@code
     * from}, or its length.
     */
    private static int firstSpecial(byte[] s, int from) {
        int i = from;
        for (; i + 8 <= s.length; i += 8) {
            long w = (long) JsonStrings.LONGS.get(s, i);
            // every byte is below 0x80, so no sum carries into the next byte: a byte's top bit is
            // set in each term
            // exactly when that byte is >= 0x20, differs from '"', from '\\', from '?'
            long plain =
                    (w + 0x60 * ONES)
                            & ((w ^ '"' * ONES) + 0x7f * ONES)
                            & ((w ^ '\\' * ONES) + 0x7f * ONES)
                            & ((w ^ '?' * ONES) + 0x7f * ONES);
            long special = ~plain & 0x80 * ONES;
            if (special != 0) {
                return i + (Long.numberOfTrailingZeros(special) >>> 3);
            }
        }
        for (; i < s.length; i++) {
            byte c = s[i];
            if (c < 0x20 || c == '"' || c == '\\' || c == '?') {
                return i;
            }
        }
        return s.length;
    }

    private JsonWriter chars(String value) {
        int n = value.length();
        ensure(2 + 6 * n);
        buf[len++] = '"';
        // one bulk copy of the characters, then a plain array loop: String.charAt per character
        // (bounds and coder
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
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < n
                    && Character.isLowSurrogate(chars[i + 1])) {
                at = JsonStrings.putUtf8(b, at, Character.toCodePoint(c, chars[++i]));
            } else if (Character.isSurrogate(c)) {
                len = at;
                escape(c);
                at = len;
            } else {
                at = JsonStrings.putUtf8(b, at, c);
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
            case '"':
                buf[len++] = '"';
                return;
            case '\\':
                buf[len++] = '\\';
                return;
            case '\n':
                buf[len++] = 'n';
                return;
            case '\r':
                buf[len++] = 'r';
                return;
            case '\t':
                buf[len++] = 't';
                return;
            case '\b':
                buf[len++] = 'b';
                return;
            case '\f':
                buf[len++] = 'f';
                return;
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
