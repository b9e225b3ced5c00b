package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.ordering.OrderPerCustomer;
import dev.floodgate.operators.ordering.OrderingConfig;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.testing.ShedEvents;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The keyed state of the ordering operator (customers waiting in a gap) and of the processing lanes
 * (calls in flight) through savepoints at parallelism 2, then 4, then 1, with the job's max
 * parallelism: every customer's events come out once and in order.
 */
class RescaleTest {
    /** The job's {@code pipeline.max-parallelism} (FloodgateJob.MAX_PARALLELISM). */
    static final int MAX_PARALLELISM = 720;

    private static final long T0 = 1_000_000L;
    private static final int CUSTOMERS = 24;

    static int subtaskOf(String customer, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                customer, MAX_PARALLELISM, parallelism);
    }

    static OperatorSubtaskState rescale(List<OperatorSubtaskState> parts, int from, int to, int i)
            throws Exception {
        OperatorSubtaskState all =
                AbstractStreamOperatorTestHarness.repackageState(
                        parts.toArray(new OperatorSubtaskState[0]));
        return AbstractStreamOperatorTestHarness.repartitionOperatorState(
                all, MAX_PARALLELISM, from, to, i);
    }

    // ---------------------------------------------------------------- ordering

    private static KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction>
            ordering(OperatorSubtaskState restore, int parallelism, int subtask) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new OrderPerCustomer(OrderingConfig.defaults())),
                        CustomerKey.INSTANCE,
                        Types.STRING,
                        MAX_PARALLELISM,
                        parallelism,
                        subtask);
        h.setup();
        if (restore == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restore);
        }
        h.open();
        h.setProcessingTime(T0);
        h.processWatermark(T0);
        return h;
    }

    private static void send(
            List<KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction>> hs,
            String customer,
            long seq)
            throws Exception {
        Interaction e = ShedEvents.event(customer, seq, Channel.CHAT, Priority.NORMAL, T0);
        hs.get(subtaskOf(customer, hs.size())).processElement(new StreamRecord<>(e, T0));
    }

    private static List<OperatorSubtaskState> snapshotAndClose(
            List<KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction>> hs,
            Map<String, List<Long>> out)
            throws Exception {
        List<OperatorSubtaskState> parts = new ArrayList<>();
        for (var h : hs) {
            for (Interaction e : h.extractOutputValues()) {
                out.computeIfAbsent(e.customerId, k -> new ArrayList<>()).add(e.seq);
            }
            parts.add(h.snapshot(1, 1));
            h.close();
        }
        return parts;
    }

    @Test
    void customersWaitingInAGapSurvive2To4To1() throws Exception {
        Map<String, List<Long>> out = new HashMap<>();
        var two = List.of(ordering(null, 2, 0), ordering(null, 2, 1));
        for (int c = 0; c < CUSTOMERS; c++) {
            send(two, "c" + c, 1);
            send(two, "c" + c, 3); // waits for seq 2
        }
        List<OperatorSubtaskState> parts = snapshotAndClose(two, out);

        List<KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction>> four =
                new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(ordering(rescale(parts, 2, 4, i), 4, i));
        }
        for (int c = 0; c < CUSTOMERS / 2; c++) {
            send(four, "c" + c, 2); // fills the gap: 2 and the held 3 come out
        }
        parts = snapshotAndClose(four, out);

        var one = List.of(ordering(rescale(parts, 4, 1, 0), 1, 0));
        for (int c = CUSTOMERS / 2; c < CUSTOMERS; c++) {
            send(one, "c" + c, 2);
        }
        snapshotAndClose(one, out);

        assertThat(out).hasSize(CUSTOMERS);
        out.forEach((customer, seqs) -> assertThat(seqs).as(customer).containsExactly(1L, 2L, 3L));
    }

    // ---------------------------------------------------------------- lanes

    @Test
    void callsInFlightSurvive2To4To1() throws Exception {
        LanesConfig config = LanesConfig.defaults();
        Map<String, Integer> emitted = new HashMap<>();
        List<OperatorSubtaskState> parts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (LanesHarness h = lanes(null, 2, i, config)) {
                for (int c = 0; c < CUSTOMERS; c++) {
                    if (subtaskOf("c" + c, 2) == i) {
                        h.send("c" + c, 1, Channel.VOICE, Priority.NORMAL); // in flight, never done
                        h.send("c" + c, 2, Channel.VOICE, Priority.NORMAL); // queued behind it
                    }
                }
                parts.add(h.harness.snapshot(1, 1));
            }
        }
        List<OperatorSubtaskState> next = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            try (LanesHarness h = lanes(rescale(parts, 2, 4, i), 4, i, config)) {
                // restored calls start again; finish every first call, leave the second in flight
                for (String id : h.processor.started()) {
                    h.succeed(id);
                }
                count(h, emitted);
                next.add(h.harness.snapshot(2, 2));
            }
        }
        try (LanesHarness h = lanes(rescale(next, 4, 1, 0), 1, 0, config)) {
            while (!h.processor.started().isEmpty()) {
                h.succeed(h.processor.started().get(0));
            }
            count(h, emitted);
            assertThat(h.operator().pending()).isZero();
        }
        assertThat(emitted).hasSize(2 * CUSTOMERS).allSatisfy((id, n) -> assertThat(n).isOne());
    }

    private static LanesHarness lanes(
            OperatorSubtaskState restore, int parallelism, int subtask, LanesConfig config)
            throws Exception {
        return new LanesHarness(
                new ManualProcessor(),
                config,
                AdmissionPolicy.admitAll(),
                restore,
                parallelism,
                subtask,
                MAX_PARALLELISM);
    }

    private static void count(LanesHarness h, Map<String, Integer> emitted) {
        for (Object o : h.harness.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof ProcessedEvent p) {
                emitted.merge(p.eventId, 1, Integer::sum);
                assertThat(p.lane).isEqualTo(Lane.LIVE);
            }
        }
    }
}
