package dev.floodgate.bench;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.ordering.OrderingState;
import dev.floodgate.testing.Events;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * The heap backend's full snapshot of {@code emitted-ids} (issue 30, section 4), as the live job's
 * checkpoints write it: the ids of {@code <customers>} customers, {@code <idsPerCustomer>} each
 * (random uuids, as the throughput benchmark's log has), in a {@code MapState<String, Long>}
 * declared as the code before {@code IdSerializer} did ({@code Types.STRING}) and as {@link
 * OrderingState#emittedIds()} does now; checkpoints to files in a temporary directory, run on the
 * calling thread (the harness runs the asynchronous part there), so the thread's CPU time is the
 * snapshot's. The two forms alternate, {@code <rounds>} snapshots each per pass, two passes after a
 * warm-up pass; the median is printed. Not a test: run it by hand.
 *
 * <pre>
 * mvn -B -q -pl operators test-compile exec:java -Dexec.mainClass=dev.floodgate.bench.IdSnapshotBenchmark \
 *     -Dexec.classpathScope=test [-Dexec.args="10000 100 5"]
 * </pre>
 */
public final class IdSnapshotBenchmark {
    private IdSnapshotBenchmark() {}

    public static void main(String[] args) throws Exception {
        int customers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int perCustomer = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<Interaction> events = new ArrayList<>(customers * perCustomer);
        for (int i = 0; i < perCustomer; i++) {
            for (int c = 0; c < customers; c++) {
                events.add(Events.event("c" + c, i + 1, UUID.randomUUID().toString()));
            }
        }
        long ids = events.size();
        System.out.printf("%,d ids of %,d customers, uuids%n", ids, customers);
        List<Double> before = new ArrayList<>();
        List<Double> after = new ArrayList<>();
        for (int pass = 0; pass < 3; pass++) {
            List<Double> b = measure(false, events, rounds);
            List<Double> a = measure(true, events, rounds);
            if (pass > 0) { // the first pass warms the JIT up
                before.addAll(b);
                after.addAll(a);
            }
        }
        report("Types.STRING (before)", before, ids);
        report("IdSerializer (after)", after, ids);
    }

    private static void report(String name, List<Double> cpuMillis, long ids) {
        Collections.sort(cpuMillis);
        double median = cpuMillis.get(cpuMillis.size() / 2);
        System.out.printf(
                "%-24s snapshot CPU median %,8.1f ms (min %,.1f, max %,.1f; %d snapshots): %,.0f ns per id%n",
                name,
                median,
                cpuMillis.get(0),
                cpuMillis.get(cpuMillis.size() - 1),
                cpuMillis.size(),
                median * 1e6 / ids);
    }

    /** Fills the state, then takes {@code rounds} checkpoints; their CPU times in ms. */
    private static List<Double> measure(boolean idSerializer, List<Interaction> events, int rounds)
            throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Path dir = Files.createTempDirectory("id-snapshot");
        List<Double> cpu = new ArrayList<>();
        try (KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new Remember(idSerializer)),
                        CustomerKey.INSTANCE,
                        Types.STRING)) {
            h.setStateBackend(new HashMapStateBackend());
            h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
            h.setup();
            h.initializeEmptyState();
            h.open();
            for (Interaction e : events) {
                h.processElement(new StreamRecord<>(e, e.logTimestamp));
            }
            for (int i = 1; i <= rounds; i++) {
                long t0 = threads.getCurrentThreadCpuTime();
                h.snapshot(i, i).discardState();
                cpu.add((threads.getCurrentThreadCpuTime() - t0) / 1e6);
            }
        }
        return cpu;
    }

    /** Remembers each event's id in {@code emitted-ids}, in the form asked for. */
    private static final class Remember
            extends KeyedProcessFunction<String, Interaction, Interaction> {
        private final boolean idSerializer;
        private transient MapState<String, Long> ids;

        Remember(boolean idSerializer) {
            this.idSerializer = idSerializer;
        }

        @Override
        public void open(OpenContext openContext) {
            ids =
                    getRuntimeContext()
                            .getMapState(
                                    idSerializer
                                            ? OrderingState.emittedIds()
                                            : new MapStateDescriptor<>(
                                                    OrderingState.EMITTED_IDS,
                                                    Types.STRING,
                                                    Types.LONG));
        }

        @Override
        public void processElement(Interaction in, Context ctx, Collector<Interaction> out)
                throws Exception {
            ids.put(in.eventId, in.logTimestamp);
        }
    }
}
