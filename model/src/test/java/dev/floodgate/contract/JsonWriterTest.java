package dev.floodgate.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * The hand-written JSON writer against Jackson's reader: every Java string, every long, read back
 * exactly; and its fast forms (ASCII strings, pre-encoded values, instants, a reused buffer)
 * against its general one, byte for byte.
 */
class JsonWriterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonWriter.Name S = new JsonWriter.Name("s");

    /**
     * Bytes JSON escapes, their neighbours, '?' (which also stands for a lone surrogate),
     * non-ASCII, surrogates.
     */
    private static final String SPECIALS =
            "\"\\\u0000\u0001\b\t\n\f\r\u001f\u007f !#/>?@[]~"
                    + "\u0080\u00e9\u4e16\ud800\udbff\udc00\udfff";

    @Property(tries = 2000)
    void anyStringAndNumberReadsBackExactly(@ForAll String text, @ForAll long number)
            throws Exception {
        assertRoundTrip(text, number);
    }

    @Property(tries = 2000)
    void controlQuoteNonAsciiAndSurrogateCharactersReadBackExactly(
            @ForAll
                    @CharRange(from = 0, to = 0x7f)
                    @CharRange(from = 0xd7f0, to = 0xe010)
                    @Chars({'"', '\\', '\u2028', '\u00e9', '\uffff'})
                    String text)
            throws Exception {
        assertRoundTrip(text, 0);
    }

    @Test
    void edgeCases() throws Exception {
        for (String s :
                new String[] {
                    "",
                    "\u0000",
                    "\"\\/\b\f\n\r\t",
                    "\uD83D\uDE00",
                    "\uD800",
                    "\uDC00\uD800",
                    "a\uD83D",
                    "\uDE00b",
                    "x".repeat(10_000),
                    "\u4e16\u754c"
                }) {
            assertRoundTrip(s, Long.MIN_VALUE);
        }
    }

    @Test
    void writesNullsAndAnEmptyObject() throws Exception {
        assertThat(new String(new JsonWriter(0).toBytes(), StandardCharsets.UTF_8)).isEqualTo("{}");
        JsonNode n =
                MAPPER.readTree(
                        new JsonWriter(4).field("a", (String) null).field("b", 1).toBytes());
        assertThat(n.get("a").isNull()).isTrue();
        assertThat(n.get("b").asLong()).isEqualTo(1);
    }

    @Test
    void preEncodedNamesAndEveryLongWriteTheSameAsPlainOnes() throws Exception {
        JsonWriter.Name n = new JsonWriter.Name("n");
        for (long v :
                new long[] {
                    0,
                    1,
                    -1,
                    9,
                    10,
                    -10,
                    99,
                    1_000_000_007L,
                    Long.MAX_VALUE,
                    Long.MIN_VALUE,
                    Long.MIN_VALUE + 1
                }) {
            assertThat(
                            new String(
                                    new JsonWriter(2).field(n, v).field(n, "x").toBytes(),
                                    StandardCharsets.UTF_8))
                    .isEqualTo(
                            new String(
                                    new JsonWriter(2).field("n", v).field("n", "x").toBytes(),
                                    StandardCharsets.UTF_8))
                    .isEqualTo("{\"n\":" + v + ",\"n\":\"x\"}");
        }
    }

    @Property(tries = 500)
    void processedResultsReadBackExactly(
            @ForAll String result,
            @ForAll long seq,
            @ForAll
                    @net.jqwik.api.constraints.LongRange(
                            min = -62_000_000_000_000L,
                            max = 250_000_000_000_000L)
                    long at)
            throws Exception {
        ProcessedEvent p = new ProcessedEvent();
        p.eventId = "e-1";
        p.customerId = "c-\u00fc";
        p.seq = seq == Interaction.NO_SEQ ? 1 : seq;
        p.channel = Channel.VOICE;
        p.priority = Priority.LOW;
        p.lane = Lane.REPLAY;
        p.occurredAt = at;
        p.logTimestamp = at + 1;
        p.processedAt = at + 1_001;
        p.processor = "passthrough-v2";
        p.result = result;
        p.sourcePartition = 3;
        p.sourceOffset = Math.abs(seq);
        ProcessedEvent back = OutputCodec.readProcessed(OutputCodec.write(p));
        assertThat(back).usingRecursiveComparison().isEqualTo(p);
        assertThat(MAPPER.readTree(OutputCodec.write(p)).get("age_ms").asLong()).isEqualTo(1_000);
    }

    @Test
    void asciiPathWritesWhatTheGeneralPathWritesWithASpecialCharacterAtEveryPosition() {
        for (int n = 1; n <= 40; n++) {
            for (int at = 0; at < n; at++) {
                for (char c : SPECIALS.toCharArray()) {
                    assertSameAsGeneralPath("a".repeat(at) + c + "b".repeat(n - at - 1));
                    for (int second = at + 1; second < n; second++) {
                        assertSameAsGeneralPath(
                                "x".repeat(at)
                                        + c
                                        + "y".repeat(second - at - 1)
                                        + '"'
                                        + "z".repeat(n - second - 1));
                    }
                }
            }
            assertSameAsGeneralPath("q".repeat(n));
            assertSameAsGeneralPath("?".repeat(n));
        }
        assertSameAsGeneralPath("");
        assertSameAsGeneralPath("\\".repeat(5_000) + "?\ud800".repeat(5_000));
    }

    @Property(tries = 3000)
    void anyStringWritesWhatTheGeneralPathWrites(@ForAll String text) {
        assertSameAsGeneralPath(text);
    }

    @Property(tries = 3000)
    void mostlyAsciiStringsWriteWhatTheGeneralPathWrites(
            @ForAll
                    @StringLength(max = 80)
                    @CharRange(from = 0, to = 0x7f)
                    @Chars({'\ud800', '\udbff', '\udc00', '\udfff', '\u00e9', '\u4e16'})
                    String text) {
        assertSameAsGeneralPath(text);
    }

    @Property(tries = 500)
    void preEncodedValuesWriteWhatStringsWrite(@ForAll String text) {
        assertThat(new JsonWriter(1).field(S, new JsonWriter.Literal(text)).field(S, 1).toBytes())
                .isEqualTo(new JsonWriter(1).field(S, text).field(S, 1).toBytes());
    }

    @Property(tries = 3000)
    void instantsWriteWhatInstantToStringWrites(
            @ForAll long millis,
            @ForAll @LongRange(min = -62_167_219_200_010L, max = 253_402_300_800_010L)
                    long fastRange) {
        for (long m : new long[] {millis, fastRange, fastRange / 1000 * 1000}) {
            assertThat(new JsonWriter(1).instantField(S, m).field(S, 1).toBytes())
                    .as("%d", m)
                    .isEqualTo(
                            new JsonWriter(1)
                                    .field(S, Instant.ofEpochMilli(m).toString())
                                    .field(S, 1)
                                    .toBytes());
        }
    }

    @Test
    void aResetWriterStartsAfreshAndLeavesEarlierObjectsAlone() {
        JsonWriter w = new JsonWriter(16);
        byte[] small = w.field(S, "x").toBytes();
        byte[] huge = w.reset().field(S, "\u00e9".repeat(100_000)).toBytes();
        w.reset().field(S, "abandoned halfway");
        byte[] again = w.reset().field(S, "x").toBytes();
        assertThat(again)
                .isEqualTo(small)
                .isEqualTo("{\"s\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(huge, StandardCharsets.UTF_8))
                .isEqualTo("{\"s\":\"" + "\u00e9".repeat(100_000) + "\"}");
    }

    private static void assertSameAsGeneralPath(String text) {
        for (int capacity : new int[] {1, 4096}) {
            byte[] fast = new JsonWriter(capacity).field(S, text).field(S, text).toBytes();
            byte[] general =
                    new JsonWriter(capacity).fieldByChars(S, text).fieldByChars(S, text).toBytes();
            assertThat(fast)
                    .as(
                            () ->
                                    text.chars()
                                            .mapToObj(c -> String.format("%04x", c))
                                            .toList()
                                            .toString())
                    .isEqualTo(general);
        }
    }

    private static void assertRoundTrip(String text, long number) throws Exception {
        byte[] json =
                new JsonWriter(8)
                        .field("text", text)
                        .field("number", number)
                        .field("again", text)
                        .toBytes();
        JsonNode n = MAPPER.readTree(json);
        assertThat(n.get("text").textValue()).isEqualTo(text);
        assertThat(n.get("again").textValue()).isEqualTo(text);
        assertThat(n.get("number").longValue()).isEqualTo(number);
        assertThat(n.size()).isEqualTo(3);
    }
}
