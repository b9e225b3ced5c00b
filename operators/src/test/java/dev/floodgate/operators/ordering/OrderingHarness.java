package dev.floodgate.operators.ordering;

import dev.floodgate.model.Gap;
import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * Test glue: a keyed harness around {@link OrderPerCustomer}, with processing and TTL time moved
 * together.
 */
final class OrderingHarness {
    private OrderingHarness() {}

    static KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> open(
            OrderingConfig config, OperatorSubtaskState restoreFrom, long now) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new OrderPerCustomer(config)),
                        CustomerKey.INSTANCE,
                        Types.STRING);
        h.setup();
        if (restoreFrom == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restoreFrom);
        }
        h.open();
        at(h, now);
        return h;
    }

    /**
     * Moves time to {@code millis}: the log clock, as a source would: the watermark (firing due gap
     * timers), and the append time {@link #send} stamps on events from now on; then processing time
     * and the TTL clock (firing due housekeeping timers, which read the watermark).
     */
    static void at(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h, long millis)
            throws Exception {
        h.setStateTtlProcessingTime(millis);
        h.processWatermark(millis);
        h.setProcessingTime(millis);
    }

    /**
     * Sends events as if appended to the log now: each gets the harness's time (see {@link #at}) as
     * log time.
     */
    static void send(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            Interaction... events)
            throws Exception {
        for (Interaction e : events) {
            e.logTimestamp = h.getProcessingTime();
            h.processElement(new StreamRecord<>(e, e.logTimestamp));
        }
    }

    /** Event ids of the main output, in emission order. */
    static List<String> ids(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        return h.extractOutputValues().stream().map(e -> e.eventId).toList();
    }

    static List<Gap> gaps(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        return side(h, OrderPerCustomer.GAPS);
    }

    static List<String> duplicateIds(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        return side(h, OrderPerCustomer.DUPLICATES).stream().map(e -> e.eventId).toList();
    }

    static List<String> lateIds(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        return side(h, OrderPerCustomer.LATE).stream().map(e -> e.eventId).toList();
    }

    /**
     * One customer's state, as the operator's descriptor (from {@link OrderingState}) sees it, to
     * read or write between events. Moves the backend's current key: use it before the next event,
     * not within one.
     */
    static <S extends State> S state(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            String customer,
            StateDescriptor<S, ?> descriptor)
            throws Exception {
        KeyedStateBackend<String> backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(customer);
        return backend.getPartitionedState(
                VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
    }

    /**
     * How many customers hold state {@code name} (expired TTL entries not yet cleaned up count
     * too).
     */
    static long customersWith(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            String name) {
        try (var keys =
                h.getOperator().getKeyedStateBackend().getKeys(name, VoidNamespace.INSTANCE)) {
            return keys.count();
        }
    }

    static <T> List<T> side(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            OutputTag<T> tag) {
        Collection<StreamRecord<T>> records = h.getSideOutput(tag);
        List<T> values = new ArrayList<>();
        if (records != null) {
            records.forEach(r -> values.add(r.getValue()));
        }
        return values;
    }
}
