package dev.floodgate.contract;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The inside of JSON strings in UTF-8 bytes, for {@link JsonCursor}: finding where the plain part
 * of a string ends, reading an escape sequence, and decoding content the cursor has checked into
 * exactly the Java string Jackson makes of it (escaped lone surrogates kept as they are). Its word
 * view of a byte array and its UTF-8 encoder are {@link JsonWriter}'s too. Stateless.
 */
final class JsonStrings {
    /** Eight bytes of an array as one little-endian {@code long}: the lowest byte is the first. */
    static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private JsonStrings() {}

    /**
     * The index of the first byte at or after {@code i} that is not plain string content: a quote,
     * a backslash, a control character or a non-ASCII byte; {@code end} if there is none.
     */
    static int plainRun(byte[] b, int i, int end) {
        // Eight bytes at a time. Each test sets the high bit of the bytes it looks for; a borrow
        // can only set bits
        // above a byte that is really found, so the lowest set bit is exact.
        while (i <= end - 8) {
            long w = (long) LONGS.get(b, i);
            long quote = w ^ 0x2222222222222222L;
            long backslash = w ^ 0x5C5C5C5C5C5C5C5CL;
            long found =
                    ((quote - ONES) & ~quote
                                    | (backslash - ONES) & ~backslash
                                    | (w - 0x2020202020202020L) & ~w
                                    | w)
                            & HIGH_BITS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
            i += 8;
        }
        while (i < end) {
            byte c = b[i];
            if (c < 0x20 || c == '"' || c == '\\') { // negative: a non-ASCII byte
                return i;
            }
            i++;
        }
        return end;
    }

    /** Whether b[from, from + len) holds exactly {@code text}. */
    static boolean same(byte[] b, int from, int len, byte[] text) {
        if (text.length != len) {
            return false;
        }
        int k = 0;
        for (; k <= len - 8; k += 8) {
            if ((long) LONGS.get(b, from + k) != (long) LONGS.get(text, k)) {
                return false;
            }
        }
        for (; k < len; k++) {
            if (b[from + k] != text[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The char that the escape sequence at b[i] (a backslash) stands for, or -1 if it is not a
     * valid one.
     */
    static int escapedChar(byte[] b, int i, int end) {
        if (i + 1 >= end) {
            return -1;
        }
        switch (b[i + 1]) {
            case '"':
                return '"';
            case '\\':
                return '\\';
            case '/':
                return '/';
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u':
                if (i + 6 > end) {
                    return -1;
                }
                int ch = 0;
                for (int k = i + 2; k < i + 6; k++) {
                    int d =
                            Character.digit(
                                    b[k], 16); // a byte is never one of the non-ASCII digits
                    if (d < 0) {
                        return -1;
                    }
                    ch = ch << 4 | d;
                }
                return ch;
            default:
                return -1;
        }
    }

    /** The length of the (valid) escape sequence at b[i]. */
    static int escapeLength(byte[] b, int i) {
        return b[i + 1] == 'u' ? 6 : 2;
    }

    /**
     * The string whose content is b[from, to), already checked: valid UTF-8 and escapes, no control
     * characters. {@code ascii} and {@code escaped} say whether it has non-ASCII bytes and escapes.
     */
    static String decode(byte[] b, int from, int to, boolean ascii, boolean escaped) {
        if (!escaped) {
            return new String(
                    b,
                    from,
                    to - from,
                    ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
        // Unescape into UTF-8 and let the JDK decode it; never longer, as no escape is shorter than
        // its UTF-8.
        byte[] out = new byte[to - from];
        int n = 0;
        int i = from;
        while (i < to) {
            int run = i;
            while (run < to && b[run] != '\\') {
                run++;
            }
            System.arraycopy(b, i, out, n, run - i);
            n += run - i;
            if (run == to) {
                break;
            }
            int ch = escapedChar(b, run, to);
            i = run + escapeLength(b, run);
            if (Character.isSurrogate((char) ch)) {
                int low = i < to && b[i] == '\\' ? escapedChar(b, i, to) : -1;
                if (!Character.isHighSurrogate((char) ch)
                        || low < 0
                        || !Character.isLowSurrogate((char) low)) {
                    return decodeWithLoneSurrogates(b, from, to); // UTF-8 has no lone surrogates
                }
                n = putUtf8(out, n, Character.toCodePoint((char) ch, (char) low));
                i += 6;
            } else {
                n = putUtf8(out, n, ch);
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * Writes code point {@code cp} (not a surrogate) as UTF-8 at out[n] and returns the index after
     * it.
     */
    static int putUtf8(byte[] out, int n, int cp) {
        if (cp < 0x80) {
            out[n++] = (byte) cp;
        } else if (cp < 0x800) {
            out[n++] = (byte) (0xC0 | cp >> 6);
            out[n++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            out[n++] = (byte) (0xE0 | cp >> 12);
            out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
            out[n++] = (byte) (0x80 | cp & 0x3F);
        } else {
            out[n++] = (byte) (0xF0 | cp >> 18);
            out[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
            out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
            out[n++] = (byte) (0x80 | cp & 0x3F);
        }
        return n;
    }

    private static String decodeWithLoneSurrogates(byte[] b, int from, int to) {
        char[] out = new char[to - from]; // no escape or UTF-8 sequence yields more chars than it
        // has bytes
        int n = 0;
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c == '\\') {
                out[n++] = (char) escapedChar(b, i, to);
                i += escapeLength(b, i);
            } else if (c >= 0) {
                out[n++] = (char) c;
                i++;
            } else if (c >= (byte) 0xF0) {
                n +=
                        Character.toChars(
                                (c & 0x07) << 18
                                        | (b[i + 1] & 0x3F) << 12
                                        | (b[i + 2] & 0x3F) << 6
                                        | (b[i + 3] & 0x3F),
                                out,
                                n);
                i += 4;
            } else if (c >= (byte) 0xE0) {
                out[n++] = (char) ((c & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F));
                i += 3;
            } else {
                out[n++] = (char) ((c & 0x1F) << 6 | (b[i + 1] & 0x3F));
                i += 2;
            }
        }
        return new String(out, 0, n);
    }
}
