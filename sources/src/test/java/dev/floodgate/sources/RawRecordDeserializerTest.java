package dev.floodgate.sources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The source's deserializer hands every record on unparsed, whatever its bytes (parsing is the
 * job's, so a poison record becomes a dead letter and never fails the source), with its position
 * and log timestamp; per partition it reports the record's age at read and the retention-edge
 * headroom.
 */
class RawRecordDeserializerTest {
    private static final long RETENTION_MS = 7L * 24 * 3600 * 1000;

    @Test
    void keepsKeyValueTopicPartitionOffsetAndTimestamp() throws Exception {
        RawRecordDeserializer d = opened(new Metrics());
        byte[] key = "c-17".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{\"schema\":1}".getBytes(StandardCharsets.UTF_8);

        RawRecord r =
                deserialize(d, record("interactions", 3, 90412L, 1_700_000_000_123L, key, value));

        assertThat(r.key).isEqualTo(key);
        assertThat(r.value).isEqualTo(value);
        assertThat(r.topic).isEqualTo("interactions");
        assertThat(r.partition).isEqualTo(3);
        assertThat(r.offset).isEqualTo(90412L);
        assertThat(r.timestamp).isEqualTo(1_700_000_000_123L);
    }

    @Test
    void aTombstoneAndAKeylessRecordPassWithTheirNulls() throws Exception {
        RawRecordDeserializer d = opened(new Metrics());
        byte[] key = "c-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);

        RawRecord tombstone = deserialize(d, record("t", 0, 1, 10, key, null));
        assertThat(tombstone.key).isEqualTo(key);
        assertThat(tombstone.value).as("empty_value is decided by the parser").isNull();

        RawRecord keyless = deserialize(d, record("t", 0, 2, 11, null, value));
        assertThat(keyless.key).as("key_mismatch is decided by the parser").isNull();
        assertThat(keyless.value).isEqualTo(value);

        RawRecord neither = deserialize(d, record("t", 0, 3, 12, null, null));
        assertThat(neither.key).isNull();
        assertThat(neither.value).isNull();
        assertThat(neither.offset).isEqualTo(3);
    }

    @Test
    void bytesThatAreNotTextPassUntouched() throws Exception {
        byte[] key = {(byte) 0xff, 0, (byte) 0xc3};
        byte[] value = {(byte) 0xc3, (byte) 0x28, 0, (byte) 0xfe};
        RawRecord r = deserialize(opened(new Metrics()), record("t", 1, 0, 0, key, value));
        assertThat(r.key).containsExactly(key);
        assertThat(r.value).containsExactly(value);
        assertThat(r.value).as("passed by reference, not copied").isSameAs(value);
    }

    @Test
    void eachPartitionReportsTheAgeAtReadAndTheRetentionHeadroom() throws Exception {
        Metrics metrics = new Metrics();
        RawRecordDeserializer d = opened(metrics);
        long now = System.currentTimeMillis();

        deserialize(d, record("t", 0, 5, now - 60_000, null, null));
        deserialize(d, record("t", 2, 9, now - 3_600_000, null, null));

        assertThat(metrics.gauges.keySet())
                .containsExactly(
                        "partition.0.eventAgeAtReadMs",
                        "partition.0.retentionHeadroomMs",
                        "partition.2.eventAgeAtReadMs",
                        "partition.2.retentionHeadroomMs");
        long slack = System.currentTimeMillis() - now + 1_000;
        assertThat(metrics.value("partition.0.eventAgeAtReadMs"))
                .isBetween(60_000L, 60_000L + slack);
        assertThat(metrics.value("partition.0.retentionHeadroomMs"))
                .isBetween(RETENTION_MS - 60_000 - slack, RETENTION_MS - 60_000);
        assertThat(metrics.value("partition.2.eventAgeAtReadMs"))
                .isBetween(3_600_000L, 3_600_000L + slack);

        // the gauges follow the record just read, and register once per partition
        deserialize(d, record("t", 0, 6, now - 1_000, null, null));
        assertThat(metrics.registrations).isEqualTo(4);
        assertThat(metrics.value("partition.0.eventAgeAtReadMs")).isBetween(1_000L, 1_000L + slack);
    }

    @Test
    void headroomGoesNegativeOnceTheRecordIsOlderThanTheRetention() throws Exception {
        Metrics metrics = new Metrics();
        RawRecordDeserializer d = new RawRecordDeserializer(60_000);
        d.open(context(metrics));
        deserialize(d, record("t", 0, 5, System.currentTimeMillis() - 90_000, null, null));
        assertThat(metrics.value("partition.0.retentionHeadroomMs")).isLessThanOrEqualTo(-30_000L);
    }

    @Test
    void withoutOpenItStillDeserializes() throws Exception {
        // a schema used outside a source reader (tests, tools) has no metric group
        RawRecord r =
                deserialize(
                        new RawRecordDeserializer(RETENTION_MS),
                        record("t", 4, 7, 8, new byte[] {1}, new byte[] {2}));
        assertThat(r).isEqualTo(new RawRecord(new byte[] {1}, new byte[] {2}, "t", 4, 7, 8));
    }

    @Test
    void producesAPojoTypeAndSurvivesJavaSerialization() throws Exception {
        RawRecordDeserializer d = new RawRecordDeserializer(RETENTION_MS);
        // a POJO, not a generic (Kryo) type: RawRecord stays cheap to hand between tasks
        assertThat(d.getProducedType()).isInstanceOf(PojoTypeInfo.class);
        assertThat(d.getProducedType().getTypeClass()).isEqualTo(RawRecord.class);

        RawRecordDeserializer copy = InstantiationUtil.clone(d);
        Metrics metrics = new Metrics();
        copy.open(context(metrics));
        deserialize(copy, record("t", 0, 1, System.currentTimeMillis() - 90_000, null, null));
        assertThat(metrics.value("partition.0.retentionHeadroomMs"))
                .as("the retention travels with the schema")
                .isLessThanOrEqualTo(RETENTION_MS - 90_000);
    }

    private static RawRecordDeserializer opened(Metrics metrics) throws Exception {
        RawRecordDeserializer d = new RawRecordDeserializer(RETENTION_MS);
        d.open(context(metrics));
        return d;
    }

    private static RawRecord deserialize(RawRecordDeserializer d, ConsumerRecord<byte[], byte[]> r)
            throws Exception {
        List<RawRecord> out = new ArrayList<>();
        d.deserialize(r, new ListCollector<>(out));
        assertThat(out).as("exactly one record out per record in").hasSize(1);
        return out.get(0);
    }

    private static ConsumerRecord<byte[], byte[]> record(
            String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        return new ConsumerRecord<>(
                topic,
                partition,
                offset,
                timestamp,
                TimestampType.LOG_APPEND_TIME,
                key == null ? -1 : key.length,
                value == null ? -1 : value.length,
                key,
                value,
                new RecordHeaders(),
                Optional.empty());
    }

    private static DeserializationSchema.InitializationContext context(MetricGroup metrics) {
        return new DeserializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return metrics;
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(
                        RawRecordDeserializerTest.class.getClassLoader());
            }
        };
    }

    /** A metric group that keeps the gauges registered under it, by dotted name. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Gauge<?>> gauges = new TreeMap<>();
        int registrations;
        private final Metrics root;
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
            root.gauges.put(prefix + name, gauge);
            root.registrations++;
            return gauge;
        }

        long value(String name) {
            Gauge<?> g = root.gauges.get(name);
            assertThat(g).as(name).isNotNull();
            return (Long) g.getValue();
        }
    }
}
