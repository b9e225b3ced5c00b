package dev.floodgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's options: the full run by default, --smoke's tiny sizes, a bad option named. */
class BenchOptionsTest {

    @Test
    void defaultsAreTheFullBenchmark() {
        BenchOptions o = BenchOptions.parse();
        assertThat(o.sections).containsExactlyElementsOf(BenchOptions.SECTIONS);
        assertThat(o.events).isEqualTo(2_000_000);
        assertThat(o.checkpointInterval).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.profile).isTrue();
        assertThat(o.stateBackends).containsExactly("hashmap", "rocksdb");
    }

    @Test
    void smokeShrinksTheDefaultsAndGivenOptionsStillWin() {
        BenchOptions o =
                BenchOptions.parse("--smoke --sections throughput,backfill", "--events=500");
        assertThat(o.sections).containsExactly("throughput", "backfill");
        assertThat(o.events).isEqualTo(500);
        assertThat(o.customers).isEqualTo(500);
        assertThat(o.profile).isFalse();
        assertThat(o.stateCustomers).isEqualTo(List.of(1_000));
        assertThat(o.timeout).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void badOptionsNameTheOptionAndTheForm() {
        assertThatThrownBy(() -> BenchOptions.parse("--sections", "speed", "--event", "3"))
                .hasMessageContaining("option --sections has a bad value 'speed': expected all or")
                .hasMessageContaining("unknown option --event")
                .hasMessageContaining("Usage: Benchmarks");
        assertThatThrownBy(() -> BenchOptions.parse("--reconcile-heap", "lots"))
                .hasMessageContaining("option --reconcile-heap has a bad value 'lots'");
    }
}
