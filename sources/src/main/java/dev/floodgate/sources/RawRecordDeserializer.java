package dev.floodgate.sources;

import dev.floodgate.model.RawRecord;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hands every log record on as bytes plus position: parsing is the job's business, so a poison
 * record becomes a dead letter downstream and can never fail the source. Per partition it also
 * reports, as gauges, the log age of the record just read and the retention-edge headroom: how long
 * until the oldest unread record (about the one just read) ages out of the topic's retention.
 * Headroom near zero means imminent silent loss.
 */
public class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final long retentionMillis;
    private transient MetricGroup metrics;
    private transient Map<Integer, PartitionPosition> partitions;

    public RawRecordDeserializer(long retentionMillis) {
        this.retentionMillis = retentionMillis;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        metrics = context.getMetricGroup();
        partitions = new HashMap<>();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        if (partitions != null) {
            partitions.computeIfAbsent(record.partition(), this::register).lastTimestamp =
                    record.timestamp();
        }
        out.collect(
                new RawRecord(
                        record.key(),
                        record.value(),
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp()));
    }

    private PartitionPosition register(int partition) {
        PartitionPosition p = new PartitionPosition();
        MetricGroup g = metrics.addGroup("partition", String.valueOf(partition));
        g.gauge(
                "eventAgeAtReadMs",
                () -> p.lastTimestamp < 0 ? 0L : System.currentTimeMillis() - p.lastTimestamp);
        g.gauge(
                "retentionHeadroomMs",
                () ->
                        p.lastTimestamp < 0
                                ? retentionMillis
                                : retentionMillis - (System.currentTimeMillis() - p.lastTimestamp));
        return p;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }

    private static final class PartitionPosition {
        volatile long lastTimestamp = -1;
    }
}
