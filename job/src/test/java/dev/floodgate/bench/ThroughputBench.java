package dev.floodgate.bench;

import dev.floodgate.job.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.configuration.Configuration;

/**
 * Section 1: the live job against the raw pipe on the same filled log, in one run. (a) {@link RawPipe}, the
 * physical limit of an exactly-once copy; (b) Kafka's ConsumerPerformance, the read rate for reference; (c) the
 * live job until every event is committed ({@link LiveJobRun}), each after a warm-up pass over the whole log, with a
 * JFR profile of where the time goes.
 */
final class ThroughputBench {
    private ThroughputBench() {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        BenchResults r = ctx.results;
        String log = ctx.log();
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), "bench.raw-copy", "bench.raw-warm-up");

        // Both sides are measured warm, the way they run in production: a first pass over the whole log compiles
        // the code paths. Cold, JIT compilation was about 60% of the raw pipe's CPU and a third of the job's (a
        // tenth of the log was not enough to warm the job: 24 s of compilation remained in its measured run).
        rawPipeSeconds(ctx, log, "bench.raw-warm-up", "bench-raw-warm-up");

        ProcessCpu rawCpu = new ProcessCpu();
        double rawSeconds;
        try (ThreadCpu rawThreads = new ThreadCpu()) {
            rawSeconds = rawPipeSeconds(ctx, log, "bench.raw-copy", "bench-raw");
            rawThreads.report(r, "cpu", 6);
        }
        double raw = o.events / rawSeconds;
        double rawPerCpu = o.events / rawCpu.cpuSeconds();
        r.put("throughput", "raw pipe (consumer -> transactional producer)", raw, "events/s");
        r.put("throughput", "raw pipe: events per CPU second of this process", rawPerCpu, "events/cpu-s");
        r.put("throughput", "raw pipe: share of the machine's CPU this process got", rawCpu.machineShare(), "ratio");

        r.put("throughput", "Kafka ConsumerPerformance (read only)",
                ConsumerPerf.messagesPerSecond(ctx.bootstrap, log, o.events, "bench-consumer-perf"), "events/s");

        LiveJobRun.run(ctx, "bench.warm-up", log, o.events, new Configuration(), null);
        JfrProfile profile = o.profile ? JfrProfile.start() : null;
        ProcessCpu jobCpu = new ProcessCpu();
        ThreadCpu jobThreads = new ThreadCpu();
        LiveJobRun.Measured job;
        try {
            job = LiveJobRun.run(ctx, "bench.live", log, o.events, new Configuration(), null);
            jobThreads.report(r, "cpu", 12);
        } finally {
            jobThreads.close();
            if (profile != null) {
                Path jfr = Path.of("target", "bench", "live-job.jfr"); // kept, for jfr print / JMC
                Files.createDirectories(jfr.getParent());
                profile.stopAndReport(jfr.toAbsolutePath(), r, 15);
                profile.close();
            }
        }
        double jobPerCpu = o.events / jobCpu.cpuSeconds();
        double jobShare = jobCpu.machineShare();
        ctx.liveJobRate = job.endToEndRate();
        r.put("throughput", "live job, submit to all committed", job.endToEndRate(), "events/s");
        r.put("throughput", "live job, first to last processed_at", job.processingRate(), "events/s");
        r.put("throughput", "ratio live job / raw pipe (submit to all committed)", job.endToEndRate() / raw, "x");
        r.put("throughput", "ratio live job / raw pipe (processing)", job.processingRate() / raw, "x");
        r.put("throughput", "live job: events per CPU second of this process", jobPerCpu, "events/cpu-s");
        r.put("throughput", "live job: share of the machine's CPU this process got", jobShare, "ratio");
        r.put("throughput", "ratio live job / raw pipe (events per CPU second)", jobPerCpu / rawPerCpu, "x");
    }

    /**
     * The raw pipe, timed as the job is: from its start until a {@code read_committed} consumer has seen every
     * event in the output, with that consumer's cost in the same process.
     */
    private static double rawPipeSeconds(BenchContext ctx, String log, String to, String group) throws Exception {
        ExecutorService pipe = Executors.newSingleThreadExecutor();
        try (CommittedCounter counter = new CommittedCounter(ctx.bootstrap, to)) {
            long t0 = System.nanoTime();
            CompletableFuture<Double> copy = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawPipe.copy(ctx.bootstrap, log, to, group, ctx.options.checkpointInterval,
                            ctx.options.rawPipeThreads);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, pipe);
            long done = counter.awaitCount(ctx.options.events, ctx.options.timeout, copy::isCompletedExceptionally);
            copy.join();
            return (done - t0) / 1e9;
        } finally {
            pipe.shutdownNow();
        }
    }
}
