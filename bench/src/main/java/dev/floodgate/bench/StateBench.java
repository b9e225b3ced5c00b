package dev.floodgate.bench;

import dev.floodgate.job.Uids;
import dev.floodgate.testkit.kafka.Topics;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.state.api.runtime.OperatorIDGenerator;

/**
 * Section 4: state bytes per customer of the whole live job, from the size on disk of a savepoint
 * (canonical and native format) taken after every customer sent one event (so every customer has
 * ordering state, and a hot-key rate window that has not expired yet), with the heap and the
 * RocksDB state backend; split by operator from the savepoint's metadata.
 */
final class StateBench {
    private StateBench() {}

    static void run(BenchContext ctx) throws Exception {
        for (int customers : ctx.options.stateCustomers) {
            String log = "bench.state-" + customers + ".interactions";
            Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), log);
            LogFiller.fill(
                    ctx.bootstrap, log, customers, customers, ctx.options.eventBytes, 7, true);
            for (String backend : ctx.options.stateBackends) {
                measure(ctx, customers, log, backend);
            }
        }
    }

    private static void measure(BenchContext ctx, int customers, String log, String backend)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        Map<SavepointFormatType, String> savepoints = new EnumMap<>(SavepointFormatType.class);
        Map<SavepointFormatType, Long> millis = new EnumMap<>(SavepointFormatType.class);
        LiveJobRun.run(
                ctx,
                "bench.state-" + customers + "-" + backend,
                log,
                customers,
                conf,
                job -> {
                    for (SavepointFormatType format : SavepointFormatType.values()) {
                        Path dir =
                                ctx.work.resolve(
                                        "savepoints-" + backend + "-" + customers + "-" + format);
                        long t0 = System.nanoTime();
                        savepoints.put(
                                format,
                                job.triggerSavepoint(dir.toUri().toString(), format)
                                        .get(5, TimeUnit.MINUTES));
                        millis.put(format, (System.nanoTime() - t0) / 1_000_000);
                    }
                });
        BenchResults r = ctx.results;
        for (SavepointFormatType format : SavepointFormatType.values()) {
            String location = savepoints.get(format);
            Path path =
                    Path.of(
                            URI.create(
                                    location.startsWith("file:")
                                            ? location
                                            : "file://" + location));
            long bytes;
            try (Stream<Path> files = Files.walk(path)) {
                bytes = files.filter(Files::isRegularFile).mapToLong(StateBench::size).sum();
            }
            String n =
                    String.format(
                            "%,d customers, %s, %s savepoint",
                            customers, backend, format.name().toLowerCase(Locale.ROOT));
            r.put("state", n + ": on disk", bytes, "bytes");
            r.put("state", n + ": bytes per customer", (double) bytes / customers, "bytes");
            r.put("state", n + ": took", millis.get(format), "ms");
            for (Map.Entry<String, Long> e : byOperator(path).entrySet()) {
                r.put(
                        "state",
                        n + ": bytes per customer in " + e.getKey(),
                        (double) e.getValue() / customers,
                        "bytes");
            }
        }
    }

    /**
     * State size of the two keyed operators, and of all others together, from {@code _metadata}.
     */
    private static Map<String, Long> byOperator(Path savepoint)
            throws IOException, IllegalAccessException {
        Map<OperatorID, String> uids = new HashMap<>();
        for (Field f : Uids.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String uid = (String) f.get(null);
                uids.put(OperatorIDGenerator.fromUid(uid), uid);
            }
        }
        Map<String, Long> sizes = new java.util.TreeMap<>();
        try (InputStream in = Files.newInputStream(savepoint.resolve("_metadata"))) {
            CheckpointMetadata metadata =
                    Checkpoints.loadCheckpointMetadata(
                            new DataInputStream(in),
                            StateBench.class.getClassLoader(),
                            savepoint.toString());
            for (OperatorState s : metadata.getOperatorStates()) {
                String uid = uids.get(s.getOperatorID());
                boolean keyed =
                        Uids.ORDER_PER_CUSTOMER.equals(uid) || Uids.PROCESS_LANES.equals(uid);
                sizes.merge(
                        keyed ? uid : "other operators (source, sinks)",
                        s.getStateSize(),
                        Long::sum);
            }
        }
        return sizes;
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }
}
