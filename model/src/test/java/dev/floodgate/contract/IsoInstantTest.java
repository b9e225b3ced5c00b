package dev.floodgate.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** {@link IsoInstant} reads and writes exactly what {@link Instant} does, fast path or not. */
class IsoInstantTest {

    @Test
    void formatsEveryMillisecondLikeInstantToString() {
        Random random = new Random(1);
        List<Long> edges =
                List.of(
                        0L,
                        1L,
                        -1L,
                        999L,
                        1000L,
                        120L,
                        1_795_425_601_123L,
                        -62_167_219_200_000L,
                        -62_167_219_200_001L,
                        253_402_300_799_999L,
                        253_402_300_800_000L,
                        Long.MAX_VALUE / 1000,
                        Long.MIN_VALUE / 1000,
                        951_782_400_000L /* 2000-02-29 */);
        for (long millis : edges) {
            assertThat(IsoInstant.format(millis))
                    .as("%d", millis)
                    .isEqualTo(Instant.ofEpochMilli(millis).toString());
        }
        for (int i = 0; i < 200_000; i++) {
            long millis = random.nextLong() % 300_000_000_000_000L;
            long recent =
                    1_700_000_000_000L
                            + random.nextInt(1_000_000_000) * 100L
                            + random.nextInt(3) * 1000;
            assertThat(IsoInstant.format(millis))
                    .isEqualTo(Instant.ofEpochMilli(millis).toString());
            assertThat(IsoInstant.format(recent))
                    .isEqualTo(Instant.ofEpochMilli(recent).toString());
        }
    }

    @Property(tries = 3000)
    void writesIntoAnArrayWhatInstantToStringWritesAndNothingElse(
            @ForAll long millis,
            @ForAll @LongRange(min = -62_167_219_200_010L, max = 253_402_300_800_010L)
                    long fastRange,
            @ForAll @IntRange(max = 9) int at) {
        for (long m : new long[] {millis, fastRange, fastRange / 1000 * 1000}) {
            byte[] into = new byte[at + IsoInstant.MAX_FAST_LENGTH + 9];
            Arrays.fill(into, (byte) '#');
            int end = IsoInstant.writeAscii(m, into, at);
            String expected = Instant.ofEpochMilli(m).toString();
            String untouched = "#".repeat(into.length);
            if (end < 0) {
                // declined only outside the 4-digit years (a 7-digit year can be 24 chars long too)
                assertThat(expected).as("%d", m).doesNotMatch("\\d{4}-.*");
                assertThat(new String(into, StandardCharsets.ISO_8859_1)).isEqualTo(untouched);
            } else {
                assertThat(new String(into, StandardCharsets.ISO_8859_1))
                        .as("%d", m)
                        .isEqualTo(
                                untouched.substring(0, at) + expected + untouched.substring(end));
            }
        }
    }

    @Test
    void parsesLikeInstantParseAndRoundTrips() {
        Random random = new Random(2);
        for (int i = 0; i < 200_000; i++) {
            long millis = random.nextLong() % 300_000_000_000_000L;
            String text = Instant.ofEpochMilli(millis).toString();
            assertThat(IsoInstant.parseMillis(text)).as(text).isEqualTo(millis);
        }
        for (String text :
                List.of(
                        "2026-11-23T09:00:01Z",
                        "2026-11-23T09:00:01.1Z",
                        "2026-11-23T09:00:01.12Z",
                        "2026-11-23T09:00:01.123456789Z",
                        "2026-11-23T09:00:01.999999Z",
                        "2026-11-23t09:00:01z",
                        "2026-11-23T09:00:01+01:00",
                        "2026-11-23T09:00:01.5-02:30",
                        "2016-12-31T23:59:60Z",
                        "0000-01-01T00:00:00Z",
                        "9999-12-31T23:59:59.999Z",
                        "+10000-01-01T00:00:00Z",
                        "2024-02-29T00:00:00Z",
                        "1969-12-31T23:59:59.999Z",
                        "2026-11-23T24:00:00Z",
                        "2026-11-23T09:00:01.Z",
                        "-2026-11-23T09:00:01Z")) {
            assertThat(IsoInstant.parseMillis(text))
                    .as(text)
                    .isEqualTo(Instant.parse(text).toEpochMilli());
        }
    }

    @Test
    void rejectsWhatInstantParseRejects() {
        for (String text :
                List.of(
                        "",
                        "2026-11-23",
                        "2026-11-23T09:00:01",
                        "2026-02-30T09:00:01Z",
                        "2025-02-29T00:00:00Z",
                        "2026-13-01T00:00:00Z",
                        "2026-11-23T24:00:01Z",
                        "2026-11-23T09:60:00Z",
                        "2026-11-23T09:00:61Z",
                        "2026-11-23T09:00:01.1234567890Z",
                        "2026-11-23T09:00:0xZ",
                        "2026/11/23T09:00:01Z",
                        "2026-11-23 09:00:01Z",
                        "yesterday",
                        "2026-11-23T09:00:01.12aZ",
                        "2026-11-23T09:00:01ZZ")) {
            Class<? extends Throwable> expected = thrown(() -> Instant.parse(text).toEpochMilli());
            assertThat(expected).as("Instant.parse rejects %s", text).isNotNull();
            assertThatThrownBy(() -> IsoInstant.parseMillis(text)).as(text).isInstanceOf(expected);
        }
    }

    private static Class<? extends Throwable> thrown(Runnable r) {
        try {
            r.run();
            return null;
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }
}
