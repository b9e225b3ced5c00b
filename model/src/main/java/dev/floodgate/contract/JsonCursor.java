package dev.floodgate.contract;

import dev.floodgate.model.DeadLetterReason;

/**
 * A forward-only reader of the JSON tokens in one byte array, for {@link ContractV1Reader}:
 * whitespace, strings, numbers, literals and skipping whole values. It accepts what Jackson 2.20's
 * default parser accepted (the contract; {@link ContractV1Reader} lists where it differs from later
 * Jackson): RFC 8259 (no comments, leading zeros, NaN, single quotes, unquoted names or trailing
 * commas; escaped lone surrogates allowed, in names too) within Jackson's default limits (1000
 * levels of nesting, 1000 digits per number, 50,000 UTF-8 bytes per name, an escaped surrogate pair
 * counted as the 4 bytes of its code point, 20,000,000 chars per string read). Every byte it steps
 * over is checked, including the UTF-8 inside strings: anything wrong throws {@link
 * InvalidRecordException}, {@link DeadLetterReason#INVALID_UTF8} or {@link
 * DeadLetterReason#BAD_JSON} naming the byte offset. A string is only checked when scanned, so a
 * caller can reject a value by its type without reading it, as Jackson does. One instance per
 * value; not thread-safe.
 */
final class JsonCursor {
    static final int STRING = 0;
    static final int INT = 1;
    static final int FLOAT = 2;
    static final int TRUE = 3;
    static final int FALSE = 4;
    static final int NULL = 5;
    static final int OBJECT = 6;
    static final int ARRAY = 7;

    // Jackson's default StreamReadConstraints: values beyond them were BAD_JSON, so they still are.
    private static final int MAX_DEPTH = 1000;
    private static final int MAX_NUMBER_DIGITS = 1000;
    private static final int MAX_NAME_UTF8_BYTES = 50_000;
    private static final int MAX_STRING_CHARS = 20_000_000;

    private final byte[] b;
    private final int end;
    private int pos;
    private int depth;

    /** The last scanned string: its content is b[strStart, strEnd). */
    private int strStart;

    private int strEnd;
    private boolean strEscaped;
    private boolean strAscii;

    /** The UTF-8 length of the decoded content minus its raw length (escapes make them differ). */
    private int strUtf8Delta;

    /** The last number: an integer that fits a long has its value here. */
    private boolean numFitsLong;

    private long numValue;

    JsonCursor(byte[] b) {
        this.b = b;
        this.end = b.length;
    }

    /**
     * Skips a UTF-8 byte order mark (Jackson did), then whitespace; see {@link #skipWhitespace}.
     */
    int skipBomAndWhitespace() {
        if (end >= 3 && b[0] == (byte) 0xEF && b[1] == (byte) 0xBB && b[2] == (byte) 0xBF) {
            pos = 3;
        }
        return skipWhitespace();
    }

