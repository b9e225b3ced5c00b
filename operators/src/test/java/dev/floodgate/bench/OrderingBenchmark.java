package dev.floodgate.bench;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.ordering.OrderPerCustomer;
import dev.floodgate.operators.ordering.OrderingConfig;
import dev.floodgate.testing.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * Throughput of {@link OrderPerCustomer} on one thread, and its state bytes (per customer with its
 * ids, per idle customer once its ids expired, per remembered id), with the heap and the RocksDB
 * state backend. Not a test: a program that prints numbers. Run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl operators test-compile exec:java -Dexec.mainClass=dev.floodgate.bench.OrderingBenchmark \
 *     -Dexec.classpathScope=test [-Dexec.args="customers eventsPerCustomer"]
 * </pre>
 *
 * Events: {@code eventsPerCustomer} per customer, customers interleaved round by round in a
 * shuffled order; in each customer's sequence 10% of events (rounded) are swapped with their
 * predecessor, so they arrive early and wait in the buffer for one round. Processing time does not
 * move, so no gap times out: every early event is buffered, then released by its predecessor (timer
 * registered and deleted). Events are built before the clock starts; the operator's output goes to
 * a counting sink, not the harness's copying list.
 */
public final class OrderingBenchmark {
    /**
     * The job's defaults, but ids kept for one day: so the idle customer's state once its ids
     * expired (its cursor stays for the 7-day state TTL) can be measured a day later.
     */
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults().withDedupeHorizon(Duration.ofDays(1));

    private static final double OUT_OF_ORDER = 0.10;
    private static final int REPEATS = 3;

