package dev.floodgate.operators.ordering;

import static dev.floodgate.operators.ordering.OrderingHarness.duplicateIds;
import static dev.floodgate.operators.ordering.OrderingHarness.ids;
import static dev.floodgate.operators.ordering.OrderingHarness.send;
import static dev.floodgate.testing.Events.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * {@link IdSerializer} writes exactly what Flink's {@link StringSerializer} writes, for any string
 * (the snapshot's stream and a memory buffer alike), reads it back, and state written with either
 * restores into the other, on the heap and on RocksDB: {@code emitted-ids} of the code before it
 * ({@code Types.STRING}) still drop copies, and a savepoint of this code restores into it (a
 * rollback).
 */
class IdSerializerTest {
    private static final long T0 = 1_000_000L;
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults().withDuplicatesToSideOutput(true);

    /** {@code emitted-ids} as the code before {@link IdSerializer} declared it. */
    private static MapStateDescriptor<String, Long> previousDescriptor() {
        return new MapStateDescriptor<>(OrderingState.EMITTED_IDS, Types.STRING, Types.LONG);
    }

    @Property(tries = 3000)
    void writesTheBytesOfFlinksStringSerializer(@ForAll @StringLength(max = 400) String id)
            throws IOException {
        assertSame(id);
    }

    @Example
    void longStringsNullAndEveryCharacterWidth() throws IOException {
        assertSame(null);
        assertSame("");
        assertSame("x".repeat(127)); // length + 1 = 128: a two-byte length
        assertSame("x".repeat(256)); // the scratch buffer's size
        assertSame("\uffff".repeat(257)); // past it, three bytes a character
        assertSame("é€\ud83d\ude00\ud800".repeat(5_000)); // a three-byte length, lone surrogate
    }

    private static void assertSame(String id) throws IOException {
        byte[] flinks = streamBytes(StringSerializer.INSTANCE, id);
        byte[] ours = streamBytes(IdSerializer.INSTANCE, id);
        assertThat(ours).isEqualTo(flinks);
        DataOutputSerializer buffer = new DataOutputSerializer(16);
        IdSerializer.INSTANCE.serialize(id, buffer);
        assertThat(buffer.getCopyOfBuffer()).isEqualTo(flinks);
        assertThat(IdSerializer.INSTANCE.deserialize(new DataInputDeserializer(flinks)))
                .isEqualTo(id);
        DataOutputSerializer copied = new DataOutputSerializer(16);
        IdSerializer.INSTANCE.copy(new DataInputDeserializer(flinks), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(flinks);
    }

    /** Through a {@code DataOutputViewStreamWrapper}, as the heap backend's snapshot writes. */
    private static byte[] streamBytes(TypeSerializer<String> s, String id) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.serialize(id, new DataOutputViewStreamWrapper(bytes));
        return bytes.toByteArray();
    }

    @Example
    void heapIdsOfThePreviousFormRestoreAndRollBack() throws Exception {
        idsRestoreBothWays(new HashMapStateBackend());
    }

    @Example
    void rocksDbIdsOfThePreviousFormRestoreAndRollBack() throws Exception {
        idsRestoreBothWays(new EmbeddedRocksDBStateBackend(false));
    }

    private static void idsRestoreBothWays(StateBackend backend) throws Exception {
        // the previous form: ids written with Flink's StringSerializer
        OperatorSubtaskState previous;
        try (var old = harness(new KeyedProcessOperator<>(new PreviousIds()), backend, null)) {
            old.setProcessingTime(T0);
            send(old, event("a", 1), event("a", 2), event("b", 1));
            previous = old.snapshot(1, T0);
        }

        // this form restores it: copies of those ids are dropped, new ids go out and are kept
        OperatorSubtaskState now;
        try (var h =
                harness(
                        new KeyedProcessOperator<>(new OrderPerCustomer(CONFIG)),
                        backend,
                        previous)) {
            h.setProcessingTime(T0 + 10);
            send(h, event("a", 2), event("b", 1), event("é-customer", 1));
            assertThat(duplicateIds(h)).containsExactly("a#2", "b#1");
            assertThat(ids(h)).containsExactly("é-customer#1");
            now = h.snapshot(2, T0 + 10);
        }

        // and the previous form reads this form's savepoint (a rollback)
        try (var old = harness(new KeyedProcessOperator<>(new PreviousIds()), backend, now)) {
            Map<String, Long> a = read(old, "a");
            Map<String, Long> other = read(old, "é-customer");
            assertThat(a).containsOnlyKeys("a#1", "a#2");
            assertThat(other).containsOnlyKeys("é-customer#1");
            assertThat(other.get("é-customer#1")).isEqualTo(T0 + 10);
        }
    }

    private static Map<String, Long> read(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            String customer)
            throws Exception {
        MapState<String, Long> ids = OrderingHarness.state(h, customer, previousDescriptor());
        Map<String, Long> m = new HashMap<>();
        for (Map.Entry<String, Long> e : ids.entries()) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> harness(
            KeyedProcessOperator<String, Interaction, Interaction> operator,
            StateBackend backend,
            OperatorSubtaskState restoreFrom)
            throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        operator, CustomerKey.INSTANCE, Types.STRING);
        h.setStateBackend(backend);
        h.setup();
        if (restoreFrom == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restoreFrom);
        }
        h.open();
        return h;
    }

    /** Remembers ids as the code before {@link IdSerializer} did: {@code Types.STRING}. */
    private static final class PreviousIds
            extends KeyedProcessFunction<String, Interaction, Interaction> {
        private transient MapState<String, Long> ids;

        @Override
        public void open(OpenContext openContext) {
            ids = getRuntimeContext().getMapState(previousDescriptor());
        }

        @Override
        public void processElement(Interaction in, Context ctx, Collector<Interaction> out)
                throws Exception {
            ids.put(in.eventId, in.logTimestamp);
        }
    }
}