    /**
     * Skips space, tab, CR and LF; returns the next byte (0 to 255), or -1 at the end of the value.
     */
    int skipWhitespace() {
        while (pos < end) {
            int c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c & 0xFF;
            }
            pos++;
        }
        return -1;
    }

    /** Steps over the byte {@link #skipWhitespace} returned. */
    void advance() {
        pos++;
    }

    /** Steps into the object or array whose bracket is next. */
    void enter() throws InvalidRecordException {
        if (++depth > MAX_DEPTH) {
            throw error(pos, "nesting deeper than " + MAX_DEPTH + " levels");
        }
        pos++;
    }

    /**
     * Reads the start of the value at the cursor and returns its token. Numbers and literals are
     * read whole; strings, objects and arrays are left for {@link #scanString}, {@link #string} or
     * {@link #skipValue}.
     */
    int valueToken() throws InvalidRecordException {
        int c = pos < end ? b[pos] : -1;
        switch (c) {
            case '"':
                return STRING;
            case '{':
                return OBJECT;
            case '[':
                return ARRAY;
            case 't':
                return literal("true", TRUE);
            case 'f':
                return literal("false", FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw fail("a value (string, number, object, array, true, false or null)");
        }
    }

    /** Whether the last number is an integer that fits an int. */
    boolean numberFitsInt() {
        return numFitsLong && numValue == (int) numValue;
    }

    /** Whether the last number is an integer that fits a long. */
    boolean numberFitsLong() {
        return numFitsLong;
    }

    long numberValue() {
        return numValue;
    }

    /** Steps over a value whose token {@link #valueToken} returned. */
    void skipValue(int token) throws InvalidRecordException {
        if (token == STRING) {
            scanString();
        } else if (token == OBJECT || token == ARRAY) {
            skipContainer(token == OBJECT);
        }
    }

    /** Depth is bounded by {@link #MAX_DEPTH}, so the recursion is too. */
    private void skipContainer(boolean object) throws InvalidRecordException {
        enter();
        int close = object ? '}' : ']';
        int c = skipWhitespace();
        if (c == close) {
            pos++;
            depth--;
            return;
        }
        while (true) {
            if (object) {
                if (c != '"') {
                    throw fail("'\"' to open a field name");
                }
                scanName();
                if (skipWhitespace() != ':') {
                    throw fail("':' after the field name");
                }
                pos++;
                skipWhitespace();
            }
            skipValue(valueToken());
            c = skipWhitespace();
            if (c == close) {
                pos++;
                depth--;
                return;
            }
            if (c != ',') {
                throw fail(
                        object
                                ? "',' or '}' after a field value"
                                : "',' or ']' after an array element");
            }
            pos++;
            c = skipWhitespace();
        }
    }

    /** Scans a field name (its opening quote is next) and checks Jackson's limit on its length. */
    void scanName() throws InvalidRecordException {
        scanString();
        if (strEnd - strStart + strUtf8Delta > MAX_NAME_UTF8_BYTES) {
            throw error(strStart - 1, "field name longer than " + MAX_NAME_UTF8_BYTES + " bytes");
        }
    }

    /**
     * Scans the string whose opening quote is next, up to and past its closing quote, checking its
     * content.
     */
    void scanString() throws InvalidRecordException {
        int start = pos + 1;
        int i = JsonStrings.plainRun(b, start, end);
        if (i < end && b[i] == '"') {
            found(start, i, false, true, 0);
        } else {
            scanRest(start, i);
        }
    }

    /** Scans a string from b[i], the first byte of it that is not plain ASCII. */
    private void scanRest(int start, int i) throws InvalidRecordException {
        boolean escaped = false;
        boolean ascii = true;
        int delta = 0;
        int afterHigh = -1; // the index after the last escaped high surrogate
        while (true) {
            if (i >= end) {
                throw error(start - 1, "the value ends inside the string that starts");
            }
            byte c = b[i];
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                int ch = escape(i);
                int raw = JsonStrings.escapeLength(b, i);
                // A name is measured in UTF-8 with each escaped char encoded on its own, but an
                // escaped surrogate pair as the 4 bytes of its code point (3 + 1), as Jackson 2.21+
                // does; a lone escaped surrogate is 3 bytes (Jackson <= 2.20 counted 3 each).
                int utf8 = ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3;
                if (i == afterHigh && Character.isLowSurrogate((char) ch)) {
                    utf8 = 1;
                } else if (Character.isHighSurrogate((char) ch)) {
                    afterHigh = i + raw;
                }
                delta += utf8 - raw;
                escaped = true;
                i += raw;
            } else if (c < 0) {
                int len = Utf8.sequenceLength(b, i, end);
                if (len < 0) {
                    throw new InvalidRecordException(
                            DeadLetterReason.INVALID_UTF8, "invalid UTF-8 at byte " + i);
                }
                ascii = false;
                i += len;
            } else {
                throw error(i, String.format("unescaped control character 0x%02X in a string", c));
            }
            i = JsonStrings.plainRun(b, i, end);
        }
        found(start, i, escaped, ascii, delta);
    }

    private void found(int start, int close, boolean escaped, boolean ascii, int utf8Delta) {
        strStart = start;
        strEnd = close;
        strEscaped = escaped;
        strAscii = ascii;
        strUtf8Delta = utf8Delta;
        pos = close + 1;
    }

    /** The char of the escape sequence at b[i] (a backslash), checked. */
    private int escape(int i) throws InvalidRecordException {
        int ch = JsonStrings.escapedChar(b, i, end);
        if (ch >= 0) {
            return ch;
        }
        if (i + 1 >= end) {
            pos = i + 1;
            throw fail("an escaped character after '\\'");
        }
        if (b[i + 1] != 'u') {
            throw error(
                    i,
                    "unknown escape in a string, a backslash followed by " + describe(i + 1) + ",");
        }
        pos = i + 2;
        while (pos < i + 6 && pos < end && Character.digit(b[pos], 16) >= 0) {
            pos++;
        }
        throw fail("a hex digit in the \\u escape");
    }

    /**
     * If the string whose opening quote is next is exactly {@code ascii} (no escapes), steps over
     * it and returns true; otherwise stays and returns false. A comparison costs less than a scan,
     * so it pays to try the text a string most likely is.
     */
    boolean skipStringIf(byte[] ascii) {
        int start = pos + 1;
        int close = start + ascii.length;
        if (close < end && b[close] == '"' && JsonStrings.same(b, start, ascii.length, ascii)) {
            found(start, close, false, true, 0);
            return true;
        }
        return false;
    }

    /** Whether the last scanned string is {@code ascii}. */
    boolean stringIs(byte[] ascii) throws InvalidRecordException {
        if (!strEscaped) {
            return JsonStrings.same(b, strStart, strEnd - strStart, ascii);
        }
        String s = string();
        if (s.length() != ascii.length) {
            return false;
        }
        for (int k = 0; k < ascii.length; k++) {
            if (s.charAt(k) != ascii[k]) {
                return false;
            }
        }
        return true;
    }

    /** The last scanned string, decoded as Jackson decodes it. */
    String string() throws InvalidRecordException {
        String s = JsonStrings.decode(b, strStart, strEnd, strAscii, strEscaped);
        if (s.length() > MAX_STRING_CHARS) {
            throw error(strStart - 1, "string longer than " + MAX_STRING_CHARS + " characters");
        }
        return s;
    }

    private int literal(String word, int token) throws InvalidRecordException {
        int n = word.length();
        for (int k = 0; k < n; k++) {
            if (pos + k >= end || b[pos + k] != word.charAt(k)) {
                throw error(pos, "unrecognized token: expected '" + word + "'");
            }
        }
        // Jackson rejects a literal run on into a letter, digit or non-ASCII byte ("truex") there
        // and then
        int next = pos + n < end ? b[pos + n] & 0xFF : -1;
        if (next >= '0'
                && next != ']'
                && next != '}'
                && (next >= 0x80 || Character.isJavaIdentifierPart(next))) {
            throw error(pos, "unrecognized token: expected '" + word + "' followed by a delimiter");
        }
        pos += n;
        return token;
    }

    private int number() throws InvalidRecordException {
        int start = pos;
        if (b[pos] == '-') {
            pos++;
        }
        int intStart = pos;
        if (!digitAt(pos)) {
            throw fail("a digit after '-'");
        }
        if (b[pos] == '0' && digitAt(pos + 1)) {
            throw error(start, "leading zeros are not allowed in a number");
        }
        int intDigits = digits();
        int fracDigits = 0;
        int expDigits = 0;
        boolean integer = true;
        if (pos < end && b[pos] == '.') {
            integer = false;
            pos++;
            if ((fracDigits = digits()) == 0) {
                throw fail("a digit after the decimal point");
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            integer = false;
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if ((expDigits = digits()) == 0) {
                throw fail("a digit in the exponent");
            }
        }
        if (intDigits + fracDigits + expDigits > MAX_NUMBER_DIGITS) {
            throw error(start, "number longer than " + MAX_NUMBER_DIGITS + " digits");
        }
        numFitsLong = integer && intDigits <= 19 && toLong(start, intStart);
        return integer ? INT : FLOAT;
    }

    private int digits() {
        int from = pos;
        while (digitAt(pos)) {
            pos++;
        }
        return pos - from;
    }

    private boolean digitAt(int i) {
        return i < end && b[i] >= '0' && b[i] <= '9';
    }

    /**
     * Sets numValue to the integer b[start, pos) and returns true, or returns false if it does not
     * fit a long.
     */
    private boolean toLong(int start, int intStart) {
        long v = 0; // negative, so that Long.MIN_VALUE fits
        for (int i = intStart; i < pos; i++) {
            int d = b[i] - '0';
            if (v < (Long.MIN_VALUE + d) / 10) {
                return false;
            }
            v = v * 10 - d;
        }
        if (b[start] != '-') {
            if (v == Long.MIN_VALUE) {
                return false;
            }
            v = -v;
        }
        numValue = v;
        return true;
    }

    /** BAD_JSON: {@code expected} was expected at the cursor. */
    InvalidRecordException fail(String expected) {
        String found = describe(pos);
        if (pos < 2 && pos < end && b[pos] == 0) {
            found += " (contract v1 is UTF-8; UTF-16 and UTF-32 are not read)";
        }
        return new InvalidRecordException(
                DeadLetterReason.BAD_JSON,
                "expected " + expected + " at byte " + pos + ", found " + found);
    }

    private InvalidRecordException error(int at, String problem) {
        return new InvalidRecordException(DeadLetterReason.BAD_JSON, problem + " at byte " + at);
    }

    private String describe(int i) {
        if (i >= end) {
            return "the end of the value";
        }
        int c = b[i] & 0xFF;
        return c > 0x20 && c < 0x7F ? "'" + (char) c + "'" : String.format("byte 0x%02X", c);
    }
}
