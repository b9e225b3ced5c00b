package dev.floodgate.bench;

import dev.floodgate.job.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/**
 * Section 1: the live job against the raw pipe on the same filled log, in one run. (a) {@link RawPipe}, the
 * physical limit of an exactly-once copy; (b) Kafka's ConsumerPerformance, the read rate for reference; (c) the
 * live job until every event is committed ({@link LiveJobRun}), after a warm-up run of a tenth of the log, with a
 * JFR profile of where the time goes.
 */
final class ThroughputBench {
    private ThroughputBench() {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        BenchResults r = ctx.results;
        String log = ctx.log();
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), "bench.raw-copy");

        ProcessCpu rawCpu = new ProcessCpu();
        double rawSeconds;
        try (ThreadCpu rawThreads = new ThreadCpu()) {
            rawSeconds = RawPipe.copy(ctx.bootstrap, log, "bench.raw-copy", "bench-raw", o.checkpointInterval,
                    o.rawPipeThreads);
            rawThreads.report(r, "cpu", 6);
        }
        double raw = o.events / rawSeconds;
        double rawPerCpu = o.events / rawCpu.cpuSeconds();
        r.put("throughput", "raw pipe (consumer -> transactional producer)", raw, "events/s");
        r.put("throughput", "raw pipe: events per CPU second of this process", rawPerCpu, "events/cpu-s");
        r.put("throughput", "raw pipe: share of the machine's CPU this process got", rawCpu.machineShare(), "ratio");

        r.put("throughput", "Kafka ConsumerPerformance (read only)",
                ConsumerPerf.messagesPerSecond(ctx.bootstrap, log, o.events, "bench-consumer-perf"), "events/s");

        // A short run of the job first: the measured one must not pay for JIT compilation of Flink's and the
        // job's code (it did, about 13% of the CPU; a warm job ran 1.5x as fast).
        LiveJobRun.run(ctx, "bench.warm-up", log, Math.max(1, o.events / 10), new Configuration(), null);
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
}
