package dev.floodgate.operators.ordering;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The key serializer of {@code emitted-ids}: byte for byte Flink's {@link StringSerializer} ({@link
 * StringValue#writeString}: the length plus one, then each character, each as a 7-bit varint),
 * written with one bulk write per id instead of one call per character.
 *
 * <p>Why: the heap backend's full snapshot writes every remembered id at every checkpoint, through
 * a {@code DataOutputStream} whose single-byte {@code write} is {@code synchronized}: one lock per
 * character was the largest part of the snapshot thread in the throughput benchmark's profile.
 *
 * <p>Savepoints do not change: the bytes are the same, and its snapshot is {@link
 * StringSerializer}'s own ({@link #snapshotConfiguration}), so a savepoint written with it restores
 * into a version with {@code Types.STRING} (a rollback) and the other way round; reading uses
 * {@link StringValue#readString} as {@link StringSerializer} does. Stateless: the scratch buffer is
 * per thread.
 */
public final class IdSerializer extends TypeSerializerSingleton<String> {
    private static final long serialVersionUID = 1L;

    public static final IdSerializer INSTANCE = new IdSerializer();

    private static final int HIGH_BIT = 0x80;

    /** Ids up to this many characters are encoded in the thread's scratch buffer (3 bytes each). */
    private static final int SCRATCH_CHARS = 256;

    private static final ThreadLocal<byte[]> SCRATCH =
            ThreadLocal.withInitial(() -> new byte[5 + 3 * SCRATCH_CHARS]);

    private IdSerializer() {}

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public String createInstance() {
        return "";
    }

    @Override
    public String copy(String from) {
        return from;
    }

    @Override
    public String copy(String from, String reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(String record, DataOutputView target) throws IOException {
        if (record == null) {
            target.write(0);
            return;
        }
        int chars = record.length();
        if (chars > (Integer.MAX_VALUE - 5) / 3) {
            StringValue.writeString(record, target); // too long to size a buffer for: as Flink
            return;
        }
        byte[] buf = chars <= SCRATCH_CHARS ? SCRATCH.get() : new byte[5 + 3 * chars];
        int n = 0;
        int len = chars + 1; // 0 is null
        while (len >= HIGH_BIT) {
            buf[n++] = (byte) (len | HIGH_BIT);
            len >>>= 7;
        }
        buf[n++] = (byte) len;
        for (int i = 0; i < chars; i++) {
            int c = record.charAt(i);
            while (c >= HIGH_BIT) {
                buf[n++] = (byte) (c | HIGH_BIT);
                c >>>= 7;
            }
            buf[n++] = (byte) c;
        }
        target.write(buf, 0, n);
    }

    @Override
    public String deserialize(DataInputView source) throws IOException {
        return StringValue.readString(source);
    }

    @Override
    public String deserialize(String reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        StringValue.copyString(source, target);
    }

    /**
     * {@link StringSerializer}'s snapshot: the same bytes, so either serializer reads state the
     * other wrote, and a savepoint names the serializer every version knows.
     */
    @Override
    public TypeSerializerSnapshot<String> snapshotConfiguration() {
        return new StringSerializer.StringSerializerSnapshot();
    }
}
