package dev.floodgate.bench;

import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.io.Dirs;
import dev.floodgate.testkit.kafka.EmbeddedKafka;
import dev.floodgate.testkit.net.FreePorts;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;

/**
 * Floodgate's benchmark program (docs/benchmarks.md): on a real in-process Kafka broker and a Flink
 * cluster in this process, it measures, section by section, (1) the live job's throughput against a
 * raw Kafka copy loop and Kafka's ConsumerPerformance, (2) the flood with shedding on and off and
 * checkpoints unaligned and aligned, (3) recovery from a lost TaskManager, (4) state bytes per
 * customer, (5) the backfill drain rate, (6) the reconcile tool's time and peak heap over the log
 * in a 256 MB JVM, and prints the numbers. {@code --help} lists the options; {@code --smoke} runs
 * every section at tiny sizes.
 */
public final class Benchmarks {
    private Benchmarks() {}

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            if (a.contains("--help")) {
                System.out.println(BenchOptions.usage());
                return;
            }
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int status = 1;
        try {
            run(options, System.out);
            status = 0;
        } catch (Throwable e) {
            e.printStackTrace(); // System.exit below would otherwise swallow it: the run's
            // only error report
        } finally {
            System.exit(status); // Kafka and Flink leave non-daemon threads behind, also after a
            // failure
        }
    }

    /** Runs the selected sections and returns what they measured. */
    public static BenchResults run(BenchOptions o, PrintStream out) throws Exception {
        BenchResults results = new BenchResults(out);
        out.printf(
                "Floodgate benchmark: sections %s; %d cores, %.1f GiB max heap, java %s; load average %.2f%n",
                o.sections,
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() / (1024.0 * 1024 * 1024),
                System.getProperty("java.version"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Path work = Files.createTempDirectory("floodgate-bench");
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
        // checkpoints to files, as in production (flink-conf): the default in-memory storage caps
        // state at 5 MB
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                work.resolve("checkpoints").toUri().toString());
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 3); // as flink-conf/config.yaml
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(2));
        // counts the sinks' records in-process, for the checkpoint at the end of the log
        // (ThroughputBench)
        conf.setString(
                "metrics.reporter." + SinkProgress.NAME + ".factory.class",
                SinkProgress.Factory.class.getName());
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                LocalFlinkCluster flink =
                        LocalFlinkCluster.start(
                                FreePorts.one(), FreePorts.one(), o.parallelism, conf)) {
            BenchContext ctx = new BenchContext(o, kafka.bootstrapServers(), flink, results, work);
            long t0 = System.nanoTime();
            for (String section : o.sections) {
                long s0 = System.nanoTime();
                switch (section) {
                    case "throughput" -> ThroughputBench.run(ctx);
                    case "http" -> HttpBench.run(ctx);
                    case "flood" -> FloodBench.run(ctx);
                    case "recovery" -> RecoveryBench.run(ctx);
                    case "state" -> StateBench.run(ctx);
                    case "backfill" -> BackfillBench.run(ctx);
                    case "yield" -> YieldBench.run(ctx);
                    case "reconcile" -> ReconcileBench.run(ctx);
                    case "visible" -> VisibleBench.run(ctx);
                    default -> throw new IllegalStateException(section);
                }
                results.note(
                        section,
                        String.format(
                                "section took %.1f s; load average now %.2f",
                                (System.nanoTime() - s0) / 1e9,
                                ManagementFactory.getOperatingSystemMXBean()
                                        .getSystemLoadAverage()));
            }
            results.note("total", String.format("%.1f s", (System.nanoTime() - t0) / 1e9));
        } finally {
            Dirs.deleteRecursively(work);
        }
        return results;
    }
}
