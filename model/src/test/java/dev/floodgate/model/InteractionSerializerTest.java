package dev.floodgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Flink's own serializer contract checks (copy, serialize alone and in sequence, reuse, snapshot
 * and restore, duplicate) on {@link InteractionSerializer}, plus what is specific to it: every
 * field of {@link Interaction} is carried, nulls and unusual strings survive, and the type is found
 * through the class's annotation.
 */
class InteractionSerializerTest extends SerializerTestBase<Interaction> {

    @Override
    protected TypeSerializer<Interaction> createSerializer() {
        return InteractionSerializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<Interaction> getTypeClass() {
        return Interaction.class;
    }

    @Override
    protected Interaction[] getTestData() {
        Interaction full = event("c-1", 7, Channel.VOICE, Priority.HIGH);
        full.uri = "s3://calls/c-1/7.wav";
        full.body = null;
        Interaction empty = new Interaction();
        Interaction odd = event("c-ü-\u4e16", Interaction.NO_SEQ, Channel.IMAGE, Priority.LOW);
        odd.body = "emoji \uD83D\uDE00, a lone surrogate \uD800, quotes \" and a NUL \u0000";
        odd.sourcePartition = Integer.MAX_VALUE;
        odd.sourceOffset = Long.MAX_VALUE;
        odd.occurredAt = Long.MIN_VALUE;
        Interaction big = event("c-2", Long.MAX_VALUE, Channel.CHAT, Priority.NORMAL);
        big.body = "x".repeat(100_000);
        big.eventId = "caf\u00e9-\u00fc-\u00df"; // Latin-1, not ASCII: one byte per character
        return new Interaction[] {
            full, empty, odd, big, event("c-3", 1, Channel.CHAT, Priority.NORMAL)
        };
    }

    private static Interaction event(
            String customer, long seq, Channel channel, Priority priority) {
        Interaction in = new Interaction();
        in.eventId = "e-" + customer + "-" + seq;
        in.customerId = customer;
        in.seq = seq;
        in.channel = channel;
        in.priority = priority;
        in.occurredAt = 1_700_000_000_000L;
        in.body = "hello";
        in.logTimestamp = 1_700_000_000_123L;
        in.sourceTopic = "interactions";
        in.sourcePartition = 3;
        in.sourceOffset = 42;
        return in;
    }

    @Test
    void carriesEveryFieldOfInteraction() throws Exception {
        // A field added to Interaction but not to the serializer would silently vanish at the first
        // shuffle.
        Field[] fields =
                Arrays.stream(Interaction.class.getDeclaredFields())
                        .filter(f -> !Modifier.isStatic(f.getModifiers()))
                        .toArray(Field[]::new);
        assertThat(fields).hasSize(12);
        for (Interaction in : getTestData()) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            InteractionSerializer.INSTANCE.serialize(in, out);
            Interaction back =
                    InteractionSerializer.INSTANCE.deserialize(
                            new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
            for (Field f : fields) {
                assertThat(f.get(back)).as(f.getName()).isEqualTo(f.get(in));
            }
        }
    }

    @Test
    void enumCodesAreFixedNotOrdinals() {
        // The codes are the serialized form in savepoints: they may be appended to, never
        // renumbered.
        assertThat(
                        InteractionSerializer.code(
                                new Channel[] {null, Channel.VOICE, Channel.CHAT, Channel.IMAGE},
                                Channel.IMAGE))
                .isEqualTo(3);
        Interaction in = event("c", 1, Channel.IMAGE, Priority.LOW);
        DataOutputSerializer out = new DataOutputSerializer(64);
        try {
            InteractionSerializer.INSTANCE.serialize(in, out);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        byte[] bytes = out.getCopyOfBuffer();
        int enums =
                (4 + "e-c-1".length())
                        + (4 + "c".length())
                        + 8; // two strings (header, chars), then seq
        assertThat(bytes[enums]).isEqualTo((byte) 3);
        assertThat(bytes[enums + 1]).isEqualTo((byte) 3);
    }

    @Test
    void isTheTypeFlinkFindsForInteraction() {
        assertThat(TypeInformation.of(Interaction.class)).isEqualTo(InteractionTypeInfo.INSTANCE);
        assertThat(
                        TypeInformation.of(Interaction.class)
                                .createSerializer(
                                        new org.apache.flink.api.common.serialization
                                                .SerializerConfigImpl()))
                .isSameAs(InteractionSerializer.INSTANCE);
    }

    @Test
    void restoresFromItsOwnSnapshotAsIs() throws Exception {
        TypeSerializerSnapshot<Interaction> snapshot =
                InteractionSerializer.INSTANCE.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<Interaction> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader());
        TypeSerializerSchemaCompatibility<Interaction> compatibility =
                InteractionSerializer.INSTANCE
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(restored);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }
}
