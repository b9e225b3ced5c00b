package dev.floodgate.job.tools;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.ordering.GapWait;
import dev.floodgate.operators.ordering.OrderingState;
import java.time.Duration;
import java.util.Comparator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/**
 * Reads the keyed state of the live job's ordering operator ({@code order-per-customer}) from a
 * savepoint, one {@link CustomerOrdering} per customer that holds any of it. The descriptors are
 * the operator's own, from {@link OrderingState}, built with the live job's state TTL: a TTL
 * descriptor's serializer differs from a plain one, and with a shorter TTL than the job's this
 * reader would hide customers the job still has.
 */
public final class OrderingStateReader
        extends KeyedStateReaderFunction<String, OrderingStateReader.CustomerOrdering> {
    private static final long serialVersionUID = 1L;

    /** One customer's ordering state, summarized. A Flink POJO. */
    public static final class CustomerOrdering {
        public String customerId;

        /**
         * The next seq the operator expects; {@code null} while a customer's first events await seq
         * 1.
         */
        public Long nextSeq;

        /** Events held in the buffer, waiting for a gap to fill. */
        public int buffered;

        /**
         * Since when (log time: the watermark, epoch ms) the current gap is awaited; 0 when nothing
         * is held.
         */
        public long waitingSinceMillis;

        /** The held event with the oldest log timestamp; {@code null} when nothing is held. */
        public Interaction oldestBuffered;

        public CustomerOrdering() {}
    }

    /** Log time, then position: events logged in the same millisecond keep their log order. */
    static final Comparator<Interaction> OLDEST_FIRST =
            Comparator.<Interaction>comparingLong(i -> i.logTimestamp)
                    .thenComparing(
                            i -> i.sourceTopic, Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparingInt(i -> i.sourcePartition)
                    .thenComparingLong(i -> i.sourceOffset);

    private final Duration stateTtl;
    private transient ValueState<long[]> nextSeq;
    private transient MapState<Long, Interaction> buffer;
    private transient ValueState<GapWait> gapWait;
    private transient MapState<String, Long> emittedIds;

    public OrderingStateReader(Duration stateTtl) {
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        nextSeq = getRuntimeContext().getState(OrderingState.nextSeq());
        buffer = getRuntimeContext().getMapState(OrderingState.buffer());
        gapWait = getRuntimeContext().getState(OrderingState.gapWait());
        emittedIds = getRuntimeContext().getMapState(OrderingState.emittedIds());
    }

    @Override
    public void readKey(String customerId, Context ctx, Collector<CustomerOrdering> out)
            throws Exception {
        CustomerOrdering c = new CustomerOrdering();
        c.customerId = customerId;
        long[] cursor = nextSeq.value();
        // as the live job would see it: a customer idle for longer than the TTL is forgotten when
        // its timer fires
        boolean idle =
                cursor != null && cursor[1] + stateTtl.toMillis() <= System.currentTimeMillis();
        c.nextSeq = cursor == null || idle ? null : cursor[0];
        for (Interaction held : buffer.values()) {
            c.buffered++;
            if (c.oldestBuffered == null || OLDEST_FIRST.compare(held, c.oldestBuffered) < 0) {
                c.oldestBuffered = held;
            }
        }
        GapWait wait = gapWait.value();
        c.waitingSinceMillis = wait == null ? 0 : wait.sinceMillis;
        // A key can be listed for state that has expired and reads as empty: not a customer any
        // more.
        if (c.nextSeq != null || c.buffered > 0 || wait != null || !emittedIds.isEmpty()) {
            out.collect(c);
        }
    }
}
