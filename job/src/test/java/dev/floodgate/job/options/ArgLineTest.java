package dev.floodgate.job.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shared command-line reader: options, flags, positionals, and every error at once. */
class ArgLineTest {

    @Test
    void readsOptionsFlagsAndPositionals() {
        ArgLine line =
                ArgLine.parse(
                        List.of("path", "--ttl", "7d", "--json", "--waiting=3", "--empty"),
                        Set.of("json"),
                        Set.of("ttl", "waiting", "empty"),
                        true);
        assertThat(line.errors()).isEmpty();
        assertThat(line.positionals()).containsExactly("path");
        assertThat(line.flag("json")).isTrue();
        assertThat(line.values())
                .containsEntry("ttl", "7d")
                .containsEntry("waiting", "3")
                .containsEntry("empty", "");
    }

    @Test
    void reportsEveryProblemNamingIt() {
        assertThatThrownBy(
                        () ->
                                ArgLine.parse(
                                                List.of("stray", "--jsn", "--json=yes"),
                                                Set.of("json"),
                                                Set.of(),
                                                false)
                                        .orThrow())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unexpected argument 'stray'")
                .hasMessageContaining("unknown option --jsn")
                .hasMessageContaining("option --json takes no value");
    }

    @Test
    void splitsArgumentsThatArriveAsOne() {
        assertThat(ArgLine.splitBlanks(" --flood 60s  --keep-running", "--seed=3"))
                .containsExactly("--flood", "60s", "--keep-running", "--seed=3");
    }

    /** A header line's blank: quoted within a line, or already one argument from the shell. */
    @Test
    void keepsAValueWithABlankWhole() {
        assertThat(ArgLine.splitBlanks("--high-priority-header 'Priority: u=1' --flood \"60s\""))
                .containsExactly("--high-priority-header", "Priority: u=1", "--flood", "60s");
        assertThat(ArgLine.splitBlanks("--high-priority-header", "Priority: u=1", "--seed=3"))
                .containsExactly("--high-priority-header", "Priority: u=1", "--seed=3");
        assertThatThrownBy(() -> ArgLine.splitBlanks("--flood '60s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unclosed quote");
    }
}
