package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.sources.StartingOffsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --starting-offsets}: every value the option accepts is one the source builds from, and
 * every other is refused at start with the option and the expected form named. A negative timestamp
 * is refused: Kafka reads -1 as "latest", -2 as "earliest" and -3 as "the record with the largest
 * timestamp" (seen against the test kit's broker), and fails the job's enumerator on the others, so
 * {@code timestamp:-1} would silently start at the end of the log.
 */
class StartingOffsetsOptionTest {
    private static final String FORM = "committed|earliest|latest|timestamp:<epoch ms>";

    @Test
    void theAcceptedSpecsBuildTheSource() {
        for (String spec :
                List.of(
                        "committed",
                        "earliest",
                        "latest",
                        "timestamp:0",
                        "timestamp:1790000000123")) {
            StartingOffsets parsed = FloodgateOptions.STARTING_OFFSETS.parse(spec);
            assertThat(parsed).hasToString(spec);
            assertThatCode(
                            () ->
                                    InteractionLogSource.unbounded(
                                            "localhost:9",
                                            "t",
                                            "g",
                                            parsed,
                                            Duration.ofDays(7),
                                            Map.of()))
                    .as(spec)
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void theDefaultIsCommitted() {
        assertThat(
                        FloodgateOptions.fromMap(Map.of("bootstrap-servers", "b:9"), JobKind.LIVE)
                                .get(FloodgateOptions.STARTING_OFFSETS))
                .isEqualTo(StartingOffsets.committed());
    }

    @Test
    void surroundingBlanksAreTrimmed() {
        assertThat(FloodgateOptions.STARTING_OFFSETS.parse(" latest ")).hasToString("latest");
    }

    @Test
    void otherSpecsAreRefusedNamingTheOptionAndTheForm() {
        for (String spec :
                List.of(
                        "Committed",
                        "EARLIEST",
                        "newest",
                        "offset:5",
                        "timestamp:",
                        "timestamp:soon",
                        "timestamp:1.5",
                        "timestamp:2026-11-23T09:00:00Z",
                        "timestamp:-1",
                        "timestamp:-2",
                        "timestamp:-7")) {
            assertThatThrownBy(() -> FloodgateOptions.STARTING_OFFSETS.parse(spec))
                    .as(spec)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(
                            "option --starting-offsets has a bad value '" + spec + "'")
                    .hasMessageContaining("expected " + FORM);
        }
    }

    @Test
    void aNegativeTimestampIsRefusedByTheSourceToo() {
        assertThatThrownBy(
                        () ->
                                InteractionLogSource.unbounded(
                                        "localhost:9",
                                        "t",
                                        "g",
                                        "timestamp:-1",
                                        Duration.ofDays(7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timestamp:-1");
    }

    @Test
    void theJobStopsAtStartNamingTheOption() {
        assertThatThrownBy(
                        () ->
                                FloodgateOptions.fromArgs(
                                        new String[] {
                                            "--bootstrap-servers", "b:9",
                                            "--starting-offsets", "timestamp:-1"
                                        },
                                        JobKind.LIVE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--starting-offsets has a bad value 'timestamp:-1'");
    }
}
