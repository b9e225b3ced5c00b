package dev.floodgate.sources.lag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The broker lag metrics' names and values, as registered on the operator's metric group. */
class LagGaugesTest {
    private static final MonitoredLog INPUT = new MonitoredLog("input", "interactions", "live");
    private static final MonitoredLog SHED = new MonitoredLog("shed", "interactions.shed", "drain");

    @Test
    void perLogGaugesAtOnceAndPartitionGaugesWithTheirFirstMeasurement() {
        Metrics m = new Metrics();
        LagGauges gauges = new LagGauges(m, List.of(INPUT, SHED));
        assertThat(m.root.metrics.keySet())
                .containsExactlyInAnyOrder(
                        "brokerLag.pollFailures",
                        "brokerLag.log.input.retentionMs",
                        "brokerLag.log.input.measurementAgeMs",
                        "brokerLag.log.shed.retentionMs",
                        "brokerLag.log.shed.measurementAgeMs");
        assertThat(m.value("brokerLag.log.input.retentionMs")).isEqualTo(-1L);
        assertThat(m.value("brokerLag.log.input.measurementAgeMs")).isEqualTo(-1L);

        long now = System.currentTimeMillis();
        gauges.update(
                new LogLag(
                        INPUT,
                        604_800_000L,
                        Map.of(
                                0, new PartitionLag(0, 12, 3_000, 604_797_000.0, 0, 112, 100),
                                1, new PartitionLag(1, 0, 0, 604_800_000.0, 0, 50, 50)),
                        now));
        assertThat(m.value("brokerLag.log.input.retentionMs")).isEqualTo(604_800_000L);
        assertThat(m.value("brokerLag.log.input.partition.0.lagRecords")).isEqualTo(12L);
        assertThat(m.value("brokerLag.log.input.partition.0.lagMs")).isEqualTo(3_000L);
        assertThat(m.value("brokerLag.log.input.partition.0.retentionHeadroomMs"))
                .isEqualTo(604_797_000.0);
        assertThat(m.value("brokerLag.log.input.partition.0.endOffset")).isEqualTo(112L);
        assertThat(m.value("brokerLag.log.input.partition.0.committedOffset")).isEqualTo(100L);
        assertThat(m.value("brokerLag.log.input.partition.1.agedOutRecords")).isEqualTo(0L);
        assertThat((Long) m.value("brokerLag.log.input.measurementAgeMs")).isBetween(0L, 60_000L);

        // a later measurement updates the same gauges: registered once
        int registered = m.root.metrics.size();
        gauges.update(
                new LogLag(
                        INPUT,
                        604_800_000L,
                        Map.of(
                                0, new PartitionLag(0, 0, 0, 604_800_000.0, 0, 112, 112),
                                1, new PartitionLag(1, 0, 0, 604_800_000.0, 0, 50, 50)),
                        now));
        assertThat(m.root.metrics).hasSize(registered);
        assertThat(m.value("brokerLag.log.input.partition.0.lagRecords")).isEqualTo(0L);

        gauges.failed();
        assertThat(((Counter) m.root.metrics.get("brokerLag.pollFailures")).getCount())
                .isEqualTo(1);
    }

    /** A metric group that keeps what is registered under it, by dotted name. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Object> metrics = new TreeMap<>();
        final Metrics root;
        private final String prefix;

        Metrics() {
            this.root = this;
            this.prefix = "";
        }

        private Metrics(Metrics root, String prefix) {
            this.root = root;
            this.prefix = prefix;
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Metrics(root, prefix + key + "." + value + ".");
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Metrics(root, prefix + name + ".");
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            root.metrics.put(prefix + name, gauge);
            return gauge;
        }

        @Override
        public Counter counter(String name) {
            Counter c = new SimpleCounter();
            root.metrics.put(prefix + name, c);
            return c;
        }

        Object value(String name) {
            Object g = root.metrics.get(name);
            assertThat(g).as(name).isInstanceOf(Gauge.class);
            return ((Gauge<?>) g).getValue();
        }
    }
}
