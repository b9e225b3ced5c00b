package dev.floodgate.contract;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * ISO-8601 instants in epoch milliseconds, exactly as {@link Instant#parse} and {@link
 * Instant#toString} read and write them, without their cost on the common form: {@code
 * yyyy-MM-ddTHH:mm:ss[.fraction]Z} with a 4-digit year. Every other form (offsets, lower case, leap
 * seconds, other years) and every invalid value goes to {@link Instant} itself, so what is
 * accepted, rejected and produced is the same. The live job parses one and writes three per event;
 * {@code java.time}'s formatter was a third of the parse thread and a tenth of the keyed thread in
 * the benchmark's profile.
 */
public final class IsoInstant {
    /**
     * 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the 4-digit years {@link Instant#toString}
     * writes.
     */
    private static final long MIN_FAST = -62_167_219_200_000L;

    private static final long MAX_FAST = 253_402_300_799_999L;

    private IsoInstant() {}

    /** The longest text {@link #writeAscii} writes: {@code yyyy-MM-ddTHH:mm:ss.SSSZ}. */
    static final int MAX_FAST_LENGTH = 24;

    /** {@code Instant.ofEpochMilli(millis).toString()}. */
    public static String format(long millis) {
        byte[] c = new byte[MAX_FAST_LENGTH];
        int n = writeAscii(millis, c, 0);
        return n < 0
                ? Instant.ofEpochMilli(millis).toString()
                : new String(c, 0, n, StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes {@link #format}{@code (millis)} as ASCII into {@code into} from {@code at} on and
     * returns the index after it, when it has a 4-digit year; writes nothing and returns -1
     * otherwise. Needs {@link #MAX_FAST_LENGTH} bytes of room.
     */
    static int writeAscii(long millis, byte[] into, int at) {
        if (millis < MIN_FAST || millis > MAX_FAST) {
            return -1;
        }
        long epochDay = Math.floorDiv(millis, 86_400_000L);
        int milliOfDay = (int) (millis - epochDay * 86_400_000L);
        Day day = lastDay;
        if (day.epochDay != epochDay) {
            day = new Day(epochDay);
            lastDay = day;
        }
        int secondOfDay = milliOfDay / 1000;
        int milli = milliOfDay - secondOfDay * 1000;
        int minuteOfDay = secondOfDay / 60;
        byte[] date = day.text;
        for (int i = 0;
                i < 10;
                i++) { // for 10 bytes, a plain loop is cheaper than the call to System.arraycopy
            into[at + i] = date[i];
        }
        into[at + 10] = 'T';
        twoDigits(into, at + 11, minuteOfDay / 60);
        into[at + 13] = ':';
        twoDigits(into, at + 14, minuteOfDay % 60);
        into[at + 16] = ':';
        twoDigits(into, at + 17, secondOfDay - minuteOfDay * 60);
        if (milli == 0) {
            into[at + 19] = 'Z'; // Instant.toString drops a zero fraction
            return at + 20;
        }
        into[at + 19] = '.';
        into[at + 20] = (byte) ('0' + milli / 100);
        twoDigits(into, at + 21, milli % 100);
        into[at + 23] = 'Z';
        return at + 24;
    }

    /**
     * The last formatted date ({@code yyyy-MM-dd}): the three timestamps of a result are almost
     * always on the same day as the previous result's. Immutable, so sharing it between threads
     * through a plain field is safe.
     */
    private static final class Day {
        final long epochDay;
        final byte[] text = new byte[10];

        Day(long epochDay) {
            this.epochDay = epochDay;
            LocalDate date = LocalDate.ofEpochDay(epochDay);
            digits(text, 0, date.getYear(), 4);
            text[4] = '-';
            digits(text, 5, date.getMonthValue(), 2);
            text[7] = '-';
            digits(text, 8, date.getDayOfMonth(), 2);
        }
    }

    private static Day lastDay = new Day(0);

    /**
     * {@code Instant.parse(text).toEpochMilli()}: the same value, and the same exceptions ({@link
     * java.time.format.DateTimeParseException}, {@link ArithmeticException}) for the same inputs.
     */
    public static long parseMillis(String text) {
        int n = text.length();
        if (n < 20
                || n > 30
                || text.charAt(n - 1) != 'Z'
                || text.charAt(4) != '-'
                || text.charAt(7) != '-'
                || text.charAt(10) != 'T'
                || text.charAt(13) != ':'
                || text.charAt(16) != ':'
                || (n > 20 && (n == 21 || text.charAt(19) != '.'))
                || (n == 20 && text.charAt(19) != 'Z')) {
            return Instant.parse(text).toEpochMilli();
        }
        int year = number(text, 0, 4);
        int month = number(text, 5, 2);
        int day = number(text, 8, 2);
        int hour = number(text, 11, 2);
        int minute = number(text, 14, 2);
        int second = number(text, 17, 2);
        int milli = 0;
        for (int i = 20, scale = 100; i < n - 1; i++, scale /= 10) {
            int d = digit(text, i);
            if (d < 0) {
                return Instant.parse(text).toEpochMilli();
            }
            milli += d * scale; // digits beyond the third add 0: toEpochMilli drops
            // sub-millisecond nanos
        }
        if (year < 0
                || month < 0
                || day < 0
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return Instant.parse(text).toEpochMilli();
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return Instant.parse(text).toEpochMilli(); // e.g. February 30th: Instant.parse says why
        }
        return ((epochDay * 86_400L + hour * 3600L + minute * 60L + second) * 1000L) + milli;
    }

    /** The decimal number of {@code length} digits at {@code from}, or -1 if any is not a digit. */
    private static int number(String s, int from, int length) {
        int v = 0;
        for (int i = from; i < from + length; i++) {
            int d = digit(s, i);
            if (d < 0) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static int digit(String s, int i) {
        char ch = s.charAt(i);
        return ch >= '0' && ch <= '9' ? ch - '0' : -1;
    }

    private static void twoDigits(byte[] c, int at, int value) {
        c[at] = (byte) ('0' + value / 10);
        c[at + 1] = (byte) ('0' + value % 10);
    }

    private static void digits(byte[] c, int at, int value, int length) {
        for (int i = at + length - 1; i >= at; i--) {
            c[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
