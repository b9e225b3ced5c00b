package dev.floodgate.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU goes, from a Java Flight Recorder recording of this process (the broker, the Flink
 * cluster and the job all run here): execution samples grouped by thread (Flink names task threads
 * after their operator chain), by the method on top of the stack (self time), and by component (the
 * first frame of a stack, from the top, that belongs to one of {@link #COMPONENTS}).
 */
final class JfrProfile implements AutoCloseable {
    /**
     * Package or class prefixes, in the order they are tried; the first match on a stack, from the
     * top, wins.
     */
    static final Map<String, String> COMPONENTS = new LinkedHashMap<>();

    static {
        COMPONENTS.put("com.fasterxml.jackson", "JSON (Jackson)");
        COMPONENTS.put("dev.floodgate", "Floodgate code");
        COMPONENTS.put("org.apache.kafka.common.compress", "Kafka compression");
        COMPONENTS.put("net.jpountz", "Kafka compression");
        COMPONENTS.put("org.apache.kafka.clients.producer", "Kafka producer");
        COMPONENTS.put("org.apache.kafka.clients.consumer", "Kafka consumer");
        COMPONENTS.put("kafka.", "Kafka broker");
        COMPONENTS.put("org.apache.kafka.storage", "Kafka broker");
        COMPONENTS.put("org.apache.kafka.server", "Kafka broker");
        COMPONENTS.put("org.apache.kafka", "Kafka (other)");
        COMPONENTS.put("org.apache.flink.api.common.typeutils", "Flink serializers");
        COMPONENTS.put("org.apache.flink.api.java.typeutils", "Flink serializers");
        COMPONENTS.put("org.apache.flink.runtime.state", "Flink state");
        COMPONENTS.put("org.apache.flink.streaming.api.operators.async", "Flink async I/O");
        COMPONENTS.put("org.apache.flink.runtime.io.network", "Flink network stack");
        COMPONENTS.put("org.apache.flink.runtime.metrics", "Flink metrics");
        COMPONENTS.put("org.apache.flink", "Flink (other)");
    }

    private final Recording recording;

    private JfrProfile(Recording recording) {
        this.recording = recording;
    }

    /**
     * Execution samples only, every 10 ms: the measured job must not pay for what the report does
     * not read (JFR's "profile" settings also record allocations, thread parks and locks; the raw
     * pipe runs unprofiled).
     */
    static JfrProfile start() {
        Recording r = new Recording();
        r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        r.start();
        return new JfrProfile(r);
    }

    /**
     * Stops the recording, writes it to {@code file} and prints the summary of the samples taken
     * from {@code since} on through {@code results}.
     */
    void stopAndReport(Path file, Instant since, BenchResults results, int top) throws IOException {
        recording.stop();
        recording.dump(file);
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> methods = new HashMap<>();
        Map<String, Integer> components = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")
                    || e.getStackTrace() == null
                    || e.getStartTime().isBefore(since)) {
                continue;
            }
            total++;
            String thread =
                    e.getThread("sampledThread") == null
                            ? "?"
                            : e.getThread("sampledThread").getJavaName();
            threads.merge(normalize(thread), 1, Integer::sum);
            RecordedStackTrace st = e.getStackTrace();
            List<RecordedFrame> frames = st.getFrames();
            if (!frames.isEmpty()) {
                RecordedFrame f = frames.get(0);
                methods.merge(
                        f.getMethod().getType().getName() + "." + f.getMethod().getName(),
                        1,
                        Integer::sum);
            }
            components.merge(component(frames), 1, Integer::sum);
        }
        results.note("profile", "JFR execution samples: " + total + " (" + file + ")");
        print(results, "thread", threads, total, top);
        print(results, "component", components, total, top);
        print(results, "self", methods, total, top);
    }

    private static String component(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            for (Map.Entry<String, String> c : COMPONENTS.entrySet()) {
                if (type.startsWith(c.getKey())) {
                    return c.getValue();
                }
            }
        }
        return "JDK / other";
    }

    /**
     * Task threads without their subtask index and attempt: "parse (1/2)#0" and "parse (2/2)#0"
     * together.
     */
    static String normalize(String thread) {
        return thread.replaceAll(" \\(\\d+/\\d+\\)#\\d+", "").replaceAll("[-#]?\\d+$", "");
    }

    private static void print(
            BenchResults results, String kind, Map<String, Integer> counts, int total, int top) {
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(
                        e ->
                                results.note(
                                        "profile",
                                        String.format(
                                                "%-9s %5.1f%%  %s",
                                                kind,
                                                100.0 * e.getValue() / Math.max(1, total),
                                                e.getKey())));
    }

    @Override
    public void close() {
        recording.close();
    }
}
