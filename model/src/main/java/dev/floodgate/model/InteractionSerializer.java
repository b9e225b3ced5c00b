package dev.floodgate.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for {@link Interaction}, written by hand: it is on the hottest path of the
 * live job (every event crosses the {@code keyBy} shuffle, and async I/O copies every input when
 * object reuse is on), where Flink's reflective POJO serializer was a quarter of the keyed task's
 * time. Also the serializer of the ordering buffer ({@code MapState<Long, Interaction>}) and of
 * async I/O's in-flight elements in savepoints.
 *
 * <p>Format 2 (the current one), fields in declaration order but {@code seqEpoch}, which is last:
 * strings as a 4-byte header and the characters in bulk ({@link #writeString}: one byte per
 * character when all are Latin-1, as the ids, topics and most text are, else two; read with one
 * bulk copy, where Flink's {@code StringValue} reads byte by byte through an interface call and was
 * a quarter of the keyed task's time with this serializer); longs and ints fixed width, {@code
 * channel} and {@code priority} as one byte each ({@link #code}: 0 is null, then a fixed number per
 * constant, never the ordinal, so reordering the enums cannot corrupt state). Format 1 is the same
 * without the trailing {@code seqEpoch}: state written by it is read by the serializer its {@link
 * Snapshot} restores ({@link #formatOne}), and Flink migrates it to format 2. Changing the format
 * needs a new {@link Snapshot} version that still reads the old ones.
 */
public final class InteractionSerializer extends TypeSerializer<Interaction> {
    private static final long serialVersionUID = 1L;

    /** The current format, 2: what every stream and state of interactions is written with. */
    public static final InteractionSerializer INSTANCE = new InteractionSerializer(false);

    /** Format 1, without {@code seqEpoch}: only to read state written before it was added. */
    private static final InteractionSerializer FORMAT_ONE = new InteractionSerializer(true);

    private static final Channel[] CHANNELS = {null, Channel.VOICE, Channel.CHAT, Channel.IMAGE};
    private static final Priority[] PRIORITIES = {
        null, Priority.HIGH, Priority.NORMAL, Priority.LOW
    };

    /**
     * Format 1 (no trailing {@code seqEpoch}) when true. False, the current format, is also what an
     * instance Java-serialized by the code before this field reads as.
     */
    private final boolean formatOne;

    private InteractionSerializer(boolean formatOne) {
        this.formatOne = formatOne;
    }

    /** Java deserialization (a job graph) keeps the two instances the only ones. */
    private Object readResolve() {
        return formatOne ? FORMAT_ONE : INSTANCE;
    }

    /** The serializer of format 1, which {@link Snapshot} restores for state written by it. */
    static InteractionSerializer formatOne() {
        return FORMAT_ONE;
    }

    /** 1 or 2. */
    int format() {
        return formatOne ? 1 : 2;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    /** Stateless, so one instance serves every thread. */
    @Override
    public InteractionSerializer duplicate() {
        return this;
    }

    @Override
    public Interaction createInstance() {
        return new Interaction();
    }

    /** Field by field; the strings are shared, which is safe because strings are immutable. */
    @Override
    public Interaction copy(Interaction from) {
        return from.copy();
    }

    @Override
    public Interaction copy(Interaction from, Interaction reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(Interaction r, DataOutputView out) throws IOException {
        writeString(r.eventId, out);
        writeString(r.customerId, out);
        out.writeLong(r.seq);
        out.writeByte(code(CHANNELS, r.channel));
        out.writeByte(code(PRIORITIES, r.priority));
        out.writeLong(r.occurredAt);
        writeString(r.body, out);
        writeString(r.uri, out);
        out.writeLong(r.logTimestamp);
        writeString(r.sourceTopic, out);
        out.writeInt(r.sourcePartition);
        out.writeLong(r.sourceOffset);
        if (!formatOne) {
            out.writeLong(r.seqEpoch);
        }
    }

    @Override
    public Interaction deserialize(DataInputView in) throws IOException {
        return deserialize(new Interaction(), in);
    }

    @Override
    public Interaction deserialize(Interaction r, DataInputView in) throws IOException {
        r.eventId = readString(in);
        r.customerId = readString(in);
        r.seq = in.readLong();
        r.channel = decode(CHANNELS, in.readByte());
        r.priority = decode(PRIORITIES, in.readByte());
        r.occurredAt = in.readLong();
        r.body = readString(in);
        r.uri = readString(in);
        r.logTimestamp = in.readLong();
        r.sourceTopic = readString(in);
        r.sourcePartition = in.readInt();
        r.sourceOffset = in.readLong();
        r.seqEpoch = formatOne ? Interaction.NO_EPOCH : in.readLong();
        return r;
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        copyString(in, out);
        copyString(in, out);
        out.write(in, 8 + 1 + 1 + 8);
        copyString(in, out);
        copyString(in, out);
        out.write(in, 8);
        copyString(in, out);
        out.write(in, formatOne ? 4 + 8 : 4 + 8 + 8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InteractionSerializer
                && ((InteractionSerializer) o).formatOne == formatOne;
    }

    @Override
    public int hashCode() {
        return 31 * InteractionSerializer.class.hashCode() + format();
    }

    @Override
    public String toString() {
        return "InteractionSerializer(format " + format() + ")";
    }

    @Override
    public TypeSerializerSnapshot<Interaction> snapshotConfiguration() {
        return new Snapshot(formatOne ? Snapshot.VERSION_FORMAT_1 : Snapshot.VERSION_FORMAT_2);
    }

    /**
     * Header: -1 for null, else {@code length << 1 | wide}; then the characters, 1 or 2 bytes each.
     */
    static void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        int n = s.length();
        boolean latin1 = true;
        for (int i = 0; i < n && latin1; i++) {
            latin1 = s.charAt(i) <= 0xff;
        }
        out.writeInt(n << 1 | (latin1 ? 0 : 1));
        // not out.writeBytes/writeChars: Flink 2.2's DataOutputSerializer.writeBytes(String)
        // advances its
        // position twice (it calls writeByte, which advances, then adds the length again)
        if (latin1) {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            return;
        }
        byte[] bytes = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            bytes[2 * i] = (byte) (c >>> 8);
            bytes[2 * i + 1] = (byte) c;
        }
        out.write(bytes);
    }

    static String readString(DataInputView in) throws IOException {
        int header = in.readInt();
        if (header == -1) {
            return null;
        }
        int n = header >>> 1;
        if ((header & 1) == 0) {
            byte[] bytes = new byte[n];
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        byte[] bytes = new byte[2 * n];
        in.readFully(bytes);
        char[] chars = new char[n];
        for (int i = 0; i < n; i++) {
            chars[i] = (char) ((bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff);
        }
        return new String(chars);
    }

    private static void copyString(DataInputView in, DataOutputView out) throws IOException {
        int header = in.readInt();
        out.writeInt(header);
        if (header != -1) {
            out.write(in, (header >>> 1) << (header & 1));
        }
    }

    static <E> int code(E[] codes, E value) {
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException("no serialization code for " + value);
    }

    static <E> E decode(E[] codes, byte code) throws IOException {
        if (code < 0 || code >= codes.length) {
            throw new IOException("corrupt Interaction: unknown code " + code);
        }
        return codes[code];
    }

    /**
     * The serializer's configuration in a checkpoint or savepoint: its format, told by the snapshot
     * version alone (no payload).
     *
     * <ul>
     *   <li>{@link #VERSION_FORMAT_1} (3): format 1, without {@code seqEpoch}. Written by the code
     *       before it, whose {@code Snapshot} of the same name was a {@code
     *       SimpleTypeSerializerSnapshot}: Flink 2.2's writes version 3 and no payload.
     *   <li>{@link #VERSION_FORMAT_2} (4): format 2, the current one.
     * </ul>
     *
     * The class name is in every savepoint with interactions in state: it never changes.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<Interaction> {
        /** Format 1: what {@code SimpleTypeSerializerSnapshot} wrote (version 3, no payload). */
        public static final int VERSION_FORMAT_1 = 3;

        /** Format 2, with the trailing {@code seqEpoch}: the current version. */
        public static final int VERSION_FORMAT_2 = 4;

        private int version;

        /** For Flink, which instantiates it by name and then calls {@link #readSnapshot}. */
        public Snapshot() {
            this(VERSION_FORMAT_2);
        }

        Snapshot(int version) {
            this.version = version;
        }

        /** The version of the format this snapshot describes: a format 1 serializer's stays 3. */
        @Override
        public int getCurrentVersion() {
            return version;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {}

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
                throws IOException {
            if (readVersion != VERSION_FORMAT_1 && readVersion != VERSION_FORMAT_2) {
                throw new IOException(
                        "unknown InteractionSerializer snapshot version "
                                + readVersion
                                + "; this code reads versions "
                                + VERSION_FORMAT_1
                                + " (format 1) and "
                                + VERSION_FORMAT_2
                                + " (format 2)");
            }
            version = readVersion;
        }

        /** The serializer of the format that was written. */
        @Override
        public TypeSerializer<Interaction> restoreSerializer() {
            return version == VERSION_FORMAT_1 ? FORMAT_ONE : INSTANCE;
        }

        /**
         * Called on the new serializer's snapshot with the one in the savepoint: the same format is
         * compatible as is, an older one after migration (Flink reads the state with the old
         * format's serializer and writes it with the new one), anything else is incompatible.
         */
        @Override
        public TypeSerializerSchemaCompatibility<Interaction> resolveSchemaCompatibility(
                TypeSerializerSnapshot<Interaction> oldSnapshot) {
            if (!(oldSnapshot instanceof Snapshot)) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            int old = ((Snapshot) oldSnapshot).version;
            if (old == version) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            return old < version
                    ? TypeSerializerSchemaCompatibility.compatibleAfterMigration()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot && ((Snapshot) o).version == version;
        }

        @Override
        public int hashCode() {
            return version;
        }

        @Override
        public String toString() {
            return "InteractionSerializer.Snapshot(version " + version + ")";
        }
    }
}
