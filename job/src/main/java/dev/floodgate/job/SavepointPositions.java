package dev.floodgate.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplitSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.DefaultOperatorStateBackend;
import org.apache.flink.runtime.state.DefaultOperatorStateBackendBuilder;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the Kafka positions that a savepoint of the live job recorded: the split state of its
 * source ({@link Uids#SOURCE_INTERACTIONS}), one next-offset per partition. It reads the
 * savepoint's metadata and restores that one operator's list state in this process, without running
 * a job: the replay calls it from its {@code main}, where a client or a cluster's web submission
 * forbids starting a local Flink environment.
 */
public final class SavepointPositions {
    /** The source operator's list state of serialized splits (Flink's SourceOperator). */
    static final String SPLITS_STATE = "SourceReaderState";

    private SavepointPositions() {}

    public static Map<TopicPartition, Long> read(String savepointPath) throws Exception {
        CheckpointMetadata metadata = SavepointLoader.loadSavepointMetadata(savepointPath);
        OperatorID source = OperatorIdentifier.forUid(Uids.SOURCE_INTERACTIONS).getOperatorId();
        List<OperatorStateHandle> handles = new ArrayList<>();
        for (OperatorState operator : metadata.getOperatorStates()) {
            if (operator.getOperatorID().equals(source)) {
                for (OperatorSubtaskState subtask : operator.getStates()) {
                    handles.addAll(subtask.getManagedOperatorState());
                }
            }
        }
        Map<TopicPartition, Long> positions =
                new TreeMap<>(
                        (a, b) ->
                                a.topic().equals(b.topic())
                                        ? Integer.compare(a.partition(), b.partition())
                                        : a.topic().compareTo(b.topic()));
        KafkaPartitionSplitSerializer serializer = new KafkaPartitionSplitSerializer();
        try (CloseableRegistry registry = new CloseableRegistry()) {
            DefaultOperatorStateBackend backend =
                    new DefaultOperatorStateBackendBuilder(
                                    SavepointPositions.class.getClassLoader(),
                                    new ExecutionConfig(),
                                    false,
                                    handles,
                                    registry)
                            .build();
            try {
                for (byte[] bytes :
                        backend.getListState(
                                        new ListStateDescriptor<>(
                                                SPLITS_STATE,
                                                BytePrimitiveArraySerializer.INSTANCE))
                                .get()) {
                    KafkaPartitionSplit split = decode(serializer, bytes);
                    if (split.getStartingOffset() < 0) {
                        // A placeholder (committed/earliest/latest) the reader had not resolved: no
                        // real position.
                        throw new IllegalArgumentException(
                                "savepoint "
                                        + savepointPath
                                        + " records no offset for "
                                        + split.getTopicPartition()
                                        + " (placeholder "
                                        + split.getStartingOffset()
                                        + "): it was taken by a job that had not read that partition since it started with "
                                        + "an unresolved starting position; take a new savepoint of the current live job");
                    }
                    positions.put(split.getTopicPartition(), split.getStartingOffset());
                }
            } finally {
                backend.dispose();
            }
        }
        if (positions.isEmpty()) {
            throw new IllegalArgumentException(
                    "savepoint "
                            + savepointPath
                            + " holds no Kafka positions for operator "
                            + Uids.SOURCE_INTERACTIONS
                            + ": is it a savepoint of the live job?");
        }
        return new LinkedHashMap<>(positions); // sorted, and serializable without the comparator
    }

    private static KafkaPartitionSplit decode(
            KafkaPartitionSplitSerializer serializer, byte[] bytes) throws IOException {
        return SimpleVersionedSerialization.readVersionAndDeSerialize(serializer, bytes);
    }
}
