package dev.floodgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.testkit.docs.GeneratedSection;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/options.md} holds the benchmark's options as {@link BenchOptions} defines them
 * (regenerate: {@code mvn -pl bench test -Dtest=BenchOptionsDocTest -Dfloodgate.write-docs=true}).
 */
class BenchOptionsDocTest {
    @Test
    void theOptionsPageHoldsTheBenchmarksOptions() throws Exception {
        assertThat(
                        GeneratedSection.check(
                                Path.of("..", "docs", "options.md"),
                                "BenchOptions",
                                BenchOptions.markdownTable()))
                .isNull();
    }
}
