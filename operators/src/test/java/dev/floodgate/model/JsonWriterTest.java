package dev.floodgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import org.junit.jupiter.api.Test;

/** The hand-written JSON writer against Jackson's reader: every Java string, every long, read back exactly. */
class JsonWriterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Property(tries = 2000)
    void anyStringAndNumberReadsBackExactly(@ForAll String text, @ForAll long number) throws Exception {
        assertRoundTrip(text, number);
    }

    @Property(tries = 2000)
    void controlQuoteNonAsciiAndSurrogateCharactersReadBackExactly(
            @ForAll @CharRange(from = 0, to = 0x7f) @CharRange(from = 0xd7f0, to = 0xe010)
            @Chars({'"', '\\', '\u2028', '\u00e9', '\uffff'}) String text) throws Exception {
        assertRoundTrip(text, 0);
    }

    @Test
    void edgeCases() throws Exception {
        for (String s : new String[] {"", "\u0000", "\"\\/\b\f\n\r\t", "\uD83D\uDE00", "\uD800", "\uDC00\uD800",
                "a\uD83D", "\uDE00b", "x".repeat(10_000), "\u4e16\u754c"}) {
            assertRoundTrip(s, Long.MIN_VALUE);
        }
    }

    @Test
    void writesNullsAndAnEmptyObject() throws Exception {
        assertThat(new String(new JsonWriter(0).toBytes(), StandardCharsets.UTF_8)).isEqualTo("{}");
        JsonNode n = MAPPER.readTree(new JsonWriter(4).field("a", (String) null).field("b", 1).toBytes());
        assertThat(n.get("a").isNull()).isTrue();
        assertThat(n.get("b").asLong()).isEqualTo(1);
    }

    private static void assertRoundTrip(String text, long number) throws Exception {
        byte[] json = new JsonWriter(8).field("text", text).field("number", number).field("again", text).toBytes();
        JsonNode n = MAPPER.readTree(json);
        assertThat(n.get("text").textValue()).isEqualTo(text);
        assertThat(n.get("again").textValue()).isEqualTo(text);
        assertThat(n.get("number").longValue()).isEqualTo(number);
        assertThat(n.size()).isEqualTo(3);
    }
}
