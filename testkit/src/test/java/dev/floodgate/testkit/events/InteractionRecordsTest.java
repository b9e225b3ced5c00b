package dev.floodgate.testkit.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.InvalidRecordException;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The records the tests and the demo send are what they say they are. */
class InteractionRecordsTest {
    private static final int MAX = 4096;

    private static RawRecord raw(ProducerRecord<byte[], byte[]> r) {
        return new RawRecord(r.key(), r.value(), r.topic(), 0, 7L, 1_700_000_000_000L);
    }

    @Test
    void everyPoisonKindIsADeadLetterOfThatReason() {
        for (DeadLetterReason kind : DeadLetterReason.values()) {
            if (kind == DeadLetterReason.PROCESSING_FAILED) {
                continue; // only the processing service causes it
            }
            try {
                InteractionCodec.parse(raw(InteractionRecords.poison("t", kind, 3, MAX)), MAX);
                throw new AssertionError("the poison record of " + kind + " was read");
            } catch (InvalidRecordException e) {
                assertThat(e.reason()).as(e.getMessage()).isEqualTo(kind);
            }
        }
    }

    @Test
    void anEventWithASeqEpochIsWrittenWithIt() throws Exception {
        Interaction in =
                InteractionRecords.withSeqEpoch(
                        InteractionRecords.event("c-1", 1, Channel.CHAT, Priority.HIGH, 0L), 2);
        ProducerRecord<byte[], byte[]> r = InteractionRecords.record("t", in);
        assertThat(new String(r.value(), StandardCharsets.UTF_8))
                .contains("\"seq\":1,\"seq_epoch\":2,");
        Interaction back = InteractionCodec.parse(raw(r), MAX);
        assertThat(back.seqEpoch).isEqualTo(2L);
        assertThat(back.seq).isEqualTo(1L);

        Interaction plain = InteractionRecords.event("c-1", 1, Channel.CHAT, Priority.HIGH, 0L);
        assertThat(plain.hasSeqEpoch()).isFalse();
        assertThat(
                        new String(
                                InteractionRecords.record("t", plain).value(),
                                StandardCharsets.UTF_8))
                .doesNotContain("seq_epoch");
    }
}
