package dev.floodgate.operators.ordering;

import dev.floodgate.model.Interaction;
import java.time.Duration;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.LongSerializer;

/**
 * The keyed state of {@link OrderPerCustomer} (uid {@code order-per-customer}, key {@code
 * CustomerKey.INSTANCE}). The live job, the backfill job and State Processor API tools must build
 * their descriptors here, with the same TTL ({@link OrderingConfig#stateTtl()}): a TTL descriptor's
 * serializer differs from a plain one. Each call returns a new descriptor (descriptors are mutable;
 * never share one).
 *
 * <p>{@code next-seq} and {@code emitted-ids}, read and written for every event, have no TTL: the
 * operator's housekeeping timer (one processing-time timer per customer with a cursor, registered
 * once and moved only when it fires) forgets ids whose events were logged longer than the dedupe
 * horizon before the watermark (each id carries its event's log time, and a copy logged that much
 * later counts as new even before the sweep), and the cursor and {@code skipped} {@code stateTtl}
 * after the cursor's last write. A TTL on {@code next-seq} cost a quarter of the keyed task's time
 * in the throughput benchmark; on {@code emitted-ids} the heap backend's incremental cleanup copied
 * a customer's whole map at every step, so the cost of each event grew with the ids its customer
 * held. {@code buffer} and {@code gap-wait} have none on purpose: they are cleared by the operator
 * whenever the buffer empties, a timer guarantees that it does, and a TTL could silently drop a
 * held event.
 */
public final class OrderingState {
    /**
     * {@code ValueState<long[]>}: the customer's position in its sequence, laid out in {@link
     * SeqCursor}. The only state of an idle customer whose ids have expired. No TTL: the
     * housekeeping timer clears it. The descriptor and its type must stay as they are; readers
     * accept every length earlier versions wrote (2, 3 and 16 elements).
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
     * {@code MapState<String, Long>}: the event id (the whole id, never a hash: a match drops the
     * event, so it must be exact) of every event the operator accepted, to any output, with the log
     * time of its event. No TTL: swept by the housekeeping timer.
     */
    public static final String EMITTED_IDS = "emitted-ids";

    /**
     * {@code ValueState<long[]>}: recently skipped seq ranges, {@code [from, to]} pairs, oldest
     * first.
     */
    public static final String SKIPPED = "skipped";

    /**
     * {@code ValueState<long[]>} of the previous form (64-bit hashes of a window of recent ids),
     * never read any more: the housekeeping timer clears it, and its TTL drops what is left from
     * savepoints and RocksDB.
     */
    public static final String LEGACY_RECENT_IDS = "recent-ids";

    private OrderingState() {}

    /**
     * Processing-time TTL, refreshed on write; expired state is never returned. Expired entries are
     * dropped from full snapshots and savepoints, by RocksDB compactions, and on the heap backend
     * incrementally: one entry is checked per state access (Flink's default of 5 made the TTL scan
     * most of the operator's CPU time on heap).
     */
    public static StateTtlConfig ttl(Duration ttl) {
        return StateTtlConfig.newBuilder(ttl)
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

    /**
     * Ids with {@link IdSerializer}: the bytes and the serializer snapshot of {@code Types.STRING},
     * written in one call per id (the heap backend's snapshot writes every id at every checkpoint).
     */
    public static MapStateDescriptor<String, Long> emittedIds() {
        return new MapStateDescriptor<>(
                EMITTED_IDS, IdSerializer.INSTANCE, LongSerializer.INSTANCE);
    }

    public static ValueStateDescriptor<long[]> skipped(Duration stateTtl) {
        return withTtl(
                new ValueStateDescriptor<>(
                        SKIPPED, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO),
                stateTtl);
    }

    /** The previous form's id window, registered only so that its restored entries expire. */
    public static ValueStateDescriptor<long[]> legacyRecentIds(Duration stateTtl) {
        return withTtl(
                new ValueStateDescriptor<>(
                        LEGACY_RECENT_IDS, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO),
                stateTtl);
    }

    private static <T> ValueStateDescriptor<T> withTtl(
            ValueStateDescriptor<T> d, Duration stateTtl) {
        d.enableTimeToLive(ttl(stateTtl));
        return d;
    }
}
