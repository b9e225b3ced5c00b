package dev.floodgate.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer.PartitionOffsetsRetriever;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The starting positions the sources take ({@code --starting-offsets}): {@code committed}, {@code
 * earliest} and {@code latest} resolve to real offsets when a partition is assigned (never the
 * connector's -3/-2/-1 placeholders, which a savepoint of an idle partition would keep and a replay
 * would misread); {@code timestamp:<ms>} asks the broker for the offset of that time; anything else
 * is refused naming the spec. The partition metadata is a small in-memory log: what a broker would
 * answer, per partition.
 */
class ResolvedOffsetsTest {
    private static final TopicPartition P0 = new TopicPartition("interactions", 0);
    private static final TopicPartition P1 = new TopicPartition("interactions", 1);
    private static final TopicPartition P2 = new TopicPartition("interactions", 2);
    private static final TopicPartition P3 = new TopicPartition("interactions", 3);
    private static final List<TopicPartition> ALL = List.of(P0, P1, P2, P3);

    @Test
    void committedTakesTheGroupsOffsetAndTheEarliestWhereThereIsNone() {
        Log log = new Log();
        log.committed.put(P0, 17L);
        log.committed.put(P1, null); // the admin client's answer for a partition never committed
        log.committed.put(P2, -1L); // an invalid offset is no position either
        // P3: absent from the answer

        Map<TopicPartition, Long> offsets =
                startingPosition("committed").getPartitionOffsets(ALL, log);

        assertThat(offsets)
                .containsExactlyInAnyOrderEntriesOf(Map.of(P0, 17L, P1, 100L, P2, 200L, P3, 300L));
        assertThat(log.beginningAskedFor)
                .as("only the partitions without a commit fall back to earliest")
                .containsExactlyInAnyOrder(P1, P2, P3);
        assertRealOffsets(offsets);
    }

    @Test
    void aDrainsMarksWinOverTheGroupsCommitsWhichStillServeThePartitionsWithoutOne() {
        Log log = new Log();
        log.committed.put(P0, 17L); // committed after the marks' checkpoint: behind or ahead
        log.committed.put(P1, 40L);
        Map<TopicPartition, Long> offsets =
                new ResolvedOffsets(
                                ResolvedOffsets.From.COMMITTED_OR_EARLIEST, Map.of(P0, 12L, P2, 0L))
                        .getPartitionOffsets(ALL, log);
        assertThat(offsets)
                .containsExactlyInAnyOrderEntriesOf(Map.of(P0, 12L, P1, 40L, P2, 0L, P3, 300L));
        assertThat(log.beginningAskedFor).containsExactly(P3);
        assertRealOffsets(offsets);
    }

    @Test
    void committedOffsetZeroIsAPositionNotAMissingCommit() {
        Log log = new Log();
        log.committed.put(P0, 0L);
        Map<TopicPartition, Long> offsets =
                startingPosition("committed").getPartitionOffsets(List.of(P0), log);
        assertThat(offsets).containsExactlyEntriesOf(Map.of(P0, 0L));
        assertThat(log.beginningAskedFor).isEmpty();
    }

    @Test
    void committedWithEveryPartitionCommittedNeverAsksForTheBeginning() {
        Log log = new Log();
        ALL.forEach(tp -> log.committed.put(tp, 5L + tp.partition()));
        Map<TopicPartition, Long> offsets =
                startingPosition("committed").getPartitionOffsets(ALL, log);
        assertThat(offsets)
                .containsExactlyInAnyOrderEntriesOf(Map.of(P0, 5L, P1, 6L, P2, 7L, P3, 8L));
        assertThat(log.beginningAskedFor).isEmpty();
    }

    @Test
    void earliestIgnoresCommittedOffsets() {
        Log log = new Log();
        log.committed.put(P0, 17L);
        Map<TopicPartition, Long> offsets =
                startingPosition("earliest").getPartitionOffsets(ALL, log);
        assertThat(offsets)
                .containsExactlyInAnyOrderEntriesOf(Map.of(P0, 0L, P1, 100L, P2, 200L, P3, 300L));
        assertThat(log.committedAskedFor).as("earliest never reads the group").isEmpty();
        assertRealOffsets(offsets);
    }

