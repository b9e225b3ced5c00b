package dev.floodgate.bench;

import dev.floodgate.testkit.kafka.Topics;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToDoubleFunction;
import org.apache.flink.configuration.Configuration;

/**
 * Section 1: the live job against the raw pipe on the same filled log, in one run. (a) {@link
 * RawPipe}, the physical limit of an exactly-once copy; (b) Kafka's ConsumerPerformance, the read
 * rate for reference; (c) the live job until every event is committed ({@link LiveJobRun}), once
 * committing at its periodic checkpoints only and once also at a checkpoint triggered when its
 * sinks have sent the last event, as the raw pipe commits when it reaches the end offsets. Both are
 * timed alike (until a read_committed consumer has seen every event), both warm (warm-up passes
 * over the whole log until the JIT is quiet), in {@code --repeats} rounds of raw pipe then job
 * (medians reported), with CPU by thread and a JFR profile of the first round.
 */
final class ThroughputBench {
    private ThroughputBench() {}

    static void run(BenchContext ctx) throws Exception {
        String log = ctx.log();
        // Recording from the start, for both sides alike: starting JFR retransforms JDK classes,
        // which throws
        // away compiled code; started just before the measured job it cost that job 44 s of
        // recompilation.
        JfrProfile profile = ctx.options.profile ? JfrProfile.start() : null;
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
        // Both sides are measured warm, the way they run in production: passes over the whole log
        // compile the code
        // paths. Cold, JIT compilation was about 60% of the raw pipe's CPU and a third of the
        // job's; on two cores
        // the one C2 compiler thread needs several passes to catch up with the broker's, Flink's
        // and the job's code.
        warmUp(
                r,
                "raw pipe",
                o.warmUpPasses,
                pass -> {
                    Topics.create(
                            ctx.bootstrap, 4, Duration.ofDays(1), "bench.raw-warm-up-" + pass);
                    rawPipe(ctx, log, "bench.raw-warm-up-" + pass, "bench-raw-warm-up-" + pass);
                });
        r.put(
                "throughput",
                "Kafka ConsumerPerformance (read only)",
                ConsumerPerf.messagesPerSecond(ctx.bootstrap, log, o.events, "bench-consumer-perf"),
                "events/s");
        warmUp(
                r,
                "live job",
                o.warmUpPasses,
                pass -> {
                    LiveJobRun.Measured m =
                            LiveJobRun.run(
                                    ctx,
                                    "bench.warm-up-" + pass,
                                    log,
                                    o.events,
                                    new Configuration(),
                                    null);
                    r.note(
                            "warm-up",
                            String.format(
                                    "live job pass %d: %.0f events/s submit to all committed (start-up %.1f s,"
                                            + " processing %.1f s at %.0f events/s, checkpoint wait %.1f s)",
                                    pass,
                                    m.endToEndRate(),
                                    m.startUpSeconds(),
                                    m.processingSeconds(),
                                    m.processingRate(),
                                    m.commitWaitSeconds()));
                });
        // Rounds of raw pipe then job, back to back: on a shared machine the rate of either swings
        // by a third from
        // one minute to the next; a ratio within a round pairs measurements taken under the same
        // conditions.
        List<Round> rounds = new ArrayList<>();
        for (int i = 1; i <= o.repeats; i++) {
            rounds.add(round(ctx, log, i, i == 1 ? profile : null));
        }
        report(ctx, rounds);
    }

    /**
     * One measured round: the raw pipe; the live job committing at its periodic checkpoints only;
     * the live job also committing at a checkpoint triggered when its sinks have sent the last
     * event.
     */
    record Round(
            RawRun rawRun,
            double rawPerCpu,
            double rawShare,
            LiveJobRun.Measured job,
            double jobPerCpu,
            double jobShare,
            LiveJobRun.Measured atEnd,
            Compared compared) {
        double rawRate() {
            return rawRun.events() / rawRun.seconds();
        }

        double rawWritingRate() {
            return rawRun.events() / rawRun.writingSeconds();
        }
    }

    /**
     * The job at {@code --compare-interval} in the same round: at its periodic checkpoints (with
     * its CPU) and committing at the end of the log.
     */
    record Compared(LiveJobRun.Measured job, double jobPerCpu, LiveJobRun.Measured atEnd) {}

