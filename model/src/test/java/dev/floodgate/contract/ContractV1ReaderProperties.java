package dev.floodgate.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.JsonText.Member;
import dev.floodgate.contract.JsonText.Num;
import dev.floodgate.contract.JsonText.Obj;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.RawRecord;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/**
 * {@link InteractionCodec#parse} (with {@link ContractV1Reader}) against the Jackson parse it
 * replaced ({@link JacksonContractOracle}): for valid records, mutations of them and arbitrary
 * bytes, both give the same {@link Interaction} (every field), or the same {@link DeadLetterReason}
 * with, for every reason but {@code bad_json}, the same message. The one difference: a value
 * Jackson would have read as UTF-16 or UTF-32 (a NUL in its first two bytes) is {@code bad_json}
 * now. A field name given twice is {@code duplicate_field} for both (the oracle checks it too).
 * Where Jackson 2.21+ left the contract (Jackson 2.20's behaviour), the oracle states the contract
 * for exactly those cases (see {@link JacksonContractOracle}).
 */
class ContractV1ReaderProperties {
    private static final int MAX = 1 << 20;
    private static final Set<String> KNOWN =
            Set.of(
                    "schema",
                    "event_id",
                    "customer_id",
                    "seq",
                    "seq_epoch",
                    "channel",
                    "priority",
                    "occurred_at",
                    "body",
                    "uri");
    private static final Object ABSENT = new Object();

    /**
     * A generated record: its members in order (each name once; {@link #withAFieldTwice} repeats
     * one), its key, and how to spell it.
     */
    record Rec(List<Member> members, String customerId, boolean bom, long seed) {
        byte[] value(boolean plain) {
            byte[] json =
                    new JsonText(seed, plain)
                            .value(new Obj(members))
                            .text()
                            .getBytes(StandardCharsets.UTF_8);
            return bom ? concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, json) : json;
        }

