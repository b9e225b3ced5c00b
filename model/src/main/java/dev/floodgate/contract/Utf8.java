package dev.floodgate.contract;

/**
 * A strict UTF-8 check without allocation (rejects overlongs, surrogates and code points above
 * U+10FFFF).
 */
final class Utf8 {
    private Utf8() {}

    /**
     * Index of the first byte of an invalid sequence, or -1 when all of {@code b} is valid UTF-8.
     */
    static int firstInvalidByte(byte[] b) {
        int i = 0;
        int n = b.length;
        while (i < n) {
            if (b[i] >= 0) {
                i++;
                continue;
            }
            int len = sequenceLength(b, i, n);
            if (len < 0) {
                return i;
            }
            i += len;
        }
        return -1;
    }

    /**
     * For a non-ASCII byte at {@code b[i]}: the length (2 to 4) of the valid UTF-8 sequence it
     * starts within {@code b[i..end)}, or -1 when it does not start one.
     */
    static int sequenceLength(byte[] b, int i, int end) {
        int c = b[i] & 0xFF;
        int len;
        int min;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            min = 0x10000;
        } else {
            return -1;
        }
        if (i + len > end) {
            return -1;
        }
        int cp = c & (0xFF >> (len + 1));
        for (int k = 1; k < len; k++) {
            int cc = b[i + k] & 0xFF;
            if ((cc & 0xC0) != 0x80) {
                return -1;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return -1;
        }
        return len;
    }
}
