package dev.floodgate.bench;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.process.LanesConfig;
import dev.floodgate.operators.process.PassThroughProcessor;
import dev.floodgate.operators.process.ProcessInLanesFactory;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.testing.Events;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * The processing lanes' own CPU per event in the dry run (issue 30, section 4): {@code
 * ProcessInLanes} with the {@link PassThroughProcessor} (every call answers at once), admission
 * admitting all, the lanes' defaults, 1,000,000 events of 10,000 customers in the throughput
 * benchmark's mix (12% voice, 9% image, 79% chat; 10% {@code high}), on one thread through the
 * keyed harness with a counting output; the thread's CPU time per event, median of 5 runs after a
 * warm-up run. Not a test: run it by hand with the module's test classpath.
 */
public final class LanesBenchmark {
    private LanesBenchmark() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int customers = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Random random = new Random(42);
        List<Interaction> log = new ArrayList<>(events);
        long[] seq = new long[customers];
        for (int i = 0; i < events; i++) {
            int c = random.nextInt(customers);
            Interaction e = Events.event("c" + c, ++seq[c], java.util.UUID.randomUUID().toString());
            double r = random.nextDouble();
            e.channel = r < 0.12 ? Channel.VOICE : r < 0.21 ? Channel.IMAGE : Channel.CHAT;
            e.priority = random.nextDouble() < 0.1 ? Priority.HIGH : Priority.NORMAL;
            log.add(e);
        }
        measure(log); // warm-up
        List<Double> ns = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ns.add(measure(log));
        }
        Collections.sort(ns);
        System.out.printf(
                "lanes, pass-through: %.0f ns of CPU per event (median of 5; min %.0f, max %.0f)%n",
                ns.get(2), ns.get(0), ns.get(4));
    }

    private static double measure(List<Interaction> log) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Counting out = new Counting();
        try (KeyedOneInputStreamOperatorTestHarness<String, Interaction, ProcessedEvent> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new ProcessInLanesFactory(
                                new PassThroughProcessor(),
                                Lane.LIVE,
                                LanesConfig.defaults(),
                                AdmissionPolicy.admitAll()),
                        CustomerKey.INSTANCE,
                        Types.STRING)) {
            h.setOutputCreator(serializer -> out);
            h.getExecutionConfig().enableObjectReuse(); // as the job: the lanes copy what they keep
            h.setup();
            h.initializeEmptyState();
            h.open();
            long t0 = threads.getCurrentThreadCpuTime();
            for (Interaction e : log) {
                h.processElement(new StreamRecord<>(e, e.logTimestamp));
            }
            double perEvent = (threads.getCurrentThreadCpuTime() - t0) / (double) log.size();
            if (out.emitted != log.size()) {
                throw new IllegalStateException(out.emitted + " emitted of " + log.size());
            }
            return perEvent;
        }
    }

    private static final class Counting implements Output<StreamRecord<ProcessedEvent>> {
        long emitted;

        @Override
        public void collect(StreamRecord<ProcessedEvent> record) {
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