    public static void main(String[] args) throws Exception {
        int customers = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int perCustomer = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<Interaction> events = generate(customers, perCustomer, new Random(42));
        long early = 0;
        for (int i = 0; i < events.size(); i++) {
            early += events.get(i).seq != 1 && isEarly(events, i, customers) ? 1 : 0;
        }
        System.out.printf(
                "customers=%,d events=%,d early (out of order)=%.1f%% cores=%d java=%s%n",
                customers,
                events.size(),
                100.0 * early / events.size(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        run("heap (HashMapStateBackend)", new HashMapStateBackend(), events, customers);
        run("RocksDB, 256 MB per slot", rocksDb(false), events, customers);
        run("RocksDB, 256 MB per slot, bloom filter", rocksDb(true), events, customers);
    }

    /**
     * RocksDB with a fixed 256 MB for the slot instead of the harness's 3 MB of managed memory,
     * which starves the block cache and write buffers (about 10k events/s). Checkpoints are
     * RocksDB's default (incremental).
     */
    private static StateBackend rocksDb(boolean bloomFilter) {
        Configuration conf = new Configuration();
        conf.set(RocksDBOptions.FIX_PER_SLOT_MEMORY_SIZE, MemorySize.parse("256mb"));
        conf.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, bloomFilter);
        return new EmbeddedRocksDBStateBackend(false)
                .configure(conf, OrderingBenchmark.class.getClassLoader());
    }

    private static void run(
            String name, StateBackend backend, List<Interaction> events, int customers)
            throws Exception {
        measure(
                backend,
                events.subList(0, events.size() / 3)); // warm up the JIT on a throwaway operator
        List<Double> rates = new ArrayList<>();
        Result r = null;
        for (int i = 0; i < REPEATS; i++) {
            r = measure(backend, events);
            rates.add(events.size() / r.seconds);
        }
        Collections.sort(rates);
        System.out.printf(
                "%-40s %,9.0f events/s median of %d (min %,.0f, max %,.0f; %,d emitted per run)%n",
                name,
                rates.get(REPEATS / 2),
                REPEATS,
                rates.get(0),
                rates.get(REPEATS - 1),
                r.emitted);
        long ids = (long) events.size(); // every event's id, remembered for the dedupe horizon
        System.out.printf(
                "%-40s %,9.1f bytes per customer with its %d ids in a canonical savepoint (%,d bytes)%n",
                name,
                (double) r.savepointBytes / customers,
                events.size() / customers,
                r.savepointBytes);
        System.out.printf(
                "%-40s %,9.1f bytes per idle customer once its ids expired, canonical savepoint (%,d bytes)%n",
                name, (double) r.idleSavepointBytes / customers, r.idleSavepointBytes);
        System.out.printf(
                "%-40s %,9.1f bytes per remembered id (the difference, over %,d ids)%n",
                name, (double) (r.savepointBytes - r.idleSavepointBytes) / ids, ids);
        System.out.printf(
                "%-40s %,9.1f bytes per customer with its ids in a checkpoint (%,d bytes; %d timers left)%n",
                name, (double) r.checkpointBytes / customers, r.checkpointBytes, r.timers);
    }

    private static Result measure(StateBackend backend, List<Interaction> events) throws Exception {
        CountingOutput out = new CountingOutput();
        try (KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new OrderPerCustomer(CONFIG)),
                        CustomerKey.INSTANCE,
                        Types.STRING)) {
            h.setStateBackend(backend);
            h.setCheckpointStorage(
                    new JobManagerCheckpointStorage(256 * 1024 * 1024)); // snapshots kept in memory
            h.setOutputCreator(serializer -> out);
            h.setup();
            h.initializeEmptyState();
            h.open();
            long start = System.nanoTime();
            for (Interaction e : events) {
                h.processElement(new StreamRecord<>(e));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long savepoint =
                    h.snapshotWithLocalState(
                                    1, 1, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                            .getJobManagerOwnedState()
                            .getStateSize();
            long checkpoint = h.snapshot(2, 2).getStateSize();
            // a day later (of log time: the ids' clock) the housekeeping timers sweep the ids;
            // positions stay (7-day state TTL, processing time)
            long dayLater = CONFIG.dedupeHorizon().toMillis() + 1;
            h.processWatermark(Events.LOG_TIMESTAMP + dayLater);
            h.setStateTtlProcessingTime(dayLater);
            h.setProcessingTime(dayLater);
            long idle =
                    h.snapshotWithLocalState(
                                    3, 3, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                            .getJobManagerOwnedState()
                            .getStateSize();
            return new Result(
                    seconds, out.emitted, savepoint, idle, checkpoint, h.numProcessingTimeTimers());
        }
    }

    /**
     * Round-robin over shuffled customers; in each customer, 10% of events swapped with their
     * predecessor.
     */
    static List<Interaction> generate(int customers, int perCustomer, Random random) {
        long[][] order = new long[customers][perCustomer];
        for (int c = 0; c < customers; c++) {
            for (int i = 0; i < perCustomer; i++) {
                order[c][i] = i + 1;
            }
            List<Integer> starts = new ArrayList<>();
            for (int i = 1; i < perCustomer; i++) {
                starts.add(i);
            }
            Collections.shuffle(starts, random);
            boolean[] swapped = new boolean[perCustomer];
            int swaps = (int) Math.round(perCustomer * OUT_OF_ORDER);
            for (int i : starts) {
                if (swaps > 0
                        && !swapped[i - 1]
                        && !swapped[i]) { // disjoint pairs: each swap makes one event early
                    long t = order[c][i];
                    order[c][i] = order[c][i - 1];
                    order[c][i - 1] = t;
                    swapped[i - 1] = swapped[i] = true;
                    swaps--;
                }
            }
        }
        List<Integer> perm = new ArrayList<>();
        for (int c = 0; c < customers; c++) {
            perm.add(c);
        }
        Collections.shuffle(perm, random);
        List<Interaction> events = new ArrayList<>(customers * perCustomer);
        for (int round = 0; round < perCustomer; round++) {
            for (int c : perm) {
                events.add(Events.event(String.valueOf(10_000_000 + c), order[c][round]));
            }
        }
        return events;
    }

    /** Whether the event at {@code i} arrives before its predecessor (which is one round later). */
    private static boolean isEarly(List<Interaction> events, int i, int customers) {
        int next = i + customers;
        return next < events.size() && events.get(next).seq == events.get(i).seq - 1;
    }

    private record Result(
            double seconds,
            long emitted,
            long savepointBytes,
            long idleSavepointBytes,
            long checkpointBytes,
            int timers) {}

    /** Counts emitted records instead of copying them into a list. */
    private static final class CountingOutput implements Output<StreamRecord<Interaction>> {
        long emitted;

        @Override
        public void collect(StreamRecord<Interaction> record) {
            emitted++;
        }

        @Override
        public <X> void collect(OutputTag<X> tag, StreamRecord<X> record) {}

        @Override
        public void emitWatermark(Watermark mark) {}

        @Override
        public void emitWatermarkStatus(WatermarkStatus status) {}

        @Override
        public void emitLatencyMarker(LatencyMarker marker) {}

        @Override
        public void emitRecordAttributes(RecordAttributes attributes) {}

        @Override
        public void emitWatermark(WatermarkEvent event) {}

        @Override
        public void close() {}
    }
}
