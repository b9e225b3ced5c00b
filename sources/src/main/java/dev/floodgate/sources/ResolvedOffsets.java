package dev.floodgate.sources;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * Starting offsets resolved to real numbers when the enumerator assigns a partition. The
 * connector's own {@code committed}, {@code earliest} and {@code latest} initializers hand the
 * reader placeholders (-3, -2, -1) that it resolves itself, and a split keeps its placeholder in
 * every checkpoint until it reads a record: a savepoint of a partition that had nothing to read
 * would then record no position, and a replay started from it would read from the wrong place. With
 * real numbers, every savepoint says exactly where each partition stands.
 */
final class ResolvedOffsets implements OffsetsInitializer {
    private static final long serialVersionUID = 1L;

    enum From {
        COMMITTED_OR_EARLIEST,
        EARLIEST,
        LATEST
    }

    private final From from;

    /** Positions known beforehand (a drain's marks); they win over {@link #from}. */
    private final Map<TopicPartition, Long> given;

    ResolvedOffsets(From from) {
        this(from, Map.of());
    }

    ResolvedOffsets(From from, Map<TopicPartition, Long> given) {
        this.from = from;
        this.given = new HashMap<>(given);
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(
            Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        List<TopicPartition> open = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long known = given.get(tp);
            if (known != null && known >= 0) {
                offsets.put(tp, known);
            } else {
                open.add(tp);
            }
        }
        if (open.isEmpty()) {
            return offsets;
        }
        if (from == From.LATEST) {
            offsets.putAll(retriever.endOffsets(open));
            return offsets;
        }
        if (from == From.COMMITTED_OR_EARLIEST) {
            retriever
                    .committedOffsets(open)
                    .forEach(
                            (tp, offset) -> {
                                if (offset != null && offset >= 0) {
                                    offsets.put(tp, offset);
                                }
                            });
        }
        List<TopicPartition> rest = new ArrayList<>(open);
        rest.removeAll(offsets.keySet());
        if (!rest.isEmpty()) {
            offsets.putAll(retriever.beginningOffsets(rest));
        }
        return offsets;
    }

    /**
     * When a resolved offset is no longer in the log (retention), start at the earliest one still
     * there.
     */
    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        return OffsetResetStrategy.EARLIEST;
    }
}
