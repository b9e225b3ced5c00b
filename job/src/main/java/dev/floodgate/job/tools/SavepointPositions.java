package dev.floodgate.job.tools;

import dev.floodgate.job.Uids;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplitSerializer;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads, with the State Processor API, the Kafka positions that a savepoint of the live job recorded: the split
 * state of its source ({@link Uids#SOURCE_INTERACTIONS}), one next-offset per partition. The reading runs as a
 * small local batch job in this process (the savepoint must be readable from here).
 */
public final class SavepointPositions {
    /** The source operator's list state of serialized splits (Flink's SourceOperator). */
    static final String SPLITS_STATE = "SourceReaderState";

    private SavepointPositions() {}

    public static Map<TopicPartition, Long> read(String savepointPath) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        SavepointReader savepoint = SavepointReader.read(env, savepointPath);
        List<byte[]> splits = savepoint.readListState(OperatorIdentifier.forUid(Uids.SOURCE_INTERACTIONS),
                SPLITS_STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO).executeAndCollect(10_000);
        KafkaPartitionSplitSerializer serializer = new KafkaPartitionSplitSerializer();
        Map<TopicPartition, Long> positions = new TreeMap<>((a, b) -> a.topic().equals(b.topic())
                ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        for (byte[] bytes : splits) {
            KafkaPartitionSplit split = decode(serializer, bytes);
            positions.put(split.getTopicPartition(), split.getStartingOffset());
        }
        if (positions.isEmpty()) {
            throw new IllegalArgumentException("savepoint " + savepointPath + " holds no Kafka positions for operator "
                    + Uids.SOURCE_INTERACTIONS + ": is it a savepoint of the live job?");
        }
        return positions;
    }

    private static KafkaPartitionSplit decode(KafkaPartitionSplitSerializer serializer, byte[] bytes)
            throws IOException {
        return SimpleVersionedSerialization.readVersionAndDeSerialize(serializer, bytes);
    }
}