    @Test
    void latestIsTheEndOfEachPartition() {
        Log log = new Log();
        log.committed.put(P0, 17L);
        Map<TopicPartition, Long> offsets =
                startingPosition("latest").getPartitionOffsets(ALL, log);
        assertThat(offsets)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(P0, 1000L, P1, 1100L, P2, 1200L, P3, 1300L));
        assertThat(log.committedAskedFor).isEmpty();
        assertRealOffsets(offsets);
    }

    @Test
    void noPartitionsAssignedResolvesToNothing() {
        for (String spec : List.of("committed", "earliest", "latest")) {
            assertThat(startingPosition(spec).getPartitionOffsets(List.of(), new Log()))
                    .as(spec)
                    .isEmpty();
        }
    }

    @Test
    void anOffsetAgedOutOfTheLogRestartsAtTheEarliestStillThere() {
        for (String spec : List.of("committed", "earliest", "latest")) {
            assertThat(startingPosition(spec).getAutoOffsetResetStrategy())
                    .as(spec)
                    .isEqualTo(OffsetResetStrategy.EARLIEST);
        }
    }

    @Test
    void timestampAsksForTheOffsetOfThatTimeAndTheEndWhereNothingIsThatLate() {
        Log log = new Log();
        log.forTime.put(P0, new OffsetAndTimestamp(42L, 1_700_000_000_500L));
        log.forTime.put(P1, new OffsetAndTimestamp(142L, 1_700_000_000_900L));
        // P2, P3: no record at or after the time

        Map<TopicPartition, Long> offsets =
                startingPosition("timestamp:1700000000000").getPartitionOffsets(ALL, log);

        assertThat(log.timesAskedFor)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                P0, 1_700_000_000_000L,
                                P1, 1_700_000_000_000L,
                                P2, 1_700_000_000_000L,
                                P3, 1_700_000_000_000L));
        assertThat(offsets)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(P0, 42L, P1, 142L, P2, 1200L, P3, 1300L));
    }

    @Test
    void everySpecSurvivesJavaSerialization() throws Exception {
        // the initializer travels to the enumerator inside the source
        for (String spec : List.of("committed", "earliest", "latest", "timestamp:5")) {
            OffsetsInitializer copy = InstantiationUtil.clone(startingPosition(spec));
            assertThat(copy.getPartitionOffsets(List.of(P1), new Log())).as(spec).hasSize(1);
        }
    }

    @Test
    void unknownSpecsAreRefusedNamingTheSpec() {
        for (String spec :
                List.of("", "Committed", "EARLIEST", "newest", "committed ", "offset:5")) {
            assertThatThrownBy(() -> startingPosition(spec))
                    .as("'%s'", spec)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("unknown starting position " + spec);
        }
    }

    @Test
    void aTimestampThatIsNotANumberIsRefused() {
        for (String spec :
                List.of("timestamp:", "timestamp:soon", "timestamp:1.5", "timestamp: 5")) {
            assertThatThrownBy(() -> startingPosition(spec))
                    .as("'%s'", spec)
                    .isInstanceOf(NumberFormatException.class);
        }
    }

    @Test
    void aNegativeTimestampIsRefused() {
        // Kafka would read -1 as latest, -2 as earliest: never a time
        for (String spec : List.of("timestamp:-1", "timestamp:-2", "timestamp:-1790000000000")) {
            assertThatThrownBy(() -> startingPosition(spec))
                    .as(spec)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("starting position " + spec + " is before the epoch");
        }
        assertThat(startingPosition("timestamp:0").getPartitionOffsets(List.of(P0), new Log()))
                .containsExactlyEntriesOf(Map.of(P0, 1000L));
    }

    private static OffsetsInitializer startingPosition(String spec) {
        return InteractionLogSource.startingPosition(spec).initializer();
    }

    /** Real offsets, never the connector's placeholders (-1 latest, -2 earliest, -3 committed). */
    private static void assertRealOffsets(Map<TopicPartition, Long> offsets) {
        assertThat(offsets.values()).allSatisfy(o -> assertThat(o).isNotNegative());
    }

    /**
     * Four partitions: partition {@code n} begins at {@code n * 100} (retention has removed the
     * records before) and ends at {@code 1000 + n * 100}; the group's commits and the offsets for a
     * time are what the test puts in. Records what it was asked.
     */
    private static final class Log implements PartitionOffsetsRetriever {
        final Map<TopicPartition, Long> committed = new HashMap<>();
        final Map<TopicPartition, OffsetAndTimestamp> forTime = new HashMap<>();
        final List<TopicPartition> committedAskedFor = new ArrayList<>();
        final List<TopicPartition> beginningAskedFor = new ArrayList<>();
        final Map<TopicPartition, Long> timesAskedFor = new HashMap<>();

        @Override
        public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
            committedAskedFor.addAll(partitions);
            Map<TopicPartition, Long> out = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (committed.containsKey(tp)) {
                    out.put(tp, committed.get(tp));
                }
            }
            return out;
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> out = new HashMap<>();
            partitions.forEach(tp -> out.put(tp, 1000L + tp.partition() * 100L));
            return out;
        }

        @Override
        public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
            beginningAskedFor.addAll(partitions);
            Map<TopicPartition, Long> out = new HashMap<>();
            partitions.forEach(tp -> out.put(tp, tp.partition() * 100L));
            return out;
        }

        @Override
        public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                Map<TopicPartition, Long> timestampsToSearch) {
            timesAskedFor.putAll(timestampsToSearch);
            Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
            timestampsToSearch
                    .keySet()
                    .forEach(
                            tp -> {
                                if (forTime.containsKey(tp)) {
                                    out.put(tp, forTime.get(tp));
                                }
                            });
            return out;
        }
    }
}
