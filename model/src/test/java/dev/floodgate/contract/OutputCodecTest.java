package dev.floodgate.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * A result's exact bytes: pinned for two records (as the writer wrote them before its fast paths),
 * and for any record the same as the writer's general path writes, one result after another through
 * the reused writer.
 */
class OutputCodecTest {

    @Test
    void writesTheSameBytesAsBefore() {
        ProcessedEvent p = event();
        assertThat(latin1(OutputCodec.write(p)))
                .isEqualTo(
                        "{\"event_id\":\"ba419d35-0dfe-8af7-aee7-bbe10c45c028\","
                                + "\"customer_id\":\"cust-069970\",\"seq\":87526,\"channel\":\"image\",\"priority\":\"low\","
                                + "\"lane\":\"backfill\",\"occurred_at\":\"2026-11-23T09:19:59.030Z\","
                                + "\"logged_at\":\"2026-11-23T09:19:59Z\",\"processed_at\":\"2026-11-23T09:20:01.123Z\","
                                + "\"age_ms\":2123,\"processor\":\"passthrough-v2\",\"result\":\"say \\\"hi\\\"\\\\ \\u0000\\u001f"
                                + "\u007f\\n\\t? caf\u00c3\u00a9 \u00e4\u00b8\u0096 \u00f0\u009f\u0098\u0080 \\ud800?\","
                                + "\"source_partition\":11,\"source_offset\":819572292}");

        p.seq = Interaction.NO_SEQ;
        p.result = null;
        p.eventId = "e";
        p.channel = Channel.VOICE;
        p.priority = Priority.NORMAL;
        p.lane = Lane.LIVE;
        p.occurredAt = -62_167_219_200_001L;
        p.logTimestamp = 0;
        p.processedAt = 253_402_300_800_000L;
        assertThat(latin1(OutputCodec.write(p)))
                .isEqualTo(
                        "{\"event_id\":\"e\",\"customer_id\":\"cust-069970\","
                                + "\"channel\":\"voice\",\"priority\":\"normal\",\"lane\":\"live\","
                                + "\"occurred_at\":\"-0001-12-31T23:59:59.999Z\",\"logged_at\":\"1970-01-01T00:00:00Z\","
                                + "\"processed_at\":\"+10000-01-01T00:00:00Z\",\"age_ms\":253402300800000,"
                                + "\"processor\":\"passthrough-v2\",\"result\":null,\"source_partition\":11,"
                                + "\"source_offset\":819572292}");
    }

    @Test
    void writesSeqEpochAfterSeqWhenPresent() throws Exception {
        ProcessedEvent p = event();
        p.seqEpoch = 3;
        String json = latin1(OutputCodec.write(p));
        assertThat(json)
                .startsWith(
                        "{\"event_id\":\"ba419d35-0dfe-8af7-aee7-bbe10c45c028\","
                                + "\"customer_id\":\"cust-069970\",\"seq\":87526,\"seq_epoch\":3,"
                                + "\"channel\":\"image\",");
        assertThat(json).isEqualTo(latin1(generalPath(p)));
        assertThat(OutputCodec.readProcessed(OutputCodec.write(p)).seqEpoch).isEqualTo(3L);

        p.seq = Interaction.NO_SEQ;
        assertThat(latin1(OutputCodec.write(p)))
                .contains("\"customer_id\":\"cust-069970\",\"seq_epoch\":3,\"channel\"");

        p.seqEpoch = Interaction.NO_EPOCH;
        assertThat(latin1(OutputCodec.write(p))).doesNotContain("seq_epoch");
        assertThat(OutputCodec.readProcessed(OutputCodec.write(p)).seqEpoch)
                .isEqualTo(Interaction.NO_EPOCH);
    }

    @Test
    void aResultCarriesTheEventsSeqEpoch() {
        Interaction in = new Interaction();
        in.eventId = "e";
        in.customerId = "c";
        in.seq = 1;
        in.seqEpoch = 2;
        in.channel = Channel.CHAT;
        in.priority = Priority.HIGH;
        assertThat(ProcessedEvent.of(in, Lane.LIVE, "r", "p", 0L).seqEpoch).isEqualTo(2L);
    }

    @Property(tries = 1000)
    void writesWhatTheGeneralPathWrites(
            @ForAll String result,
            @ForAll String id,
            @ForAll long seq,
            @ForAll @LongRange(min = 0, max = 5) long seqEpoch,
            @ForAll @LongRange(min = -62_167_219_300_000L, max = 253_402_300_900_000L) long at) {
        ProcessedEvent p = event();
        p.result = result;
        p.eventId = id;
        p.customerId = id.isEmpty() ? null : "c-" + id;
        p.seq = seq;
        p.seqEpoch = seqEpoch;
        p.channel = Channel.values()[(int) Math.floorMod(seq, 3L)];
        p.occurredAt = at;
        p.logTimestamp = at / 1000 * 1000;
        p.processedAt = at + 1;
        byte[] first = OutputCodec.write(p);
        assertThat(first).isEqualTo(generalPath(p));
        assertThat(OutputCodec.write(event())).isEqualTo(generalPath(event()));
        assertThat(first).isEqualTo(generalPath(p));
    }

    /**
     * What {@link OutputCodec#write(ProcessedEvent)} wrote before the fast paths, with the writer's
     * general one.
     */
    private static byte[] generalPath(ProcessedEvent p) {
        JsonWriter g =
                new JsonWriter(16)
                        .fieldByChars(new JsonWriter.Name("event_id"), p.eventId)
                        .fieldByChars(new JsonWriter.Name("customer_id"), p.customerId);
        if (p.seq != Interaction.NO_SEQ) {
            g.field("seq", p.seq);
        }
        if (p.seqEpoch != Interaction.NO_EPOCH) {
            g.field("seq_epoch", p.seqEpoch);
        }
        return g.fieldByChars(new JsonWriter.Name("channel"), p.channel.wireName())
                .fieldByChars(new JsonWriter.Name("priority"), p.priority.wireName())
                .fieldByChars(new JsonWriter.Name("lane"), p.lane.wireName())
                .fieldByChars(
                        new JsonWriter.Name("occurred_at"),
                        Instant.ofEpochMilli(p.occurredAt).toString())
                .fieldByChars(
                        new JsonWriter.Name("logged_at"),
                        Instant.ofEpochMilli(p.logTimestamp).toString())
                .fieldByChars(
                        new JsonWriter.Name("processed_at"),
                        Instant.ofEpochMilli(p.processedAt).toString())
                .field("age_ms", p.ageMillis())
                .fieldByChars(new JsonWriter.Name("processor"), p.processor)
                .fieldByChars(new JsonWriter.Name("result"), p.result)
                .field("source_partition", p.sourcePartition)
                .field("source_offset", p.sourceOffset)
                .toBytes();
    }

    private static ProcessedEvent event() {
        ProcessedEvent p = new ProcessedEvent();
        p.eventId = "ba419d35-0dfe-8af7-aee7-bbe10c45c028";
        p.customerId = "cust-069970";
        p.seq = 87526;
        p.channel = Channel.IMAGE;
        p.priority = Priority.LOW;
        p.lane = Lane.BACKFILL;
        p.occurredAt = 1_795_425_599_030L;
        p.logTimestamp = 1_795_425_599_000L;
        p.processedAt = 1_795_425_601_123L;
        p.processor = "passthrough-v2";
        p.result = "say \"hi\"\\ \u0000\u001f\u007f\n\t? caf\u00e9 \u4e16 \uD83D\uDE00 \uD800?";
        p.sourcePartition = 11;
        p.sourceOffset = 819_572_292L;
        return p;
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
