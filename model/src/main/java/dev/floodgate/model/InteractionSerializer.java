package dev.floodgate.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for {@link Interaction}, written by hand: it is on the hottest path of the
 * live job (every event crosses the {@code keyBy} shuffle, and async I/O copies every input when
 * object reuse is on), where Flink's reflective POJO serializer was a quarter of the keyed task's
 * time. Also the serializer of the ordering buffer ({@code MapState<Long, Interaction>}) and of
 * async I/O's in-flight elements in savepoints.
 *
 * <p>Format, fields in declaration order: strings as a 4-byte header and the characters in bulk
 * ({@link #writeString}: one byte per character when all are Latin-1, as the ids, topics and most
 * text are, else two; read with one bulk copy, where Flink's {@code StringValue} reads byte by byte
 * through an interface call and was a quarter of the keyed task's time with this serializer); longs
 * and ints fixed width, {@code channel} and {@code priority} as one byte each ({@link #code}: 0 is
 * null, then a fixed number per constant, never the ordinal, so reordering the enums cannot corrupt
 * state). Changing the format needs a new {@link Snapshot} version that still reads the old one.
 */
public final class InteractionSerializer extends TypeSerializerSingleton<Interaction> {
    private static final long serialVersionUID = 1L;

    public static final InteractionSerializer INSTANCE = new InteractionSerializer();

    private static final Channel[] CHANNELS = {null, Channel.VOICE, Channel.CHAT, Channel.IMAGE};
    private static final Priority[] PRIORITIES = {
        null, Priority.HIGH, Priority.NORMAL, Priority.LOW
    };

    @Override
    public boolean isImmutableType() {
        return false;
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
        out.write(in, 4 + 8);
    }

    @Override
    public TypeSerializerSnapshot<Interaction> snapshotConfiguration() {
        return new Snapshot();
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

    /** Version 1 of the format above; restoring checks that the class is the same. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Interaction> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
