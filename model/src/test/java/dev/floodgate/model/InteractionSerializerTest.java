package dev.floodgate.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * Flink's own serializer contract checks (copy, serialize alone and in sequence, reuse, snapshot
 * and restore, duplicate) on {@link InteractionSerializer}, plus what is specific to it: every
 * field of {@link Interaction} is carried, nulls and unusual strings survive, the type is found
 * through the class's annotation, and state written in format 1 (before {@code seqEpoch}, with a
 * {@code SimpleTypeSerializerSnapshot}) is restored and migrated.
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
        full.seqEpoch = 3;
        Interaction empty = new Interaction();
        Interaction odd = event("c-ü-\u4e16", Interaction.NO_SEQ, Channel.IMAGE, Priority.LOW);
        odd.body = "emoji \uD83D\uDE00, a lone surrogate \uD800, quotes \" and a NUL \u0000";
        odd.sourcePartition = Integer.MAX_VALUE;
        odd.sourceOffset = Long.MAX_VALUE;
        odd.occurredAt = Long.MIN_VALUE;
        Interaction big = event("c-2", Long.MAX_VALUE, Channel.CHAT, Priority.NORMAL);
        big.body = "x".repeat(100_000);
        big.eventId = "caf\u00e9-\u00fc-\u00df"; // Latin-1, not ASCII: one byte per character
        big.seqEpoch = Long.MAX_VALUE;
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
        assertThat(fields).hasSize(13);
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

    @Test
    void snapshotVersions() {
        assertThat(InteractionSerializer.INSTANCE.snapshotConfiguration().getCurrentVersion())
                .isEqualTo(InteractionSerializer.Snapshot.VERSION_FORMAT_2)
                .isEqualTo(4);
        assertThat(InteractionSerializer.formatOne().snapshotConfiguration().getCurrentVersion())
                .isEqualTo(InteractionSerializer.Snapshot.VERSION_FORMAT_1)
                .isEqualTo(3);
        assertThat(InteractionSerializer.INSTANCE).isNotEqualTo(InteractionSerializer.formatOne());
    }

    /**
     * The bytes of a savepoint's snapshot of the code before format 2: its {@code Snapshot} was a
     * {@code SimpleTypeSerializerSnapshot}, which {@link
     * TypeSerializerSnapshot#writeVersionedSnapshot} wrote as the class name, its version and its
     * payload. Flink's own class gives the version and the payload here.
     */
    static byte[] formatOneSnapshotBytes() throws IOException {
        SimpleTypeSerializerSnapshot<Interaction> old =
                new SimpleTypeSerializerSnapshot<Interaction>(InteractionSerializer::formatOne) {};
        assertThat(old.getCurrentVersion()).isEqualTo(3);
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(InteractionSerializer.Snapshot.class.getName());
        out.writeInt(old.getCurrentVersion());
        int before = out.length();
        old.writeSnapshot(out);
        assertThat(out.length()).as("no payload").isEqualTo(before);
        return out.getCopyOfBuffer();
    }

    private static TypeSerializerSnapshot<Interaction> readSnapshot(byte[] bytes)
            throws IOException {
        return TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(bytes), InteractionSerializerTest.class.getClassLoader());
    }

    private static byte[] writeSnapshot(TypeSerializerSnapshot<Interaction> snapshot)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        return out.getCopyOfBuffer();
    }

    private static byte[] bytes(TypeSerializer<Interaction> serializer, Interaction... events)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (Interaction in : events) {
            serializer.serialize(in, out);
        }
        return out.getCopyOfBuffer();
    }

    @Test
    void formatOneIsTheOldFormatAndItsSnapshotTheOldBytes() throws Exception {
        // the old snapshot, byte for byte
        assertThat(writeSnapshot(InteractionSerializer.formatOne().snapshotConfiguration()))
                .isEqualTo(formatOneSnapshotBytes());
        // format 1 is format 2 without the trailing seqEpoch
        Interaction in = getTestData()[0];
        byte[] two = bytes(InteractionSerializer.INSTANCE, in);
        byte[] one = bytes(InteractionSerializer.formatOne(), in);
        assertThat(one).isEqualTo(Arrays.copyOf(two, two.length - 8));
    }

    @Test
    void stateWrittenInFormatOneIsReadByTheRestoreSerializerOfItsSnapshot() throws Exception {
        TypeSerializerSnapshot<Interaction> old = readSnapshot(formatOneSnapshotBytes());
        assertThat(old).isInstanceOf(InteractionSerializer.Snapshot.class);
        assertThat(old.getCurrentVersion()).isEqualTo(3);
        TypeSerializer<Interaction> restore = old.restoreSerializer();
        assertThat(restore).isEqualTo(InteractionSerializer.formatOne());

        Interaction[] events = getTestData();
        byte[] state = bytes(InteractionSerializer.formatOne(), events);
        DataInputDeserializer in = new DataInputDeserializer(state);
        for (Interaction expected : events) {
            Interaction back = restore.deserialize(in);
            Interaction withoutEpoch = expected.copy();
            withoutEpoch.seqEpoch = Interaction.NO_EPOCH;
            assertThat(back).isEqualTo(withoutEpoch);
            assertThat(back.hasSeqEpoch()).isFalse();
        }
        assertThat(in.available()).isZero();

        // byte copies of format 1 (Flink's copy between views) stay format 1
        DataInputDeserializer from = new DataInputDeserializer(state);
        // (sized: DataOutputSerializer does not grow for a copy from a view)
        DataOutputSerializer copied = new DataOutputSerializer(state.length);
        for (int i = 0; i < events.length; i++) {
            restore.copy(from, copied);
        }
        assertThat(copied.getCopyOfBuffer()).isEqualTo(state);
    }

    @Test
    void anOldSnapshotIsCompatibleAfterMigration() throws Exception {
        TypeSerializerSnapshot<Interaction> old = readSnapshot(formatOneSnapshotBytes());
        TypeSerializerSchemaCompatibility<Interaction> compatibility =
                InteractionSerializer.INSTANCE
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(old);
        assertThat(compatibility.isCompatibleAfterMigration()).isTrue();

        // the migration: Flink reads with the old snapshot's serializer, writes with the new one
        Interaction[] events = getTestData();
        DataInputDeserializer oldState =
                new DataInputDeserializer(bytes(InteractionSerializer.formatOne(), events));
        DataOutputSerializer migrated = new DataOutputSerializer(64);
        for (int i = 0; i < events.length; i++) {
            InteractionSerializer.INSTANCE.serialize(
                    old.restoreSerializer().deserialize(oldState), migrated);
        }
        DataInputDeserializer newState = new DataInputDeserializer(migrated.getCopyOfBuffer());
        for (Interaction expected : events) {
            Interaction back = InteractionSerializer.INSTANCE.deserialize(newState);
            assertThat(back.eventId).isEqualTo(expected.eventId);
            assertThat(back.seqEpoch).isEqualTo(Interaction.NO_EPOCH);
        }
    }

    @Test
    void aNewSnapshotRestoresTheCurrentFormatAsIs() throws Exception {
        TypeSerializerSnapshot<Interaction> restored =
                readSnapshot(writeSnapshot(InteractionSerializer.INSTANCE.snapshotConfiguration()));
        assertThat(restored.getCurrentVersion()).isEqualTo(4);
        assertThat(restored.restoreSerializer()).isSameAs(InteractionSerializer.INSTANCE);
        assertThat(
                        InteractionSerializer.INSTANCE
                                .snapshotConfiguration()
                                .resolveSchemaCompatibility(restored)
                                .isCompatibleAsIs())
                .isTrue();

        Interaction[] events = getTestData();
        DataInputDeserializer in =
                new DataInputDeserializer(bytes(InteractionSerializer.INSTANCE, events));
        for (Interaction expected : events) {
            assertThat(restored.restoreSerializer().deserialize(in)).isEqualTo(expected);
        }
        // a newer format than the code knows cannot be read by format 1
        assertThat(
                        InteractionSerializer.formatOne()
                                .snapshotConfiguration()
                                .resolveSchemaCompatibility(restored)
                                .isIncompatible())
                .isTrue();
    }

    @Test
    void anUnknownSnapshotVersionFailsNamingIt() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(InteractionSerializer.Snapshot.class.getName());
        out.writeInt(5);
        assertThatThrownBy(() -> readSnapshot(out.getCopyOfBuffer()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 5");
    }

    @Test
    void javaSerializationKeepsTheFormat() throws Exception {
        for (InteractionSerializer s :
                new InteractionSerializer[] {
                    InteractionSerializer.INSTANCE, InteractionSerializer.formatOne()
                }) {
            assertThat(InstantiationUtil.clone(s)).isSameAs(s);
        }
    }
}
