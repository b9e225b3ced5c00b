package dev.floodgate.sinks;

import dev.floodgate.model.DrainMark;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A drain mark on the (compacted) drain-progress topic: key {@code <group>|<topic>|<partition>}, so
 * compaction keeps the latest mark per drain group and shed partition; value a small JSON object
 * {@code {"group":..,"topic":..,"partition":..,"next_offset":..,"checkpoint_id":..}} ({@code
 * checkpoint_id} is -1 for the mark written at the end of a run's input). {@code DrainProgress}
 * reads it back.
 */
public class DrainMarkSerializer implements KafkaRecordSerializationSchema<DrainMark> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final String group;

    public DrainMarkSerializer(String topic, String group) {
        this.topic = topic;
        this.group = group;
    }

    public static String key(String group, String topic, int partition) {
        return group + "|" + topic + "|" + partition;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DrainMark mark, KafkaSinkContext context, Long timestamp) {
        String value =
                "{\"group\":\""
                        + group
                        + "\",\"topic\":\""
                        + mark.topic
                        + "\",\"partition\":"
                        + mark.partition
                        + ",\"next_offset\":"
                        + mark.nextOffset
                        + ",\"checkpoint_id\":"
                        + (mark.checkpointId == Long.MAX_VALUE ? -1 : mark.checkpointId)
                        + "}";
        return new ProducerRecord<>(
                topic,
                key(group, mark.topic, mark.partition).getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }
}
