package dev.floodgate.operators.ordering;

import dev.floodgate.model.Interaction;
import java.time.Duration;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The keyed state of {@link OrderPerCustomer} (uid {@code order-per-customer}, key {@code
 * CustomerKey.INSTANCE}). The live job, the backfill job and State Processor API tools must build
 * their descriptors here, with the same TTL ({@link OrderingConfig#stateTtl()}): a TTL descriptor's
 * serializer differs from a plain one. Each call returns a new descriptor (descriptors are mutable;
 * never share one).
 *
 * <p>{@code next-seq}, read and written for every event, has no TTL: it carries its own last-write
 * time and the operator's idle timer (one processing-time timer per customer, registered once and
 * moved only when it fires) clears it, and {@code skipped}, {@code stateTtl} after its last write.
 * A TTL on it cost a quarter of the keyed task's time in the throughput benchmark (a wrapper per
 * value, a clock read per access, and an incremental cleanup step on every read and every write).
 * The rarely touched {@code recent-ids} and {@code skipped} keep a TTL (they exist without {@code
 * next-seq} for customers that send no seq). {@code buffer} and {@code gap-wait} have none on
 * purpose: they are cleared by the operator whenever the buffer empties, a timer guarantees that it
 * does, and a TTL could silently drop a held event.
 */
public final class OrderingState {
    /**
     * {@code ValueState<long[]>}: {@code [next expected seq, last written at (processing time),
     * gap-wait flag, ...]}, the rest laid out in {@link SeqCursor} (what the operator knows about
     * emitted seqs; older versions wrote two or three elements, which still decode). The only state
     * of an idle customer. No TTL: the idle timer clears it. The flag is 1 while {@code gap-wait}
     * exists and 0 while it does not; only a 0 lets the operator skip reading {@code gap-wait}. A
     * two-element cursor, written before the flag existed, says nothing about {@code gap-wait}: it
     * is read, and the next write adds the flag. So savepoints of either length restore; the
     * descriptor and its type must stay as they are, and readers must accept both lengths. A
     * version without the flag starts gap waits without setting it: after running one on state
     * written by a version with it, move forward again only from a drained stop ({@code flink stop
     * --drain}).
     */
    public static final String NEXT_SEQ = "next-seq";

    /**
     * {@code MapState<Long, Interaction>}: early events by seq; empty unless a gap is awaited. No
     * TTL.
     */
    public static final String BUFFER = "buffer";

    /**
     * {@code ValueState<GapWait>}: wait start and buffer size; present only while the buffer is
     * non-empty. No TTL.
     */
    public static final String GAP_WAIT = "gap-wait";

    /**
     * {@code ValueState<long[]>}: 64-bit hashes of recent event ids of events without seq, oldest
     * first.
     */
    public static final String RECENT_IDS = "recent-ids";

    /**
     * {@code ValueState<long[]>}: recently skipped seq ranges, {@code [from, to]} pairs, oldest
     * first.
     */
    public static final String SKIPPED = "skipped";

    private OrderingState() {}

    /**
     * Processing-time TTL, refreshed on write; expired state is never returned. Expired entries are
     * dropped from full snapshots and savepoints, by RocksDB compactions, and on the heap backend
     * incrementally: one entry is checked per state access (Flink's default of 5 made the TTL scan
     * most of the operator's CPU time on heap).
     */
    public static StateTtlConfig ttl(Duration stateTtl) {
        return StateTtlConfig.newBuilder(stateTtl)
                .useProcessingTime()
                .updateTtlOnCreateAndWrite()
                .neverReturnExpired()
                .cleanupFullSnapshot()
                .cleanupIncrementally(1, false)
                .cleanupInRocksdbCompactFilter(1_000)
                .build();
    }

    public static ValueStateDescriptor<long[]> nextSeq() {
        return new ValueStateDescriptor<>(
                NEXT_SEQ, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    public static MapStateDescriptor<Long, Interaction> buffer() {
        return new MapStateDescriptor<>(BUFFER, Types.LONG, TypeInformation.of(Interaction.class));
    }

    public static ValueStateDescriptor<GapWait> gapWait() {
        return new ValueStateDescriptor<>(GAP_WAIT, TypeInformation.of(GapWait.class));
    }

    public static ValueStateDescriptor<long[]> recentIds(Duration stateTtl) {
        return withTtl(
                new ValueStateDescriptor<>(
                        RECENT_IDS, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO),
                stateTtl);
    }

    public static ValueStateDescriptor<long[]> skipped(Duration stateTtl) {
        return withTtl(
                new ValueStateDescriptor<>(
                        SKIPPED, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO),
                stateTtl);
    }

    private static <T> ValueStateDescriptor<T> withTtl(
            ValueStateDescriptor<T> d, Duration stateTtl) {
        d.enableTimeToLive(ttl(stateTtl));
        return d;
    }
}
