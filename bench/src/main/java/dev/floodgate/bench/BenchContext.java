package dev.floodgate.bench;

import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What every section shares: the options, the broker, the Flink cluster, the results, a scratch
 * directory, and the filled interaction log (filled once, by the first section that needs it).
 */
final class BenchContext {
    final BenchOptions options;
    final String bootstrap;
    final LocalFlinkCluster flink;
    final BenchResults results;
    final Path work;
    private String log;

    /**
     * The live job's rate on the log (events/s, submit to all committed), once the throughput
     * section measured it.
     */
    double liveJobRate;

    BenchContext(
            BenchOptions options,
            String bootstrap,
            LocalFlinkCluster flink,
            BenchResults results,
            Path work) {
        this.options = options;
        this.bootstrap = bootstrap;
        this.flink = flink;
        this.results = results;
        this.work = work;
    }

    /**
     * The interaction log of {@code --events} events over {@code --customers} customers, filled on
     * first use.
     */
    String log() throws Exception {
        if (log == null) {
            log = "bench.interactions";
            Topics.create(bootstrap, 4, Duration.ofDays(1), log);
            LogFiller.Filled f =
                    LogFiller.fill(
                            bootstrap,
                            log,
                            options.events,
                            options.customers,
                            options.eventBytes,
                            42,
                            false);
            results.put("log", "filled: events", f.events(), "events");
            results.put("log", "filled: customers", options.customers, "customers");
            results.put("log", "filled: mean value size", f.meanBytes(), "bytes");
            results.put("log", "filled: producer rate", f.rate(), "events/s");
        }
        return log;
    }

    /**
     * An environment for the next job, once the cluster has a free slot per subtask again: a
     * cancelled job's slots (and a replaced TaskManager's) come back a little after the cancel
     * returns.
     */
    StreamExecutionEnvironment environment(Configuration jobConf) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        try {
            while (rest().get("/overview").path("slots-available").asInt() < options.parallelism) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "no " + options.parallelism + " free slots within 60 s");
                }
                Thread.sleep(200);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        // the checkpoint settings of flink-conf/config.yaml, which the jobs' transaction budget
        // check reads from the job's configuration
        Configuration conf = new Configuration(jobConf);
        if (!conf.contains(
                org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_TIMEOUT)) {
            conf.set(
                    org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_TIMEOUT,
                    java.time.Duration.ofMinutes(2));
            conf.set(
                    org.apache.flink.configuration.CheckpointingOptions.TOLERABLE_FAILURE_NUMBER,
                    3);
        }
        return flink.environment(conf);
    }

    FlinkRest rest() {
        return new FlinkRest(flink.webUrl());
    }
}