    /**
     * A round; the first one also reports CPU by thread and the JFR profile of its periodic job
     * run.
     */
    private static Round round(BenchContext ctx, String log, int i, JfrProfile profile)
            throws Exception {
        BenchOptions o = ctx.options;
        BenchResults r = ctx.results;
        boolean first = i == 1;
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), "bench.raw-copy-" + i);
        collectHeap();
        ProcessCpu rawCpu = new ProcessCpu();
        RawRun raw;
        try (ThreadCpu rawThreads = new ThreadCpu()) {
            raw = rawPipe(ctx, log, "bench.raw-copy-" + i, "bench-raw-" + i);
            if (first) {
                rawThreads.report(r, "cpu", 6);
            }
        }
        double rawPerCpu = o.events / rawCpu.cpuSeconds();
        double rawShare = rawCpu.machineShare();
        collectHeap();
        Instant jobStart = Instant.now();
        ProcessCpu jobCpu = new ProcessCpu();
        ThreadCpu jobThreads = new ThreadCpu();
        LiveJobRun.Measured job;
        try {
            job = LiveJobRun.run(ctx, "bench.live-" + i, log, o.events, new Configuration(), null);
            if (first) {
                jobThreads.report(r, "cpu", 12);
            }
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
        // The same job again, committing like the raw pipe: a checkpoint as soon as the sinks have
        // sent the last event
        collectHeap();
        LiveJobRun.Measured atEnd =
                LiveJobRun.run(
                        ctx,
                        "bench.live-end-" + i,
                        log,
                        o.events,
                        new Configuration(),
                        LiveJobRun.Commit.AT_END_OF_LOG,
                        null);
        Compared compared = null;
        if (o.compareInterval.isPresent() || !o.compareConf.isEmpty()) {
            Duration other = o.compareInterval.orElse(o.checkpointInterval);
            Configuration otherConf = Configuration.fromMap(o.compareConf);
            collectHeap();
            ProcessCpu otherCpu = new ProcessCpu();
            LiveJobRun.Measured otherJob =
                    LiveJobRun.run(
                            ctx,
                            "bench.live-cmp-" + i,
                            log,
                            o.events,
                            otherConf,
                            LiveJobRun.Commit.PERIODIC,
                            null,
                            other);
            double otherPerCpu = o.events / otherCpu.cpuSeconds();
            collectHeap();
            LiveJobRun.Measured otherAtEnd =
                    LiveJobRun.run(
                            ctx,
                            "bench.live-cmp-end-" + i,
                            log,
                            o.events,
                            otherConf,
                            LiveJobRun.Commit.AT_END_OF_LOG,
                            null,
                            other);
            compared = new Compared(otherJob, otherPerCpu, otherAtEnd);
            r.note(
                    "round",
                    String.format(
                            "round %d at %s %s: live job %.0f events/s at the end of the log, %.0f at"
                                    + " periodic checkpoints; ratios: end of the log %.2f, periodic %.2f,"
                                    + " processing %.2f, per CPU second %.2f",
                            i,
                            other,
                            o.compareConf,
                            otherAtEnd.endToEndRate(),
                            otherJob.endToEndRate(),
                            otherAtEnd.endToEndRate() / (raw.events() / raw.seconds()),
                            otherJob.endToEndRate() / (raw.events() / raw.seconds()),
                            otherJob.processingRate() / (raw.events() / raw.writingSeconds()),
                            otherPerCpu / rawPerCpu));
        }
        Round round =
                new Round(raw, rawPerCpu, rawShare, job, jobPerCpu, jobShare, atEnd, compared);
        r.note(
                "round",
                String.format(
                        "round %d: raw pipe %.0f events/s (%.2f s; writing %.0f); live job %.0f at the"
                                + " end of the log (sent all after %.2f s, committed after %.2f s), %.0f at periodic checkpoints"
                                + " (start-up %.2f s, processing %.2f s at %.0f, checkpoint wait %.2f s); ratios: end of the log %.2f,"
                                + " periodic %.2f, processing %.2f, per CPU second %.2f",
                        i,
                        round.rawRate(),
                        raw.seconds(),
                        round.rawWritingRate(),
                        atEnd.endToEndRate(),
                        atEnd.checkpointTriggeredSeconds(),
                        atEnd.submitToCommittedSeconds(),
                        job.endToEndRate(),
                        job.startUpSeconds(),
                        job.processingSeconds(),
                        job.processingRate(),
                        job.commitWaitSeconds(),
                        atEnd.endToEndRate() / round.rawRate(),
                        job.endToEndRate() / round.rawRate(),
                        job.processingRate() / round.rawWritingRate(),
                        jobPerCpu / rawPerCpu));
        return round;
    }

    /** Medians over the rounds; a ratio is the median of the rounds' ratios. */
    private static void report(BenchContext ctx, List<Round> rounds) {
        BenchResults r = ctx.results;
        String t = "throughput";
        r.put(t, "measured rounds (medians below)", rounds.size(), "rounds");
        r.put(
                t,
                "raw pipe (consumer -> transactional producer)",
                median(rounds, Round::rawRate),
                "events/s");
        r.put(
                t,
                "raw pipe, first to last record written",
                median(rounds, Round::rawWritingRate),
                "events/s");
        r.put(
                t,
                "raw pipe: start to all committed",
                median(rounds, x -> x.rawRun().seconds()),
                "s");
        r.put(
                t,
                "raw pipe: events per CPU second of this process",
                median(rounds, Round::rawPerCpu),
                "events/cpu-s");
        r.put(
                t,
                "raw pipe: share of the machine's CPU this process got",
                median(rounds, Round::rawShare),
                "ratio");
        r.put(
                t,
                "live job, submit to all committed",
                median(rounds, x -> x.job().endToEndRate()),
                "events/s");
        r.put(
                t,
                "live job, first to last processed_at",
                median(rounds, x -> x.job().processingRate()),
                "events/s");
        r.put(
                t,
                "live job: submit to first processed_at (start-up)",
                median(rounds, x -> x.job().startUpSeconds()),
                "s");
        r.put(
                t,
                "live job: first to last processed_at (processing)",
                median(rounds, x -> x.job().processingSeconds()),
                "s");
        r.put(
                t,
                "live job: last processed_at to all committed (checkpoint wait)",
                median(rounds, x -> x.job().commitWaitSeconds()),
                "s");
        r.put(
                t,
                "live job: events per CPU second of this process",
                median(rounds, Round::jobPerCpu),
                "events/cpu-s");
        r.put(
                t,
                "live job: share of the machine's CPU this process got",
                median(rounds, Round::jobShare),
                "ratio");
        String atEnd = "live job, checkpoint at the end of the log: ";
        r.put(
                t,
                atEnd + "submit to all committed",
                median(rounds, x -> x.atEnd().endToEndRate()),
                "events/s");
        r.put(
                t,
                atEnd + "first to last processed_at",
                median(rounds, x -> x.atEnd().processingRate()),
                "events/s");
        r.put(
                t,
                atEnd + "seconds to all sent (trigger)",
                median(rounds, x -> x.atEnd().checkpointTriggeredSeconds()),
                "s");
        r.put(
                t,
                atEnd + "seconds to all committed",
                median(rounds, x -> x.atEnd().submitToCommittedSeconds()),
                "s");
        r.put(
                t,
                "ratio live job / raw pipe (submit to all committed, both commit at the end of the log)",
                median(rounds, x -> x.atEnd().endToEndRate() / x.rawRate()),
                "x");
        r.put(
                t,
                "ratio live job / raw pipe (submit to all committed, job at periodic checkpoints only)",
                median(rounds, x -> x.job().endToEndRate() / x.rawRate()),
                "x");
        r.put(
                t,
                "ratio live job / raw pipe (processing: first to last output of each)",
                median(rounds, x -> x.job().processingRate() / x.rawWritingRate()),
                "x");
        r.put(
                t,
                "ratio live job / raw pipe (events per CPU second)",
                median(rounds, x -> x.jobPerCpu() / x.rawPerCpu()),
                "x");
        BenchOptions o = ctx.options;
        if (o.compareInterval.isPresent() || !o.compareConf.isEmpty()) {
            String at =
                    "at "
                            + o.compareInterval.orElse(o.checkpointInterval)
                            + (o.compareConf.isEmpty() ? "" : " " + o.compareConf)
                            + ": ";
            r.put(
                    t,
                    at + "ratio live job / raw pipe (both commit at the end of the log)",
                    median(rounds, x -> x.compared().atEnd().endToEndRate() / x.rawRate()),
                    "x");
            r.put(
                    t,
                    at + "ratio live job / raw pipe (job at periodic checkpoints only)",
                    median(rounds, x -> x.compared().job().endToEndRate() / x.rawRate()),
                    "x");
            r.put(
                    t,
                    at + "ratio live job / raw pipe (processing)",
                    median(rounds, x -> x.compared().job().processingRate() / x.rawWritingRate()),
                    "x");
            r.put(
                    t,
                    at + "ratio live job / raw pipe (events per CPU second)",
                    median(rounds, x -> x.compared().jobPerCpu() / x.rawPerCpu()),
                    "x");
        }
        ctx.liveJobRate = median(rounds, x -> x.job().endToEndRate());
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> value) {
        double[] v = rounds.stream().mapToDouble(value).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** A pass of work that compiles the code paths of the measured one. */
    interface Pass {
        void run(int pass) throws Exception;
    }

    /**
     * A full collection before each measured run, so that no run pays for another's garbage: every
     * job leaves its whole keyed state (the ordering's ids, hundreds of MB) in the old generation,
     * and G1 reclaims it only once its occupancy threshold is crossed, in whichever run comes then
     * (docs/benchmarks.md, run T). A TaskManager holds one job's live state; so does a run now.
     */
    static void collectHeap() {
        System.gc();
    }

    /** A warm-up pass with less JIT compilation than this share of its time ends the warm-up. */
    static final double QUIET_JIT_SHARE = 0.15;

    /**
     * Runs up to {@code maxPasses} warm-up passes, until one in which the JIT compilers were busy
     * for less than {@value #QUIET_JIT_SHARE} of its time (compilation time summed over the
     * compiler threads, so it can exceed the pass's time). At a quarter, the measured job still
     * spent a fifth of its CPU compiling.
     */
    private static void warmUp(BenchResults r, String what, int maxPasses, Pass pass)
            throws Exception {
        for (int i = 1; i <= maxPasses; i++) {
            long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            long t0 = System.nanoTime();
            pass.run(i);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double jitShare =
                    (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit0)
                            / 1e3
                            / seconds;
            r.note(
                    "warm-up",
                    String.format(
                            "%s pass %d: %.1f s, JIT compilation %.0f%% of it",
                            what, i, seconds, 100 * jitShare));
            if (jitShare < QUIET_JIT_SHARE) {
                return;
            }
        }
    }

    /**
     * One raw pipe run: seconds from its start until every event was committed, and the span
     * between the first and the last record it wrote (their log append times: the output topic,
     * like all of Floodgate's, uses LogAppendTime), the counterpart of the job's processing span.
     */
    record RawRun(long events, double seconds, double writingSeconds) {}

    /**
     * The raw pipe, timed as the job is: from its start until a {@code read_committed} consumer has
     * seen every event in the output, with that consumer's cost in the same process.
     */
    private static RawRun rawPipe(BenchContext ctx, String log, String to, String group)
            throws Exception {
        ExecutorService pipe = Executors.newSingleThreadExecutor();
        try (CommittedCounter counter = new CommittedCounter(ctx.bootstrap, to)) {
            long t0 = System.nanoTime();
            CompletableFuture<Double> copy =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return RawPipe.copy(
                                            ctx.bootstrap,
                                            log,
                                            to,
                                            group,
                                            ctx.options.checkpointInterval,
                                            ctx.options.rawPipeThreads);
                                } catch (Exception e) {
                                    throw new CompletionException(e);
                                }
                            },
                            pipe);
            long done =
                    counter.awaitCount(
                            ctx.options.events,
                            ctx.options.timeout,
                            copy::isCompletedExceptionally);
            copy.join();
            return new RawRun(
                    ctx.options.events,
                    (done - t0) / 1e9,
                    Math.max(counter.timestampSpanSeconds(), 0.001));
        } finally {
            pipe.shutdownNow();
        }
    }
}
