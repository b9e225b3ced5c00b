package dev.floodgate.contract;

import java.util.List;
import java.util.Random;

/**
 * Test helper: a small JSON model (null, Boolean, {@link Num}, String, List, {@link Obj}) and a
 * writer that spells the same value many ways, picking at random (from a seed) where whitespace
 * goes and how each character of a string is written: raw, as a short escape or as a backslash-u
 * escape in lower or upper case (surrogate pairs as two, lone surrogates always escaped).
 */
final class JsonText {
    /** A number exactly as written, e.g. {@code -0}, {@code 1.5E+3}, or 30 digits. */
    record Num(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** One member of an object; names may repeat. */
    record Member(String name, Object value) {}

    /** An object whose members keep their order, duplicates included. */
    record Obj(List<Member> members) {}

    private static final String WHITESPACE = " \t\n\r";

    private final Random random;
    private final boolean plain;
    private final StringBuilder out = new StringBuilder();

    /** {@code plain}: no whitespace and no optional escapes, the way producers write it. */
    JsonText(long seed, boolean plain) {
        this.random = new Random(seed);
        this.plain = plain;
    }

    String text() {
        return out.toString();
    }

    JsonText value(Object v) {
        ws();
        if (v == null || v instanceof Boolean || v instanceof Num) {
            out.append(v);
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    ws();
                    out.append(',');
                }
                value(list.get(i));
            }
            ws();
            out.append(']');
        } else if (v instanceof Obj o) {
            out.append('{');
            for (int i = 0; i < o.members().size(); i++) {
                if (i > 0) {
                    ws();
                    out.append(',');
                }
                ws();
                string(o.members().get(i).name());
                ws();
                out.append(':');
                value(o.members().get(i).value());
            }
            ws();
            out.append('}');
        } else {
            throw new IllegalArgumentException(String.valueOf(v));
        }
        ws();
        return this;
    }

    private void ws() {
        while (!plain && random.nextInt(6) == 0) {
            out.append(WHITESPACE.charAt(random.nextInt(WHITESPACE.length())));
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair =
                    Character.isHighSurrogate(c)
                            && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
            boolean lone = Character.isSurrogate(c) && !pair;
            boolean mustEscape = c < 0x20 || c == '"' || c == '\\' || lone;
            if (!mustEscape && (plain || random.nextInt(8) != 0)) {
                out.append(c);
                if (pair) {
                    out.append(s.charAt(++i));
                }
                continue;
            }
            String shortEscape = shortEscape(c);
            if (shortEscape != null && (plain || random.nextBoolean())) {
                out.append(shortEscape);
            } else {
                unicodeEscape(c);
                if (pair) {
                    unicodeEscape(s.charAt(++i));
                }
            }
        }
        out.append('"');
    }

    private void unicodeEscape(char c) {
        String hex = String.format("%04x", (int) c);
        out.append("\\u")
                .append(
                        !plain && random.nextBoolean()
                                ? hex.toUpperCase(java.util.Locale.ROOT)
                                : hex);
    }

    private static String shortEscape(char c) {
        switch (c) {
            case '"':
                return "\\\"";
            case '\\':
                return "\\\\";
            case '/':
                return "\\/";
            case '\b':
                return "\\b";
            case '\f':
                return "\\f";
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                return null;
        }
    }
}
