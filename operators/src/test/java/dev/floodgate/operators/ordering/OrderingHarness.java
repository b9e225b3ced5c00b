package dev.floodgate.operators.ordering;

import dev.floodgate.model.Gap;
import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/** Test glue: a keyed harness around {@link OrderPerCustomer}, with processing and TTL time moved together. */
final class OrderingHarness {
    private OrderingHarness() {}

    static KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> open(OrderingConfig config,
            OperatorSubtaskState restoreFrom, long now) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new OrderPerCustomer(config)),
                        CustomerKey.INSTANCE, Types.STRING);
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

    /** Moves processing time (firing due timers) and the TTL clock to {@code millis}. */
    static void at(KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h, long millis)
            throws Exception {
        h.setStateTtlProcessingTime(millis);
        h.setProcessingTime(millis);
    }

    static void send(KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            Interaction... events) throws Exception {
        for (Interaction e : events) {
            h.processElement(new StreamRecord<>(e));
        }
    }

    /** Event ids of the main output, in emission order. */
    static List<String> ids(KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        return h.extractOutputValues().stream().map(e -> e.eventId).toList();
    }

    static List<Gap> gaps(KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        return side(h, OrderPerCustomer.GAPS);
    }

    static List<String> duplicateIds(KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        return side(h, OrderPerCustomer.DUPLICATES).stream().map(e -> e.eventId).toList();
    }

    static <T> List<T> side(KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            OutputTag<T> tag) {
        Collection<StreamRecord<T>> records = h.getSideOutput(tag);
        List<T> values = new ArrayList<>();
        if (records != null) {
            records.forEach(r -> values.add(r.getValue()));
        }
        return values;
    }
}
