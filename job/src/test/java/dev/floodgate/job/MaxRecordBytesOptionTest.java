package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.contract.RecordLimits;
import org.junit.jupiter.api.Test;

/**
 * {@code --max-record-bytes} is checked at start against the Kafka sinks' fixed max.request.size: a
 * limit the sinks could not write a valid event of stops the job, naming the options, instead of
 * letting one record fail a sink at every restart.
 */
class MaxRecordBytesOptionTest {

    private static FloodgateOptions withLimit(String bytes) {
        return FloodgateOptions.fromArgs(
                new String[] {"--bootstrap-servers", "k:1", "--max-record-bytes", bytes},
                JobKind.LIVE);
    }

    @Test
    void theDefaultFitsTheSinks() {
        FloodgateOptions o =
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers", "k:1", "--dry-run", "true"},
                        JobKind.LIVE);
        assertThat(o.get(FloodgateOptions.MAX_RECORD_BYTES)).isEqualTo(1_000_000);
        assertThat(Pipeline.from(o).maxRecordBytes()).isEqualTo(1_000_000);
        assertThat(Pipeline.defaults().maxRecordBytes()).isEqualTo(1_000_000);
        assertThat(withLimit("1024000").get(FloodgateOptions.MAX_RECORD_BYTES))
                .isEqualTo(RecordLimits.MAX_RECORD_BYTES_LIMIT);
    }

    @Test
    void aLimitTheSinksCannotWriteStopsTheJobNamingTheOptions() {
        assertThatThrownBy(() -> withLimit("1048576"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("option --max-record-bytes has a bad value '1048576'")
                .hasMessageContaining("at most 1024000")
                .hasMessageContaining("max.request.size is 1048576");
        assertThatThrownBy(() -> Pipeline.defaults().withMaxRecordBytes(1_024_001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--max-record-bytes 1024001 is above 1024000");
    }
}
