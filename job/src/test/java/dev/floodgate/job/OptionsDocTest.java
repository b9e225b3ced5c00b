package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/options.md} holds the table generated from {@link FloodgateOptions} between two
 * markers, so a new, renamed or changed option cannot be missing from the docs. To regenerate it:
 * {@code mvn -pl job test -Dtest=OptionsDocTest -Dfloodgate.write-docs=true}.
 */
class OptionsDocTest {
    static final String BEGIN = "<!-- generated from FloodgateOptions: begin -->\n";
    static final String END = "<!-- generated from FloodgateOptions: end -->\n";
    static final Path DOC = Path.of("..", "docs", "options.md");

    @Test
    void theOptionsPageHoldsEveryOptionAsTheCodeDefinesIt() throws Exception {
        String doc = Files.readString(DOC);
        int from = doc.indexOf(BEGIN);
        int to = doc.indexOf(END);
        assertThat(from).as("the begin marker in %s", DOC).isGreaterThanOrEqualTo(0);
        assertThat(to).as("the end marker in %s", DOC).isGreaterThan(from);
        String generated = FloodgateOptions.markdownTable();
        String current = doc.substring(from + BEGIN.length(), to);
        if (Boolean.getBoolean("floodgate.write-docs") && !current.equals(generated)) {
            Files.writeString(
                    DOC, doc.substring(0, from + BEGIN.length()) + generated + doc.substring(to));
            return;
        }
        assertThat(current)
                .as(
                        "docs/options.md is out of date: run mvn -pl job test -Dtest=OptionsDocTest "
                                + "-Dfloodgate.write-docs=true")
                .isEqualTo(generated);
    }
}
