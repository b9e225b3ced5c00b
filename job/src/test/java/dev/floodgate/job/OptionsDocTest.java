package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.options.TypedOption;
import dev.floodgate.testkit.docs.GeneratedSection;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/options.md} holds the table generated from {@link FloodgateOptions} between two
 * markers, so a new, renamed or changed option cannot be missing from the docs, and no row can
 * outlive its option. To regenerate it: {@code mvn -pl job test -Dtest=OptionsDocTest
 * -Dfloodgate.write-docs=true}.
 */
class OptionsDocTest {
    static final Path DOC = Path.of("..", "docs", "options.md");

    @Test
    void theOptionsPageHoldsEveryOptionAsTheCodeDefinesIt() throws Exception {
        assertThat(
                        GeneratedSection.check(
                                DOC, "FloodgateOptions", FloodgateOptions.markdownTable()))
                .isNull();
    }

    @Test
    void everyOptionHasARowAndEveryRowAnOption() throws Exception {
        String doc = Files.readString(DOC);
        String table =
                doc.substring(
                        doc.indexOf("<!-- generated from FloodgateOptions: begin -->"),
                        doc.indexOf("<!-- generated from FloodgateOptions: end -->"));
        long rows = table.lines().filter(l -> l.startsWith("| `--")).count();
        assertThat(rows).isEqualTo(FloodgateOptions.all().all().size());
        for (TypedOption<?> o : FloodgateOptions.all().all()) {
            assertThat(table).contains("| `--" + o.key + "` |");
            assertThat(o.description()).as(o.key).isNotBlank();
        }
    }
}
