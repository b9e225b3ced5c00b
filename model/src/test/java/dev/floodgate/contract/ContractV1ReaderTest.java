package dev.floodgate.contract;

import static dev.floodgate.contract.ContractV1ReaderProperties.assertAgree;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.ContractV1ReaderProperties.Outcome;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corners of Jackson's behaviour that {@link ContractV1Reader} reproduces, each checked against
 * {@link JacksonContractOracle}, plus the reader's own messages. Where Jackson 2.21+ differs from
 * the contract (Jackson 2.20's behaviour, see {@link ContractV1Reader}), the examples pin the
 * contract: escaped lone surrogates in names ({@link #aFieldNameMayHaveEscapedLoneSurrogates}), a
 * name's length with escaped pairs ({@link #aNamesLengthCountsAnEscapedPairAsFourBytes}) and a
 * literal run on into a non-ASCII character ({@link #rejected}). {@code %s} in a value is replaced
 * by a valid record's fields, so only the part under test varies.
 */
class ContractV1ReaderTest {
    private static final String FIELDS =
            "\"schema\":1,\"event_id\":\"e-1\",\"customer_id\":\"k\",\"seq\":41,"
                    + "\"channel\":\"chat\",\"priority\":\"high\",\"occurred_at\":\"2026-11-23T09:00:01.123Z\"";
    private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

    private static Outcome agree(String value) {
        return agree(value.replace("%s", FIELDS).getBytes(StandardCharsets.UTF_8));
    }

    private static Outcome agree(byte[] value) {
        return assertAgree(KEY, value);
    }

    private static Outcome mine(String value) {
        return ContractV1ReaderProperties.outcome(
                InteractionCodec::parse,
                new RawRecord(
                        KEY,
                        value.replace("%s", FIELDS).getBytes(StandardCharsets.UTF_8),
                        "interactions",
                        0,
                        0L,
                        0L));
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("raw DEL in a string", "{%s,`body`:`a\u007fb`}", "a\u007fb"),
                Arguments.of(
                        "escaped lone surrogates",
                        "{%s,`body`:`\\uD800-\\udc00`}",
                        "\uD800-\uDC00"),
                Arguments.of(
                        "escaped surrogate pair", "{%s,`body`:`\\uD83D\\uDE00`}", "\uD83D\uDE00"),
                Arguments.of(
                        "every short escape",
                        "{%s,`body`:`\\`\\\\\\/\\b\\f\\n\\r\\t`}",
                        "`\\/\b\f\n\r\t"),
                Arguments.of("escaped field name", "{%s,`b\\u006Fdy`:`x`}", "x"),
                Arguments.of(
                        "a name twice inside an unknown field's object",
                        "{%s,`x`:{`body`:1,`body`:2,`a`:[{`a`:1,`a`:1}]},`body`:`y`}",
                        "y"),
                Arguments.of(
                        "a contract name inside an unknown field's object",
                        "{%s,`x`:{`seq`:1,`event_id`:2},`body`:`y`}",
                        "y"),
                Arguments.of("unknown names differing in case", "{%s,`a`:1,`A`:1,`body`:`y`}", "y"),
                Arguments.of("whitespace everywhere", "\t\r\n{ %s ,`body` :\n`y` } \r\n\t", "y"),
                Arguments.of(
                        "nested unknown fields",
                        "{`x`:{`a`:[1,-0.5e-3,true,null,{}]},%s,`body`:`y`}",
                        "y"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void acceptedAsJacksonDid(String name, String value, String body) {
        Outcome o = agree(value.replace('`', '"'));
        assertThat(o.reason()).isNull();
        assertThat(o.in().body).isEqualTo(body.replace('`', '"'));
    }

    @Test
    void aUtf8ByteOrderMarkIsSkippedOnce() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] json = ("{" + FIELDS + ",\"body\":\"y\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(agree(ContractV1ReaderProperties.concat(bom, json)).reason()).isNull();
        assertThat(
                        agree(
                                        ContractV1ReaderProperties.concat(
                                                bom, ContractV1ReaderProperties.concat(bom, json)))
                                .reason())
                .isEqualTo(DeadLetterReason.BAD_JSON);
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("leading zero", "{%s,`body`:`y`,`n`:01}", DeadLetterReason.BAD_JSON),
                Arguments.of("NaN", "{%s,`body`:`y`,`n`:NaN}", DeadLetterReason.BAD_JSON),
                Arguments.of("plus sign", "{%s,`body`:`y`,`n`:+1}", DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "bare decimal point", "{%s,`body`:`y`,`n`:.5}", DeadLetterReason.BAD_JSON),
                Arguments.of("comment", "{%s,`body`:`y`/*c*/}", DeadLetterReason.BAD_JSON),
                Arguments.of("single quotes", "{%s,'body':'y'}", DeadLetterReason.BAD_JSON),
                Arguments.of("unquoted name", "{%s,body:`y`}", DeadLetterReason.BAD_JSON),
                Arguments.of("trailing comma", "{%s,`body`:`y`,}", DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "trailing comma in array",
                        "{%s,`body`:`y`,`a`:[1,]}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "raw tab in a string", "{%s,`body`:`a\tb`}", DeadLetterReason.BAD_JSON),
                Arguments.of("unknown escape", "{%s,`body`:`\\x`}", DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "short unicode escape", "{%s,`body`:`\\u12`}", DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "form feed as whitespace", "{%s,\f`body`:`y`}", DeadLetterReason.BAD_JSON),
                Arguments.of("a second object", "{%s,`body`:`y`} {}", DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "a literal run on", "{%s,`body`:`y`,`a`:nullx}", DeadLetterReason.BAD_JSON),
                Arguments.of("seq: true then junk", "{`seq`:true#", DeadLetterReason.WRONG_TYPE),
                Arguments.of("seq: true run on", "{`seq`:truex", DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "seq: true run on, DEL", "{`seq`:true\u007f", DeadLetterReason.BAD_JSON),
                Arguments.of("seq: true run on, é", "{`seq`:true\u00e9", DeadLetterReason.BAD_JSON),
                // the contract, not Jackson 2.22 (WRONG_TYPE or DUPLICATE_FIELD, see
                // JacksonContractOracle): a literal run on into any non-ASCII character is BAD_JSON
                Arguments.of(
                        "seq: true run on, U+1F600",
                        "{`seq`:true\uD83D\uDE00",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "customer_id: CR, true run on, U+1F600",
                        "{`schema`:1,`customer_id`:\rtrue\uD83D\uDE00",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "channel: false run on, U+10FFFF",
                        "{`channel`:false\uDBFF\uDFFF,%s}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "body: null run on, U+1F600",
                        "{%s,`body`:null\uD83D\uDE00}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "seq_epoch: true run on, U+00A0",
                        "{`schema`:1,`seq_epoch`:\rtrue\u00a0",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "event_id: false run on, U+2028",
                        "{`event_id`:false\u2028,%s}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "uri: true run on, U+3000",
                        "{%s,`uri`:true\u3000,`body`:`y`}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "body: true run on, U+20AC",
                        "{%s,`body`:true\u20ac}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "unknown field: true run on, U+1F600",
                        "{%s,`body`:`y`,`x`:true\uD83D\uDE00}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "a field twice, its second literal run on into U+1F600",
                        "{`seq`:1,`seq`:true\uD83D\uDE00}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "a literal run on into U+1F600 in an array",
                        "{%s,`body`:`y`,`a`:[true\uD83D\uDE00]}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of("seq: true then ':'", "{`seq`:true:", DeadLetterReason.WRONG_TYPE),
                Arguments.of("seq: true at the end", "{`seq`:true", DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "seq: string never read", "{`seq`:`\t\\x", DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "schema: string never read", "{`schema`:`", DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "body: broken string read", "{`body`:`\\x`,%s}", DeadLetterReason.BAD_JSON),
                Arguments.of("body: array, broken", "{`body`:[1,}", DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "body: array, then broken", "{`body`:[1],", DeadLetterReason.WRONG_TYPE),
                Arguments.of("seq 0, then broken", "{`seq`:0 x", DeadLetterReason.INVALID_VALUE),
                Arguments.of("seq -0", "{`seq`:-0,%s,`body`:`y`}", DeadLetterReason.INVALID_VALUE),
                Arguments.of(
                        "seq: long min",
                        "{`seq`:-9223372036854775808,%s,`body`:`y`}",
                        DeadLetterReason.INVALID_VALUE),
                Arguments.of(
                        "seq: beyond long",
                        "{`seq`:9223372036854775808,%s,`body`:`y`}",
                        DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "schema: beyond int", "{`schema`:2147483648}", DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "schema: int min",
                        "{`schema`:-2147483648}",
                        DeadLetterReason.UNSUPPORTED_SCHEMA),
                Arguments.of("schema -0", "{`schema`:-0}", DeadLetterReason.UNSUPPORTED_SCHEMA),
                Arguments.of("schema 1.0", "{`schema`:1.0}", DeadLetterReason.WRONG_TYPE),
                Arguments.of("schema 1e0", "{`schema`:1e0}", DeadLetterReason.WRONG_TYPE),
                Arguments.of("body null", "{%s,`body`:null}", DeadLetterReason.MISSING_FIELD),
                Arguments.of(
                        "seq_epoch 0, then broken",
                        "{`seq_epoch`:0 x",
                        DeadLetterReason.INVALID_VALUE),
                Arguments.of(
                        "seq_epoch: true then junk",
                        "{`seq_epoch`:true#",
                        DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "seq_epoch: beyond long",
                        "{%s,`seq_epoch`:9223372036854775808,`body`:`y`}",
                        DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "seq_epoch: long min",
                        "{%s,`seq_epoch`:-9223372036854775808,`body`:`y`}",
                        DeadLetterReason.INVALID_VALUE),
                Arguments.of(
                        "a field twice, the second never read",
                        "{`seq`:1,`seq`:`\\x",
                        DeadLetterReason.DUPLICATE_FIELD),
                Arguments.of(
                        "a field twice, then broken JSON",
                        "{`body`:`y`,`body`:2 x",
                        DeadLetterReason.DUPLICATE_FIELD),
                Arguments.of(
                        "a field twice, its second number broken",
                        "{`seq`:1,`seq`:01}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "a field twice, its second literal run on",
                        "{`seq`:1,`seq`:truex}",
                        DeadLetterReason.BAD_JSON),
                Arguments.of(
                        "a wrong type before its field is repeated",
                        "{`seq`:`1`,`seq`:1}",
                        DeadLetterReason.WRONG_TYPE),
                Arguments.of(
                        "null then a value",
                        "{%s,`body`:null,`body`:`y`}",
                        DeadLetterReason.DUPLICATE_FIELD),
                Arguments.of(
                        "a field twice, schema 2 second",
                        "{%s,`schema`:2,`body`:`y`}",
                        DeadLetterReason.DUPLICATE_FIELD),
                Arguments.of(
                        "an escaped name repeating a field",
                        "{%s,`s\\u0065q`:41,`body`:`y`}",
                        DeadLetterReason.DUPLICATE_FIELD),
                Arguments.of(
                        "an escaped name repeating an unknown field",
                        "{`\\u00e9`:1,%s,`\u00e9`:1,`body`:`y`}",
                        DeadLetterReason.DUPLICATE_FIELD));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejectedAsJacksonDid(String name, String value, DeadLetterReason reason) {
        assertThat(agree(value.replace('`', '"')).reason()).isEqualTo(reason);
    }

    static Stream<Arguments> duplicates() {
        return Stream.of(
                Arguments.of("two different seqs", "{%s,`seq`:42,`body`:`y`}", "seq"),
                Arguments.of(
                        "the same field twice with the same value",
                        "{%s,`body`:`y`,`body`:`y`}",
                        "body"),
                Arguments.of(
                        "seq_epoch twice",
                        "{`seq_epoch`:1,%s,`seq_epoch`:1,`body`:`y`}",
                        "seq_epoch"),
                Arguments.of(
                        "an unknown field twice", "{`trace`:1,%s,`body`:`y`,`trace`:1}", "trace"),
                Arguments.of(
                        "an unknown field twice, with other values",
                        "{`trace`:{`a`:1},%s,`body`:`y`,`trace`:[2]}",
                        "trace"),
                Arguments.of("the empty name twice", "{``:1,%s,``:2,`body`:`y`}", ""),
                Arguments.of(
                        "the first name to come again is named",
                        "{`b`:1,`a`:1,%s,`a`:1,`b`:1,`body`:`y`}",
                        "a"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("duplicates")
    void aFieldGivenTwiceIsADeadLetterNamingIt(String name, String value, String field) {
        Outcome o = agree(value.replace('`', '"'));
        assertThat(o.reason()).isEqualTo(DeadLetterReason.DUPLICATE_FIELD);
        assertThat(o.message()).isEqualTo("field '" + field + "' given twice");
        assertThat(DeadLetterReason.DUPLICATE_FIELD.wireName()).isEqualTo("duplicate_field");
    }

    @Test
    void seqEpochIsReadLikeSeq() {
        String base = "{" + FIELDS + ",\"body\":\"y\"}";
        Outcome absent = agree(base);
        assertThat(absent.in().seqEpoch).isEqualTo(Interaction.NO_EPOCH);
        assertThat(absent.in().hasSeqEpoch()).isFalse();
        Outcome three = agree(base.replace("\"seq\":41,", "\"seq\":41,\"seq_epoch\":3,"));
        assertThat(three.in().seqEpoch).isEqualTo(3L);
        assertThat(three.in().hasSeqEpoch()).isTrue();
        assertThat(three.in().seq).isEqualTo(41L);
        assertThat(agree(base.replace("{", "{\"seq_epoch\":null,")).in().seqEpoch)
                .isEqualTo(Interaction.NO_EPOCH);
        assertThat(agree(base.replace("{", "{\"seq_epoch\":9223372036854775807,")).in().seqEpoch)
                .isEqualTo(Long.MAX_VALUE);
        for (String[] bad :
                new String[][] {
                    {"0", "invalid_value", "seq_epoch 0 is below 1"},
                    {"-0", "invalid_value", "seq_epoch 0 is below 1"},
                    {"-7", "invalid_value", "seq_epoch -7 is below 1"},
                    {"\"3\"", "wrong_type", "field 'seq_epoch' must be an integer, was a string"},
                    {
                        "3.0",
                        "wrong_type",
                        "field 'seq_epoch' must be an integer, was a decimal number"
                    },
                    {"true", "wrong_type", "field 'seq_epoch' must be an integer, was a boolean"},
                    {"[3]", "wrong_type", "field 'seq_epoch' must be an integer, was an array"},
                }) {
            Outcome o = agree(base.replace("{", "{\"seq_epoch\":" + bad[0] + ","));
            assertThat(o.reason().wireName()).as(bad[0]).isEqualTo(bad[1]);
            assertThat(o.message()).as(bad[0]).isEqualTo(bad[2]);
        }
    }

    @Test
    void invalidUtf8AnywhereWinsAndNamesItsFirstByte() {
        byte[] v = "{\"seq\":\"x\",\"a\":\"\u00e9\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        v[v.length - 4] = (byte) 0xFF; // after a wrong type and a string the reader never reads
        Outcome o = agree(v);
        assertThat(o.reason()).isEqualTo(DeadLetterReason.INVALID_UTF8);
        assertThat(o.message()).isEqualTo("invalid UTF-8 at byte " + (v.length - 4));
    }

    @Test
    void jacksonsLimitsStay() {
        String deep999 = "[".repeat(999) + "]".repeat(999);
        assertThat(agree("{%s,\"body\":\"y\",\"a\":" + deep999 + "}").reason()).isNull();
        assertThat(agree("{%s,\"body\":\"y\",\"a\":[" + deep999 + "]}").reason())
                .isEqualTo(DeadLetterReason.BAD_JSON);
        assertThat(agree("{%s,\"body\":\"y\",\"a\":" + "1".repeat(1000) + "}").reason()).isNull();
        assertThat(agree("{%s,\"body\":\"y\",\"a\":" + "1".repeat(1001) + "}").reason())
                .isEqualTo(DeadLetterReason.BAD_JSON);
        assertThat(
                        agree(
                                        "{%s,\"body\":\"y\",\"a\":-"
                                                + "1".repeat(500)
                                                + "."
                                                + "1".repeat(499)
                                                + "e1}")
                                .reason())
                .isNull();
        assertThat(
                        agree(
                                        "{%s,\"body\":\"y\",\"a\":"
                                                + "1".repeat(500)
                                                + "."
                                                + "1".repeat(500)
                                                + "e1}")
                                .reason())
                .isEqualTo(DeadLetterReason.BAD_JSON);
        // names: 50,000 bytes of UTF-8, an escaped char counted as its own UTF-8, an escaped
        // surrogate pair as its code point's 4 bytes, a lone escaped surrogate as 3
        for (String unit :
                new String[] {
                    "n",
                    "\u00e9",
                    "\u20ac",
                    "\uD83D\uDE00",
                    "\\u0041",
                    "\\uD83D\\uDE00",
                    "\\uD800",
                    "\\uD83D\\uD83D\\uDE00"
                }) {
            for (int extra = -1; extra <= 1; extra++) {
                int units = 50_000 / utf8Length(unit) + extra;
                agree("{%s,\"body\":\"y\",\"" + unit.repeat(units) + "\":1}");
                agree("{%s,\"body\":\"y\",\"x\":[{\"" + unit.repeat(units) + "\":1}]}");
            }
        }
    }

    private static int utf8Length(String unit) {
        switch (unit) {
            case "\\u0041":
                return 1;
            case "\\uD83D\\uDE00":
                return 4;
            case "\\uD800":
                return 3;
            case "\\uD83D\\uD83D\\uDE00":
                return 7;
            default:
                return unit.getBytes(StandardCharsets.UTF_8).length;
        }
    }

    /**
     * The contract, where Jackson 2.21+ changed: a field name's 50,000 bytes count an escaped
     * surrogate pair as the 4 bytes of its code point (2.21+; 2.20 counted 6, so this accepts more)
     * and a lone escaped surrogate as 3 (as 2.20 did; 2.21+ rejects it in a name).
     */
    @Test
    void aNamesLengthCountsAnEscapedPairAsFourBytes() {
        String pair = "\\uD83D\\uDE00";
        String[][] names = {
            {pair.repeat(12_500), null},
            {pair.repeat(12_500) + "n", "BAD_JSON"},
            {pair.repeat(12_499) + "nnnn", null},
            {"\\uD800".repeat(16_666) + "nn", null},
            {"\\uD800".repeat(16_666) + "nnn", "BAD_JSON"},
            {"\\uDC00" + pair.repeat(12_499) + "n", null},
            {"\\uDC00" + pair.repeat(12_499) + "nn", "BAD_JSON"}
        };
        for (String[] name : names) {
            for (String value :
                    new String[] {
                        "{%s,\"body\":\"y\",\"" + name[0] + "\":1}",
                        "{%s,\"body\":\"y\",\"x\":[{\"" + name[0] + "\":1}]}"
                    }) {
                DeadLetterReason reason = agree(value).reason();
                assertThat(reason == null ? null : reason.name())
                        .as(name[0].length() + " chars")
                        .isEqualTo(name[1]);
                assertThat(mine(value).reason()).isEqualTo(reason);
            }
        }
    }

    static Stream<Arguments> surrogateNames() {
        return Stream.of(
                Arguments.of("a lone high surrogate", "\\uD800", "\uD800"),
                Arguments.of("a lone low surrogate", "\\udc00", "\uDC00"),
                Arguments.of("a high surrogate then ASCII", "\\uD83Dx", "\uD83Dx"),
                Arguments.of("a high surrogate then an escape", "\\uD83D\\n", "\uD83D\n"),
                Arguments.of("a high surrogate then an escaped char", "\\uD83D\\u0041", "\uD83DA"),
                Arguments.of("a high surrogate at the end", "ab\\uD83D", "ab\uD83D"),
                Arguments.of(
                        "a high surrogate then a pair",
                        "\\uD83D\\uD83D\\uDE00",
                        "\uD83D\uD83D\uDE00"),
                Arguments.of("low then high", "\\uDE00\\uD83D", "\uDE00\uD83D"),
                Arguments.of(
                        "a high surrogate then a raw U+1F600",
                        "\\uD83D\uD83D\uDE00",
                        "\uD83D\uD83D\uDE00"),
                Arguments.of("a pair (valid)", "\\uD83D\\uDE00", "\uD83D\uDE00"));
    }

    /**
     * The contract, where Jackson 2.21+ changed: an escaped lone surrogate or broken pair in a
     * field name is accepted, as Jackson 2.20 (and the contract) did and as it is in a string
     * value; 2.21+ rejects the record ("Unexpected low surrogate in field name", "Broken surrogate
     * pair in field name"). The name is its decoded text, for duplicates too.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("surrogateNames")
    void aFieldNameMayHaveEscapedLoneSurrogates(String name, String escaped, String decoded) {
        for (String value :
                new String[] {
                    "{%s,\"body\":\"y\",\"" + escaped + "\":1}",
                    "{\"" + escaped + "\" :\"x\",%s,\"body\":\"y\"}",
                    "{%s,\"body\":\"y\",\"x\":{\"a\":[{\"" + escaped + "\":null}]}}",
                    "{%s,\"body\":\"" + escaped + "\"}"
                }) {
            assertThat(agree(value).reason()).as(value).isNull();
            assertThat(mine(value).reason()).as(value).isNull();
        }
        Outcome twice = agree("{\"" + escaped + "\":1,%s,\"" + escaped + "\":2,\"body\":\"y\"}");
        assertThat(twice.reason()).isEqualTo(DeadLetterReason.DUPLICATE_FIELD);
        assertThat(twice.message()).isEqualTo("field '" + decoded + "' given twice");
        Outcome other = agree("{\"" + escaped + "\":1,%s,\"" + escaped + "x\":2,\"body\":\"y\"}");
        assertThat(other.reason()).isNull();
        // private-use characters in other names (the oracle's stand-ins avoid them)
        for (String pua : new String[] {"\uE000", "\\uE000", "\uE000\\ue001"}) {
            assertThat(
                            agree("{\"" + escaped + "\":1,%s,\"" + pua + "\":2,\"body\":\"y\"}")
                                    .reason())
                    .as(pua)
                    .isNull();
        }
    }

    @Test
    void aStringReadIsAtMost20MillionChars() {
        int max = 20_000_000;
        for (String body :
                new String[] {
                    "x".repeat(max),
                    "x".repeat(max + 1),
                    "x".repeat(max - 1) + "\\n",
                    "x".repeat(max) + "\\n",
                    "\uD83D\uDE00".repeat(max / 2),
                    "\uD83D\uDE00".repeat(max / 2) + "x"
                }) {
            byte[] value =
                    ("{" + FIELDS + ",\"body\":\"" + body + "\"}").getBytes(StandardCharsets.UTF_8);
            RawRecord raw = new RawRecord(KEY, value, "interactions", 0, 0L, 0L);
            Outcome expected =
                    ContractV1ReaderProperties.outcome(
                            (r, m) -> JacksonContractOracle.parse(r, Integer.MAX_VALUE), raw);
            Outcome actual =
                    ContractV1ReaderProperties.outcome(
                            (r, m) -> InteractionCodec.parse(r, Integer.MAX_VALUE), raw);
            assertThat(actual.reason()).isEqualTo(expected.reason());
            if (expected.reason() == null) {
                assertThat(actual.in().body).isEqualTo(expected.in().body);
            }
        }
    }

    @Test
    void keysAreComparedAsDecodedText() {
        byte[] value =
                ("{" + FIELDS.replace("\"k\"", "\"\uFFFD\u00e9\"") + ",\"body\":\"y\"}")
                        .getBytes(StandardCharsets.UTF_8);
        for (byte[] key :
                new byte[][] {
                    {(byte) 0xFF, (byte) 0xC3, (byte) 0xA9},
                    "\uFFFD\u00e9".getBytes(StandardCharsets.UTF_8),
                    {(byte) 0xC3, (byte) 0xA9},
                    {'k'},
                    {}
                }) {
            assertAgree(key, value);
        }
    }

    /**
     * The one difference, on purpose: Jackson read a value with a NUL in its first two bytes as
     * UTF-16/32.
     */
    @Test
    void utf16IsBadJsonNow() {
        byte[] utf16 = ("{" + FIELDS + ",\"body\":\"y\"}").getBytes(StandardCharsets.UTF_16LE);
        RawRecord raw = new RawRecord(KEY, utf16, "interactions", 0, 0L, 0L);
        assertThat(ContractV1ReaderProperties.outcome(JacksonContractOracle::parse, raw).in().body)
                .isEqualTo("y");
        Outcome o = ContractV1ReaderProperties.outcome(InteractionCodec::parse, raw);
        assertThat(o.reason()).isEqualTo(DeadLetterReason.BAD_JSON);
        assertThat(o.message())
                .isEqualTo(
                        "expected '\"' to open a field name at byte 1, found byte 0x00 "
                                + "(contract v1 is UTF-8; UTF-16 and UTF-32 are not read)");
    }

    static Stream<Arguments> badJson() {
        return Stream.of(
                Arguments.of(
                        "not an object",
                        "[1]",
                        "expected '{': the value is not a JSON object at byte 0, found '['"),
                Arguments.of(
                        "ends early",
                        "{`a`:1",
                        "expected ',' or '}' after a field value at byte 6, found the end of the value"),
                Arguments.of(
                        "no colon",
                        "{`a` 1}",
                        "expected ':' after the field name at byte 5, found '1'"),
                Arguments.of(
                        "trailing",
                        "{} x",
                        "expected the end of the value after the JSON object at byte 3, found 'x'"),
                Arguments.of(
                        "trailing comma",
                        "{`a`:1,}",
                        "expected '`' to open a field name at byte 7, found '}'"),
                Arguments.of(
                        "open string",
                        "{`body`:`abc",
                        "the value ends inside the string that starts at byte 8"),
                Arguments.of(
                        "control char",
                        "{`body`:`a\u0001`}",
                        "unescaped control character 0x01 in a string at byte 10"),
                Arguments.of(
                        "bad escape",
                        "{`body`:`\\q`}",
                        "unknown escape in a string, a backslash followed by 'q', at byte 9"),
                Arguments.of(
                        "bad hex",
                        "{`body`:`\\u12x4`}",
                        "expected a hex digit in the \\u escape at byte 13, found 'x'"),
                Arguments.of(
                        "escape at the end",
                        "{`body`:`\\",
                        "expected an escaped character after '\\' at byte 10, found the end of the value"),
                Arguments.of(
                        "leading zero",
                        "{`a`:-012}",
                        "leading zeros are not allowed in a number at byte 5"),
                Arguments.of(
                        "no fraction",
                        "{`a`:1.}",
                        "expected a digit after the decimal point at byte 7, found '}'"),
                Arguments.of(
                        "no exponent",
                        "{`a`:1e+}",
                        "expected a digit in the exponent at byte 8, found '}'"),
                Arguments.of(
                        "lone minus", "{`a`:-}", "expected a digit after '-' at byte 6, found '}'"),
                Arguments.of(
                        "bad literal",
                        "{`a`:nul}",
                        "unrecognized token: expected 'null' at byte 5"),
                Arguments.of(
                        "run-on literal",
                        "{`a`:falsely}",
                        "unrecognized token: expected 'false' followed by a delimiter at byte 5"),
                Arguments.of(
                        "literal run on into U+1F600",
                        "{`seq`:\rtrue\uD83D\uDE00}",
                        "unrecognized token: expected 'true' followed by a delimiter at byte 8"),
                Arguments.of(
                        "no value",
                        "{`a`:}",
                        "expected a value (string, number, object, array, true, false or null) at byte 5, found '}'"),
                Arguments.of(
                        "array",
                        "{`a`:[1 2]}",
                        "expected ',' or ']' after an array element at byte 8, found '2'"),
                Arguments.of(
                        "non-ASCII outside a string",
                        "{\u00e9}",
                        "expected '`' to open a field name at byte 1, found byte 0xC3"),
                Arguments.of(
                        "too deep",
                        "{`a`:" + "[".repeat(1000),
                        "nesting deeper than 1000 levels at byte 1004"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badJson")
    void badJsonSaysWhatWasExpectedWhere(String name, String value, String message) {
        Outcome o = mine(value.replace('`', '"'));
        assertThat(o.reason()).isEqualTo(DeadLetterReason.BAD_JSON);
        assertThat(o.message()).isEqualTo(message.replace('`', '"'));
        agree(value.replace('`', '"'));
    }
}