        byte[] key() {
            return customerId.getBytes(StandardCharsets.UTF_8);
        }
    }

    @Property(tries = 3000)
    void validRecordsReadTheSame(@ForAll("records") Rec r) {
        for (boolean plain : new boolean[] {true, false}) {
            Outcome expected = assertAgree(r.key(), r.value(plain));
            assertThat(expected.reason()).as("the generator makes valid records").isNull();
        }
    }

    /**
     * A valid record with one of its fields (known or unknown) given again, before or after, with
     * the same value or another of the right type: {@code duplicate_field}, naming the first name
     * to come a second time.
     */
    @Property(tries = 3000)
    void aFieldGivenTwiceReadsTheSame(@ForAll("records") Rec r, @ForAll long seed) {
        Rec twice = withAFieldTwice(r, new Random(seed));
        Set<String> names = new java.util.HashSet<>();
        String repeated =
                twice.members().stream()
                        .map(Member::name)
                        .filter(n -> !names.add(n))
                        .findFirst()
                        .orElseThrow();
        for (boolean plain : new boolean[] {true, false}) {
            Outcome expected = assertAgree(twice.key(), twice.value(plain));
            assertThat(expected.reason()).isEqualTo(DeadLetterReason.DUPLICATE_FIELD);
            assertThat(expected.message()).isEqualTo("field '" + repeated + "' given twice");
        }
    }

    @Property(tries = 300)
    void everyTruncationOfAValidRecordReadsTheSame(@ForAll("records") Rec r) {
        byte[] value = r.value(false);
        for (int len = 0; len < value.length; len++) {
            assertAgree(r.key(), Arrays.copyOf(value, len));
        }
    }

    @Property(tries = 5000)
    void validRecordsWithBytesChangedReadTheSame(
            @ForAll("records") Rec r,
            @ForAll @Size(min = 1, max = 3) List<@From("byteEdits") ByteEdit> edits) {
        byte[] value = r.value(false);
        for (ByteEdit e : edits) {
            value = e.apply(value);
        }
        assertAgree(r.key(), value);
    }

    @Property(tries = 5000)
    void validRecordsWithFieldsChangedReadTheSame(
            @ForAll("records") Rec r,
            @ForAll @Size(min = 1, max = 3) List<@From("fieldEdits") FieldEdit> edits,
            @ForAll boolean otherKey) {
        List<Member> members = new ArrayList<>(r.members());
        for (FieldEdit e : edits) {
            e.apply(members);
        }
        Rec changed = new Rec(members, r.customerId(), r.bom(), r.seed());
        byte[] key = otherKey ? (r.customerId() + "x").getBytes(StandardCharsets.UTF_8) : r.key();
        assertAgree(key, changed.value(false));
    }

    /**
     * The order of checks: a field's type (or seq below 1) is judged before JSON that breaks after
     * it.
     */
    @Property(tries = 5000)
    void aContractFieldFollowedByBrokenJsonReadsTheSame(
            @ForAll("knownNames") String field,
            @ForAll("edgeValues") Object v,
            @ForAll("fragments") byte[] after,
            @ForAll long seed) {
        String head =
                "{\"schema\":1,\"" + field + "\":" + new JsonText(seed, false).value(v).text();
        assertAgree(
                "k".getBytes(StandardCharsets.UTF_8),
                concat(head.getBytes(StandardCharsets.UTF_8), after));
    }

    /**
     * Jackson never read a string of the wrong type, so a broken one there is wrong_type, not
     * bad_json.
     */
    @Property(tries = 3000)
    void aContractFieldWithABrokenStringReadsTheSame(
            @ForAll("knownNames") String field, @ForAll("fragments") byte[] rest) {
        byte[] head = ("{\"schema\":1,\"" + field + "\":\"").getBytes(StandardCharsets.UTF_8);
        assertAgree("k".getBytes(StandardCharsets.UTF_8), concat(head, rest));
    }

    @Property(tries = 10_000)
    void arbitraryBytesReadTheSame(@ForAll @Size(max = 48) byte[] value) {
        assertAgree("k".getBytes(StandardCharsets.UTF_8), value);
    }

    @Property(tries = 10_000)
    void arbitraryJsonLikeBytesReadTheSame(
            @ForAll("fragments") byte[] value, @ForAll boolean contractPrefix) {
        byte[] prefix =
                "{\"schema\":1,\"event_id\":\"e\",\"customer_id\":\"k\","
                        .getBytes(StandardCharsets.UTF_8);
        assertAgree(
                "k".getBytes(StandardCharsets.UTF_8),
                contractPrefix ? concat(prefix, value) : value);
    }

    @Property(tries = 10_000)
    void utf8CheckAgreesWithTheJdkDecoder(
            @ForAll("utf8Pieces") byte[] fragments, @ForAll @Size(max = 16) byte[] any) {
        for (byte[] b : new byte[][] {fragments, any, concat(fragments, any)}) {
            assertThat(Utf8.firstInvalidByte(b)).isEqualTo(jdkFirstInvalidByte(b));
        }
    }

    // ---- agreement

    record Outcome(Interaction in, DeadLetterReason reason, String message) {}

    interface Parse {
        Interaction parse(RawRecord raw, int maxRecordBytes) throws InvalidRecordException;
    }

    static Outcome outcome(Parse parse, RawRecord raw) {
        try {
            return new Outcome(parse.parse(raw, MAX), null, null);
        } catch (InvalidRecordException e) {
            return new Outcome(null, e.reason(), e.getMessage());
        }
    }

    /** Asserts that both parses agree on this record; returns the oracle's outcome. */
    static Outcome assertAgree(byte[] key, byte[] value) {
        RawRecord raw = new RawRecord(key, value, "interactions", 3, 90412L, 1_700_000_000_000L);
        Outcome expected = outcome(JacksonContractOracle::parse, raw);
        Outcome actual = outcome(InteractionCodec::parse, raw);
        java.util.function.Supplier<String> what =
                () ->
                        "value "
                                + printable(value)
                                + ", Jackson: "
                                + expected
                                + ", reader: "
                                + actual;
        DeadLetterReason r = expected.reason();
        boolean beforeJson =
                r == DeadLetterReason.EMPTY_VALUE
                        || r == DeadLetterReason.OVERSIZED
                        || r == DeadLetterReason.INVALID_UTF8;
        if (jacksonReadsUtf16Or32(value) && !beforeJson) {
            assertThat(actual.reason()).as(what).isEqualTo(DeadLetterReason.BAD_JSON);
            return expected;
        }
        assertThat(actual.reason()).as(what).isEqualTo(expected.reason());
        if (expected.reason() == null) {
            assertThat(actual.in()).as(what).usingRecursiveComparison().isEqualTo(expected.in());
        } else if (expected.reason() == DeadLetterReason.BAD_JSON) {
            assertThat(actual.message()).as(what).contains(" at byte ");
        } else {
            assertThat(actual.message()).as(what).isEqualTo(expected.message());
        }
        return expected;
    }

    /** Jackson's encoding detection: a NUL in the first two bytes means UTF-16 or UTF-32 to it. */
    static boolean jacksonReadsUtf16Or32(byte[] value) {
        return value != null && value.length >= 2 && (value[0] == 0 || value[1] == 0);
    }

    static String printable(byte[] value) {
        if (value == null) {
            return "null";
        }
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < Math.min(value.length, 400); i++) {
            int c = value[i] & 0xFF;
            s.append(
                    c >= 0x20 && c < 0x7F && c != '\\'
                            ? String.valueOf((char) c)
                            : String.format("\\x%02X", c));
        }
        return s.append(value.length > 400 ? "\"..." : "\"").toString();
    }

    static int jdkFirstInvalidByte(byte[] b) {
        CharsetDecoder d =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        CoderResult r = d.decode(in, CharBuffer.allocate(b.length * 2 + 2), true);
        return r.isError() ? in.position() : -1;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    // ---- valid records

    /** A seq and a seq_epoch, each a {@link Num}, null or {@link #ABSENT}. */
    record Seqs(Object seq, Object epoch) {}

    @Provide
    Arbitrary<Rec> records() {
        Arbitrary<List<Member>> contract =
                Combinators.combine(
                                texts().filter(s -> !s.isEmpty()),
                                customerIds(),
                                Combinators.combine(seqs(), seqs()).as(Seqs::new),
                                Arbitraries.of(Channel.class),
                                Arbitraries.of(Priority.class),
                                instants(),
                                texts().filter(s -> !s.isEmpty()),
                                Arbitraries.of(false, false, false, true))
                        .as(
                                (eventId,
                                        customerId,
                                        seq,
                                        channel,
                                        priority,
                                        at,
                                        payload,
                                        both) -> {
                                    List<Member> m = new ArrayList<>();
                                    m.add(new Member("schema", new Num("1")));
                                    m.add(new Member("event_id", eventId));
                                    m.add(new Member("customer_id", customerId));
                                    if (seq.seq() != ABSENT) {
                                        m.add(new Member("seq", seq.seq()));
                                    }
                                    if (seq.epoch() != ABSENT) {
                                        m.add(new Member("seq_epoch", seq.epoch()));
                                    }
                                    m.add(new Member("channel", channel.wireName()));
                                    m.add(new Member("priority", priority.wireName()));
                                    m.add(new Member("occurred_at", at));
                                    m.add(
                                            new Member(
                                                    channel == Channel.CHAT ? "body" : "uri",
                                                    payload));
                                    if (both) {
                                        m.add(
                                                new Member(
                                                        channel == Channel.CHAT ? "uri" : "body",
                                                        payload));
                                    }
                                    return m;
                                });
        Arbitrary<List<Member>> unknown =
                Combinators.combine(texts().filter(s -> !KNOWN.contains(s)), values(3))
                        .as(Member::new)
                        .list()
                        .ofMaxSize(3)
                        .uniqueElements(Member::name);
        return Combinators.combine(
                        contract,
                        unknown,
                        Arbitraries.longs(),
                        Arbitraries.integers().between(0, 19))
                .as(
                        (known, extra, seed, bom) -> {
                            Random random = new Random(seed);
                            List<Member> members = new ArrayList<>(known);
                            members.addAll(extra);
                            java.util.Collections.shuffle(members, random);
                            return new Rec(
                                    members, (String) find(known, "customer_id"), bom == 0, seed);
                        });
    }

    /**
     * {@code r} with one of its members given again at a random place, with the same value or
     * another one of a type its field takes (so that the first is not a dead letter for its type).
     */
    static Rec withAFieldTwice(Rec r, Random random) {
        List<Member> members = new ArrayList<>(r.members());
        Member m = members.get(random.nextInt(members.size()));
        String name = m.name();
        Object value =
                random.nextBoolean()
                        ? m.value()
                        : random.nextBoolean()
                                ? null
                                : name.equals("schema")
                                        ? new Num("2")
                                        : name.equals("seq") || name.equals("seq_epoch")
                                                ? new Num("7")
                                                : "decoy";
        members.add(random.nextInt(members.size() + 1), new Member(name, value));
        return new Rec(members, r.customerId(), r.bom(), r.seed());
    }

    private static Object find(List<Member> members, String name) {
        return members.stream()
                .filter(m -> m.name().equals(name))
                .findFirst()
                .orElseThrow()
                .value();
    }

    /** Any text: lone surrogates, controls, quotes, backslashes, DEL, non-BMP characters. */
    static Arbitrary<String> texts() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40),
                codePoints().list().ofMaxSize(12).map(ContractV1ReaderProperties::text));
    }

    /** Keys are UTF-8, so a customer id that must match its key has no lone surrogates. */
    static Arbitrary<String> customerIds() {
        return Arbitraries.oneOf(
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(8),
                codePoints()
                        .list()
                        .ofMinSize(1)
                        .ofMaxSize(8)
                        .map(ContractV1ReaderProperties::text));
    }

    static Arbitrary<Integer> codePoints() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(0x20, 0x7F)),
                Tuple.of(1, Arbitraries.integers().between(0, 0x1F)),
                Tuple.of(2, Arbitraries.integers().between(0x80, 0xD7FF)),
                Tuple.of(1, Arbitraries.integers().between(0xE000, 0x10FFFF)),
                Tuple.of(
                        1,
                        Arbitraries.of(
                                (int) '"',
                                (int) '\\',
                                (int) '/',
                                0xFEFF,
                                0xFFFD,
                                0x2028,
                                0x10FFFF)));
    }

    static String text(List<Integer> codePoints) {
        StringBuilder s = new StringBuilder();
        codePoints.forEach(s::appendCodePoint);
        return s.toString();
    }

    static Arbitrary<Object> seqs() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(ABSENT)),
                Tuple.of(1, Arbitraries.just(null)),
                Tuple.of(
                        5,
                        Arbitraries.longs()
                                .between(1, Long.MAX_VALUE)
                                .map(l -> new Num(Long.toString(l)))));
    }

    static Arbitrary<String> instants() {
        return Combinators.combine(
                        Arbitraries.longs().between(-62_167_219_200L, 253_402_300_799L),
                        Arbitraries.of(0, 0, 123_000_000, 5_000_000, 120_000, 999_999_999))
                .as(
                        (s, n) -> {
                            return Instant.ofEpochSecond(s, n).toString();
                        });
    }

    // ---- JSON values

    static Arbitrary<Object> values(int depth) {
        Arbitrary<Object> scalar =
                Arbitraries.frequencyOf(
                        Tuple.of(1, Arbitraries.just(null)),
                        Tuple.of(1, Arbitraries.of(true, false)),
                        Tuple.of(3, numbers()),
                        Tuple.of(3, texts()));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<Object> list = values(depth - 1).list().ofMaxSize(3).map(l -> l);
        Arbitrary<Object> object =
                Combinators.combine(texts(), values(depth - 1))
                        .as(Member::new)
                        .list()
                        .ofMaxSize(3)
                        .map(Obj::new);
        return Arbitraries.frequencyOf(Tuple.of(5, scalar), Tuple.of(1, list), Tuple.of(1, object));
    }

    static Arbitrary<Object> numbers() {
        Arbitrary<String> intPart =
                Arbitraries.oneOf(
                        Arbitraries.just("0"),
                        Arbitraries.integers().between(1, Integer.MAX_VALUE).map(String::valueOf),
                        Arbitraries.strings()
                                .numeric()
                                .ofMinLength(1)
                                .ofMaxLength(25)
                                .filter(s -> s.charAt(0) != '0'));
        Arbitrary<String> frac =
                Arbitraries.oneOf(
                        Arbitraries.just(""),
                        Arbitraries.strings()
                                .numeric()
                                .ofMinLength(1)
                                .ofMaxLength(6)
                                .map(d -> "." + d));
        Arbitrary<String> exp =
                Arbitraries.oneOf(
                        Arbitraries.just(""),
                        Combinators.combine(
                                        Arbitraries.of("e", "E"),
                                        Arbitraries.of("", "+", "-"),
                                        Arbitraries.strings()
                                                .numeric()
                                                .ofMinLength(1)
                                                .ofMaxLength(3))
                                .as((e, sign, d) -> e + sign + d));
        return Arbitraries.oneOf(
                Arbitraries.longs().map(l -> new Num(Long.toString(l))),
                Arbitraries.bigIntegers()
                        .between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(b -> new Num(b.toString())),
                Combinators.combine(Arbitraries.of("", "-"), intPart, frac, exp)
                        .as((s, i, f, e) -> new Num(s + i + f + e)),
                Arbitraries.of(
                                "0",
                                "-0",
                                "2147483647",
                                "2147483648",
                                "-2147483648",
                                "-2147483649",
                                "9223372036854775807",
                                "9223372036854775808",
                                "-9223372036854775808",
                                "-9223372036854775809",
                                "1",
                                "-1",
                                "1.0",
                                "1e0",
                                "0.0",
                                "-0.0")
                        .map(Num::new));
    }

    // ---- mutations

    /** A change of bytes at a position (taken modulo the length). */
    record ByteEdit(int kind, int at, byte[] bytes) {
        byte[] apply(byte[] v) {
            int i = v.length == 0 ? 0 : Math.floorMod(at, v.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(v, 0, i);
            switch (kind) {
                case 0: // replace one byte
                    out.write(bytes, 0, Math.min(1, bytes.length));
                    out.write(v, Math.min(i + 1, v.length), Math.max(0, v.length - i - 1));
                    break;
                case 1: // delete one byte
                    out.write(v, Math.min(i + 1, v.length), Math.max(0, v.length - i - 1));
                    break;
                default: // insert
                    out.writeBytes(bytes);
                    out.write(v, i, v.length - i);
            }
            return out.toByteArray();
        }
    }

    @Provide
    Arbitrary<ByteEdit> byteEdits() {
        Arbitrary<byte[]> bytes =
                Arbitraries.frequencyOf(
                        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofSize(1)),
                        Tuple.of(
                                3,
                                Arbitraries.bytes()
                                        .between((byte) 0, (byte) 0x7F)
                                        .array(byte[].class)
                                        .ofSize(1)),
                        Tuple.of(3, Arbitraries.of(FRAGMENTS)));
        return Combinators.combine(
                        Arbitraries.integers().between(0, 2), Arbitraries.integers(), bytes)
                .as(ByteEdit::new);
    }

    /**
     * A change of one member (index modulo the count): a new value, removal, or a duplicate after
     * it.
     */
    record FieldEdit(int kind, int at, Object value) {
        void apply(List<Member> members) {
            if (members.isEmpty()) {
                return;
            }
            int i = Math.floorMod(at, members.size());
            String name = members.get(i).name();
            switch (kind) {
                case 0:
                    members.set(i, new Member(name, value));
                    break;
                case 1:
                    members.remove(i);
                    break;
                default:
                    members.add(i + 1, new Member(name, value));
            }
        }
    }

    @Provide
    Arbitrary<FieldEdit> fieldEdits() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 2), Arbitraries.integers(), edge())
                .as(FieldEdit::new);
    }

    @Provide
    Arbitrary<String> knownNames() {
        return Arbitraries.of(KNOWN);
    }

    @Provide
    Arbitrary<Object> edgeValues() {
        return edge();
    }

    /** Values that break a contract field's type or rules, and a few that do not. */
    static Arbitrary<Object> edge() {
        return Arbitraries.oneOf(
                values(2),
                Arbitraries.of(
                        "",
                        "fax",
                        "urgent",
                        "yesterday",
                        "chat",
                        "voice",
                        "image",
                        "high",
                        "low",
                        "normal",
                        "CHAT",
                        "2026-02-30T00:00:00Z",
                        "2026-11-23T09:00:01.123z",
                        "+10000-01-01T00:00:00Z",
                        "-1000000000-01-01T00:00:00Z",
                        "2026-11-23T09:00:01.123+01:00",
                        "\u007f",
                        "\uD800",
                        "\u00e9"),
                Arbitraries.of(
                                "0",
                                "-0",
                                "1",
                                "2",
                                "-1",
                                "41",
                                "2147483648",
                                "9223372036854775808",
                                "1.0",
                                "1e3")
                        .map(Num::new));
    }

    private static final byte[][] BAD_UTF8 = {
        {(byte) 0xFF},
        {(byte) 0xC0, (byte) 0x80},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x82},
        {(byte) 0x80},
        {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF}
    };
    private static final byte[][] FRAGMENTS =
            fragments(
                    "{",
                    "}",
                    "[",
                    "]",
                    ":",
                    ",",
                    "\"",
                    "\\",
                    "\\u",
                    "\\uD800",
                    "\\uDC00",
                    "\\u00e9",
                    "\\n",
                    "\\x",
                    "\\'",
                    " ",
                    "\t",
                    "\n",
                    "\r",
                    "\f",
                    "0",
                    "1",
                    "-",
                    ".",
                    "e",
                    "E",
                    "+",
                    "01",
                    "-0",
                    "1.5",
                    "1e5",
                    "2147483648",
                    "9223372036854775808",
                    "true",
                    "false",
                    "null",
                    "tru",
                    "nul",
                    "x",
                    "_",
                    "$",
                    "/",
                    "*",
                    "#",
                    "'",
                    "\"schema\"",
                    "\"seq\"",
                    "\"seq_epoch\"",
                    "\"body\"",
                    "\"uri\"",
                    "\"channel\"",
                    "\"customer_id\"",
                    "\"event_id\"",
                    "\"priority\"",
                    "\"occurred_at\"",
                    "\"chat\"",
                    "\"voice\"",
                    "\"high\"",
                    "\"2026-11-23T09:00:01.123Z\"",
                    "\"k\"",
                    "\u00e9",
                    "\u20ac",
                    "\uD83D\uDE00",
                    "\u007f",
                    "\u0000",
                    "\u0001",
                    "\u00a0",
                    "\uFEFF");

    private static byte[][] fragments(String... texts) {
        return Arrays.stream(texts)
                .map(t -> t.getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
    }

    /**
     * Pieces of JSON, some broken; valid UTF-8 (invalid UTF-8 wins over every other reason, so it
     * is kept apart).
     */
    @Provide
    Arbitrary<byte[]> fragments() {
        return joined(Arbitraries.of(FRAGMENTS));
    }

    /** Pieces of JSON and of invalid UTF-8. */
    @Provide
    Arbitrary<byte[]> utf8Pieces() {
        return joined(Arbitraries.oneOf(Arbitraries.of(FRAGMENTS), Arbitraries.of(BAD_UTF8)));
    }

    private static Arbitrary<byte[]> joined(Arbitrary<byte[]> piece) {
        return piece.list()
                .ofMaxSize(24)
                .map(
                        parts -> {
                            ByteArrayOutputStream out = new ByteArrayOutputStream();
                            parts.forEach(out::writeBytes);
                            return out.toByteArray();
                        });
    }
}
