package dev.floodgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.testkit.docs.GeneratedSection;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/options.md} holds the demo's options as {@link DemoOptions} defines them (regenerate:
 * {@code mvn -pl demo test -Dtest=DemoOptionsDocTest -Dfloodgate.write-docs=true}).
 */
class DemoOptionsDocTest {
    @Test
    void theOptionsPageHoldsTheDemosOptions() throws Exception {
        assertThat(
                        GeneratedSection.check(
                                Path.of("..", "docs", "options.md"),
                                "DemoOptions",
                                DemoOptions.markdownTable()))
                .isNull();
    }
}
