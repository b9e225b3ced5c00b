package dev.floodgate.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DrainProgressTest {
    private static final String PREFIX = "drain|interactions.shed|";

    private static ConsumerRecord<byte[], byte[]> mark(String key, String value, long offset) {
        return new ConsumerRecord<>(
                "progress",
                0,
                offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theLatestMarkOfEachPartitionOfTheGroupAndTopicWins() {
        Map<TopicPartition, Long> marks = new HashMap<>();
        DrainProgress.apply(
                mark(PREFIX + "0", "{\"next_offset\":10}", 0), PREFIX, "interactions.shed", marks);
        DrainProgress.apply(
                mark(PREFIX + "1", "{\"next_offset\":4}", 1), PREFIX, "interactions.shed", marks);
        DrainProgress.apply(
                mark(PREFIX + "0", "{\"next_offset\":25}", 2), PREFIX, "interactions.shed", marks);
        DrainProgress.apply(
                mark("other-group|interactions.shed|0", "{\"next_offset\":99}", 3),
                PREFIX,
                "interactions.shed",
                marks);
        DrainProgress.apply(mark(PREFIX + "1", null, 4), PREFIX, "interactions.shed", marks);
        assertThat(marks)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                new TopicPartition("interactions.shed", 0), 25L,
                                new TopicPartition("interactions.shed", 1), 4L));
    }

    @Test
    void aMarkWithoutAnOffsetIsRefusedNamingItsKey() {
        assertThatThrownBy(
                        () ->
                                DrainProgress.apply(
                                        mark(PREFIX + "0", "{}", 7),
                                        PREFIX,
                                        "interactions.shed",
                                        new HashMap<>()))
                .hasMessageContaining(PREFIX + "0")
                .hasMessageContaining("offset 7");
    }
}
