package dev.floodgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.operators.process.ProcessEvents;
import dev.floodgate.sources.CommittedRecords;
import dev.floodgate.sources.TopicScan;
import dev.floodgate.testkit.kafka.Topics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Section 6: the {@code reconcile} tool over the benchmark's log in its own JVM with a 256 MB heap
 * ({@code --reconcile-heap}). The processed topic is written from the log (one result per event)
 * with five events left out, five written twice and five as processing dead letters instead, so the
 * verdict must be FAILED with exactly those counts (exit 1). Reported: the tool's wall time, its
 * rate over the four topics, and from its own GC log the peak heap in use and the largest heap
 * still live after a collection.
 */
final class ReconcileBench {
    private static final int PLANTED = 5;
    private static final Pattern GC = Pattern.compile("(\\d+)M->(\\d+)M\\(\\d+M\\)");
    private static final Pattern EXIT_USED = Pattern.compile("used (\\d+)K");

    private ReconcileBench() {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        String log = ctx.log();
        String name = "bench.reconcile";
        String processed = name + ".processed";
        String dlq = name + ".dlq";
        String shed = name + ".shed";
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), processed, dlq, shed);
        long t0 = System.nanoTime();
        long valid = writeOutputs(ctx.bootstrap, log, processed, dlq, o.events / PLANTED);
        ctx.results.put(
                "reconcile",
                "outputs written from the log",
                valid / ((System.nanoTime() - t0) / 1e9),
                "events/s");

        Path gcLog = ctx.work.resolve("reconcile-gc.log");
        List<String> command =
                List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + o.reconcileHeap,
                        "-XX:+HeapDumpOnOutOfMemoryError",
                        "-XX:HeapDumpPath=" + ctx.work,
                        "-Xlog:gc,gc+heap+exit:file=" + gcLog,
                        "-Dlog4j.configurationFile=floodgate-tools-log4j2.properties",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.floodgate.job.tools.Tools",
                        "reconcile",
                        "--bootstrap-servers",
                        ctx.bootstrap,
                        "--input-topic",
                        log,
                        "--processed-topic",
                        processed,
                        "--dlq-topic",
                        dlq,
                        "--shed-topic",
                        shed,
                        "--json");
        ctx.results.note(
                "reconcile",
                "running: java -Xmx" + o.reconcileHeap + " ... Tools reconcile --json");
        long r0 = System.nanoTime();
        Process p = new ProcessBuilder(command).start();
        Thread errors =
                new Thread(
                        () -> {
                            try (BufferedReader r = reader(p.getErrorStream())) {
                                r.lines().forEach(l -> ctx.results.note("reconcile", "  " + l));
                            } catch (Exception e) {
                                // the process ended
                            }
                        });
        errors.start();
        String out;
        try (BufferedReader r = reader(p.getInputStream())) {
            out = String.join("\n", r.lines().toList());
        }
        if (!p.waitFor(o.timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("reconcile did not finish within " + o.timeout);
        }
        errors.join(5_000);
        double seconds = (System.nanoTime() - r0) / 1e9;
        Files.copy(gcLog, keptGcLog(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int status = p.exitValue();
        if (status != 1 || out.isBlank()) {
            throw new IllegalStateException(
                    "reconcile ended with status " + status + " (expected 1): " + out);
        }
        JsonNode report = new ObjectMapper().readTree(out);
        check(report, "valid", valid);
        check(report, "missing", PLANTED);
        check(report, "duplicated", PLANTED);
        check(report, "dead_lettered", PLANTED);
        check(report, "processed_once", valid - 3 * PLANTED);
        ctx.results.note("reconcile", "verdict as planted: " + out);
        ctx.results.put("reconcile", "reconcile: wall time", seconds, "s");
        long records = valid * 2; // input, processed and dead letters; the second pass not counted
        ctx.results.put(
                "reconcile", "reconcile: records read / wall time", records / seconds, "records/s");
        double[] heap = heapMb(gcLog);
        ctx.results.put(
                "reconcile", "reconcile: peak heap in use (before a collection)", heap[0], "MB");
        ctx.results.put(
                "reconcile", "reconcile: largest live heap (after a collection)", heap[1], "MB");
        ctx.results.put("reconcile", "reconcile: collections", heap[2], "");
    }

    /**
     * One processed record per valid event of the log, but event {@code i} with {@code i % step} 1
     * is left out, 2 is written twice, 3 becomes a processing dead letter; returns the valid
     * events.
     */
    private static long writeOutputs(
            String bootstrap, String log, String processed, String dlq, long step)
            throws Exception {
        Properties p = CommittedRecords.clientProperties(bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        AtomicReference<Exception> failure = new AtomicReference<>();
        long[] n = {0};
        try (KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(
                                p, new ByteArraySerializer(), new ByteArraySerializer());
                TopicScan scan =
                        TopicScan.open(CommittedRecords.clientProperties(bootstrap), log)) {
            scan.forEach(
                    r -> {
                        Interaction in =
                                InteractionCodec.parse(
                                        new RawRecord(
                                                r.key(),
                                                r.value(),
                                                r.topic(),
                                                r.partition(),
                                                r.offset(),
                                                r.timestamp()),
                                        Integer.MAX_VALUE);
                        long i = n[0]++;
                        long kind = i % step;
                        byte[] key = r.key();
                        if (kind == 3) {
                            send(
                                    producer,
                                    dlq,
                                    key,
                                    OutputCodec.write(
                                            ProcessEvents.deadLetter(
                                                    in, new IllegalStateException("planted"), 1)),
                                    failure);
                        } else if (kind != 1) {
                            byte[] v =
                                    OutputCodec.write(
                                            ProcessedEvent.of(in, Lane.LIVE, "ok", "bench/1", 1));
                            send(producer, processed, key, v, failure);
                            if (kind == 2) {
                                send(producer, processed, key, v, failure);
                            }
                        }
                        return true;
                    },
                    Duration.ofSeconds(60),
                    (t, read, total, rate) -> {});
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("an output was not written", failure.get());
        }
        return n[0];
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            byte[] key,
            byte[] value,
            AtomicReference<Exception> failure) {
        producer.send(
                new ProducerRecord<>(topic, key, value),
                (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
    }

    private static void check(JsonNode report, String field, long expected) {
        if (report.path(field).asLong(-1) != expected) {
            throw new IllegalStateException(
                    "reconcile reported "
                            + field
                            + " "
                            + report.path(field)
                            + ", planted "
                            + expected
                            + ": "
                            + report);
        }
    }

    /**
     * From the GC log: the largest heap in use (before a collection, or at exit), the largest heap
     * still in use after a collection (what the tool really holds; G1 lets the heap fill up to its
     * maximum before collecting), and the number of collections.
     */
    static double[] heapMb(Path gcLog) throws Exception {
        double[] r = new double[3];
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC.matcher(line);
            if (m.find()) {
                r[0] = Math.max(r[0], Double.parseDouble(m.group(1)));
                r[1] = Math.max(r[1], Double.parseDouble(m.group(2)));
                r[2]++;
            }
            Matcher u = EXIT_USED.matcher(line);
            if (line.contains("garbage-first heap") && u.find()) {
                r[0] = Math.max(r[0], Double.parseDouble(u.group(1)) / 1024);
            }
        }
        return r;
    }

    /** The GC log, kept after the run's work folder is deleted. */
    private static Path keptGcLog() throws java.io.IOException {
        Path dir = Path.of("target", "bench");
        Files.createDirectories(dir);
        return dir.resolve("reconcile-gc.log");
    }

    private static BufferedReader reader(java.io.InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
}
