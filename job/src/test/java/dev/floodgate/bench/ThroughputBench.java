package dev.floodgate.bench;

import dev.floodgate.job.kafka.Topics;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.configuration.Configuration;

/**
 * Section 1: the live job against the raw pipe on the same filled log, in one run. (a) {@link RawPipe}, the
 * physical limit of an exactly-once copy; (b) Kafka's ConsumerPerformance, the read rate for reference; (c) the
 * live job until every event is committed ({@link LiveJobRun}), once committing at its periodic checkpoints only
 * and once also at a checkpoint triggered when its sinks have sent the last event, as the raw pipe commits when it
 * reaches the end offsets. Both are timed alike (until a read_committed consumer has seen every event), both warm
 * (warm-up passes over the whole log until the JIT is quiet), with CPU by thread per phase and a JFR profile of the
 * first measured job run.
 */
final class ThroughputBench {
    private ThroughputBench() {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        BenchResults r = ctx.results;
        String log = ctx.log();
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), "bench.raw-copy");
        // Recording from the start, for both sides alike: starting JFR retransforms JDK classes, which throws
        // away compiled code; started just before the measured job it cost that job 44 s of recompilation.
        JfrProfile profile = o.profile ? JfrProfile.start() : null;
        try {
            measure(ctx, log, profile);
        } finally {
            if (profile != null) {
                profile.close();
            }
        }
    }

    private static void measure(BenchContext ctx, String log, JfrProfile profile) throws Exception {
        BenchOptions o = ctx.options;
        BenchResults r = ctx.results;
        // Both sides are measured warm, the way they run in production: passes over the whole log compile the code
        // paths. Cold, JIT compilation was about 60% of the raw pipe's CPU and a third of the job's; on two cores
        // the one C2 compiler thread needs several passes to catch up with the broker's, Flink's and the job's code.
        warmUp(r, "raw pipe", o.warmUpPasses, pass -> {
            Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), "bench.raw-warm-up-" + pass);
            rawPipe(ctx, log, "bench.raw-warm-up-" + pass, "bench-raw-warm-up-" + pass);
        });
        ProcessCpu rawCpu = new ProcessCpu();
        RawRun rawRun;
        try (ThreadCpu rawThreads = new ThreadCpu()) {
            rawRun = rawPipe(ctx, log, "bench.raw-copy", "bench-raw");
            rawThreads.report(r, "cpu", 6);
        }
        double rawSeconds = rawRun.seconds();
        double raw = o.events / rawSeconds;
        double rawWriting = o.events / rawRun.writingSeconds();
        double rawPerCpu = o.events / rawCpu.cpuSeconds();
        r.put("throughput", "raw pipe (consumer -> transactional producer)", raw, "events/s");
        r.put("throughput", "raw pipe, first to last record written", rawWriting, "events/s");
        r.put("throughput", "raw pipe: events per CPU second of this process", rawPerCpu, "events/cpu-s");
        r.put("throughput", "raw pipe: share of the machine's CPU this process got", rawCpu.machineShare(), "ratio");

        r.put("throughput", "Kafka ConsumerPerformance (read only)",
                ConsumerPerf.messagesPerSecond(ctx.bootstrap, log, o.events, "bench-consumer-perf"), "events/s");

        warmUp(r, "live job", o.warmUpPasses, pass -> {
            LiveJobRun.Measured m = LiveJobRun.run(ctx, "bench.warm-up-" + pass, log, o.events, new Configuration(),
                    null);
            r.note("warm-up", String.format("live job pass %d: %.0f events/s submit to all committed (start-up %.1f s,"
                    + " processing %.1f s at %.0f events/s, checkpoint wait %.1f s)", pass, m.endToEndRate(),
                    m.startUpSeconds(), m.processingSeconds(), m.processingRate(), m.commitWaitSeconds()));
        });
        Instant jobStart = Instant.now();
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
                profile.stopAndReport(jfr.toAbsolutePath(), jobStart, r, 15);
            }
        }
        double jobPerCpu = o.events / jobCpu.cpuSeconds();
        double jobShare = jobCpu.machineShare();
        // The same job again, committing like the raw pipe: a checkpoint as soon as the sinks have sent the last event
        LiveJobRun.Measured atEnd = LiveJobRun.run(ctx, "bench.live-end", log, o.events, new Configuration(),
                LiveJobRun.Commit.AT_END_OF_LOG, null);
        ctx.liveJobRate = job.endToEndRate();
        r.put("throughput", "live job, submit to all committed", job.endToEndRate(), "events/s");
        r.put("throughput", "live job, first to last processed_at", job.processingRate(), "events/s");
        r.put("throughput", "live job: submit to first processed_at (start-up)", job.startUpSeconds(), "s");
        r.put("throughput", "live job: first to last processed_at (processing)", job.processingSeconds(), "s");
        r.put("throughput", "live job: last processed_at to all committed (checkpoint wait)",
                job.commitWaitSeconds(), "s");
        r.put("throughput", "live job, checkpoint at the end of the log: submit to all committed",
                atEnd.endToEndRate(), "events/s");
        r.put("throughput", "live job, checkpoint at the end of the log: first to last processed_at",
                atEnd.processingRate(), "events/s");
        r.put("throughput", "live job, checkpoint at the end of the log: seconds to all sent (trigger)",
                atEnd.checkpointTriggeredSeconds(), "s");
        r.put("throughput", "live job, checkpoint at the end of the log: seconds to all committed",
                atEnd.submitToCommittedSeconds(), "s");
        r.put("throughput", "raw pipe: start to all committed", rawSeconds, "s");
        r.put("throughput", "ratio live job / raw pipe (submit to all committed, both commit at the end of the log)",
                atEnd.endToEndRate() / raw, "x");
        r.put("throughput", "ratio live job / raw pipe (submit to all committed, job at periodic checkpoints only)",
                job.endToEndRate() / raw, "x");
        r.put("throughput", "ratio live job / raw pipe (processing: first to last output of each)",
                job.processingRate() / rawWriting, "x");
        r.put("throughput", "live job: events per CPU second of this process", jobPerCpu, "events/cpu-s");
        r.put("throughput", "live job: share of the machine's CPU this process got", jobShare, "ratio");
        r.put("throughput", "ratio live job / raw pipe (events per CPU second)", jobPerCpu / rawPerCpu, "x");
    }

    /** A pass of work that compiles the code paths of the measured one. */
    interface Pass {
        void run(int pass) throws Exception;
    }

    /** A warm-up pass with less JIT compilation than this share of its time ends the warm-up. */
    static final double QUIET_JIT_SHARE = 0.15;

    /**
     * Runs up to {@code maxPasses} warm-up passes, until one in which the JIT compilers were busy for less than
     * {@value #QUIET_JIT_SHARE} of its time (compilation time summed over the compiler threads, so it can exceed the
     * pass's time). At a quarter, the measured job still spent a fifth of its CPU compiling.
     */
    private static void warmUp(BenchResults r, String what, int maxPasses, Pass pass) throws Exception {
        for (int i = 1; i <= maxPasses; i++) {
            long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            long t0 = System.nanoTime();
            pass.run(i);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double jitShare = (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit0) / 1e3
                    / seconds;
            r.note("warm-up", String.format("%s pass %d: %.1f s, JIT compilation %.0f%% of it", what, i, seconds,
                    100 * jitShare));
            if (jitShare < QUIET_JIT_SHARE) {
                return;
            }
        }
    }

    /**
     * One raw pipe run: seconds from its start until every event was committed, and the span between the first
     * and the last record it wrote (their log append times: the output topic, like all of Floodgate's, uses
     * LogAppendTime), the counterpart of the job's processing span.
     */
    record RawRun(double seconds, double writingSeconds) {}

    /**
     * The raw pipe, timed as the job is: from its start until a {@code read_committed} consumer has seen every
     * event in the output, with that consumer's cost in the same process.
     */
    private static RawRun rawPipe(BenchContext ctx, String log, String to, String group) throws Exception {
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
            return new RawRun((done - t0) / 1e9, Math.max(counter.timestampSpanSeconds(), 0.001));
        } finally {
            pipe.shutdownNow();
        }
    }
}
