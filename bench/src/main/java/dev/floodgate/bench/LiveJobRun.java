package dev.floodgate.bench;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.FloodgateJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * The live job ({@link FloodgateJob#submit}: parse, ordering, shed check, pass-through processing,
 * exactly-once Kafka sinks) run from the start of a filled log until every event is committed as
 * processed or shed, with the options a user would give. Shedding and hot-key detection run but
 * cannot trigger (SLOs of an hour, a hot-key rate of a million per second): a pre-filled log is old
 * by the time the job reads it, and the count must not depend on shedding.
 */
final class LiveJobRun {
    /**
     * What one run measured: seconds from submit to every event committed, split into start-up
     * (submit to the first {@code processed_at}), processing (first to last {@code processed_at})
     * and the wait for the commit (last {@code processed_at} until a {@code read_committed}
     * consumer has seen every event: the rest of the checkpoint interval, the checkpoint and the
     * transaction commit); and, with {@link Commit#AT_END_OF_LOG}, the seconds from submit until
     * the sinks had sent every event and the checkpoint was triggered (else NaN).
     */
    record Measured(
            long events,
            double submitToCommittedSeconds,
            double startUpSeconds,
            double processingSeconds,
            double checkpointTriggeredSeconds,
            long shed,
            String shedReasons) {
        double endToEndRate() {
            return events / submitToCommittedSeconds;
        }

        double processingRate() {
            return events / processingSeconds;
        }

        double commitWaitSeconds() { // wall-clock spans from a monotonic total: can round below
            // zero
            return Math.max(0, submitToCommittedSeconds - startUpSeconds - processingSeconds);
        }
    }

    /** When the job's sinks commit what they wrote. */
    enum Commit {
        /**
         * At the checkpoints of the interval only, the first at a random delay (Flink spreads jobs'
         * checkpoints).
         */
        PERIODIC,
        /**
         * Also at a checkpoint triggered over REST as soon as the sinks have handed the last event
         * to their producers: the counterpart of the raw pipe's commit when it reaches the end
         * offsets it found at start.
         */
        AT_END_OF_LOG
    }

    /**
     * The sink writers whose records the run counts (the names {@code FloodgateJob} gives them).
     */
    private static final String[] COUNTED_SINKS = {"processed -> kafka", "shed lane -> kafka"};

    /**
     * Called after every event is committed, before the job is cancelled (e.g. to take a
     * savepoint).
     */
    interface BeforeCancel {
        void accept(JobClient job) throws Exception;
    }

    private LiveJobRun() {}

    static Measured run(
            BenchContext ctx,
            String name,
            String log,
            long events,
            Configuration jobConf,
            BeforeCancel beforeCancel)
            throws Exception {
        return run(ctx, name, log, events, jobConf, Commit.PERIODIC, beforeCancel);
    }

    /**
     * {@link #run} with more job options: e.g. a {@code --processor-url} instead of the dry run.
     */
    static Measured run(
            BenchContext ctx,
            String name,
            String log,
            long events,
            Configuration jobConf,
            Commit commit,
            BeforeCancel beforeCancel,
            String... extra)
            throws Exception {
        return run(
                ctx,
                name,
                log,
                events,
                jobConf,
                commit,
                beforeCancel,
                ctx.options.checkpointInterval,
                extra);
    }

    /** The same at a checkpoint interval of its own (the throughput section's comparison). */
    static Measured run(
            BenchContext ctx,
            String name,
            String log,
            long events,
            Configuration jobConf,
            Commit commit,
            BeforeCancel beforeCancel,
            Duration interval,
            String... extra)
            throws Exception {
        String processed = name + ".processed";
        String shed = name + ".shed";
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--shed-voice",
                                "1h/30min",
                                "--shed-image",
                                "1h/30min",
                                "--hot-key-rate",
                                "1000000"));
        args.addAll(List.of(extra));
        FloodgateOptions options = options(ctx, interval, name, log, args.toArray(new String[0]));
        Configuration conf = new Configuration(jobConf);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        try (CommittedCounter counter = new CommittedCounter(ctx.bootstrap, processed, shed)) {
            long t0 = System.nanoTime();
            long submittedAt = System.currentTimeMillis();
            JobClient job = FloodgateJob.submit(ctx.environment(conf), options);
            VertexLoad load = new VertexLoad(ctx.rest(), job.getJobID().toString());
            EndOfLogTrigger trigger =
                    commit == Commit.AT_END_OF_LOG
                            ? new EndOfLogTrigger(
                                    ctx, job.getJobID().toString(), events, COUNTED_SINKS)
                            : null;
            try {
                return measure(
                        ctx,
                        name,
                        processed,
                        events,
                        counter,
                        job,
                        load,
                        trigger,
                        beforeCancel,
                        t0,
                        submittedAt);
            } finally {
                if (trigger != null) {
                    trigger.result(); // read it also after a failure: the cluster waits for unread
                    // results at shutdown
                }
            }
        }
    }

    /**
     * The rest of {@link #run} once the job is submitted: waits for every event, cancels, splits
     * the time.
     */
    private static Measured measure(
            BenchContext ctx,
            String name,
            String processed,
            long events,
            CommittedCounter counter,
            JobClient job,
            VertexLoad load,
            EndOfLogTrigger trigger,
            BeforeCancel beforeCancel,
            long t0,
            long submittedAt)
            throws Exception {
        long done;
        try {
            done = counter.awaitCount(events, ctx.options.timeout, () -> failed(ctx, job));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    e.getMessage() + "; root exception: " + rootException(ctx, job), e);
        } finally {
            if (trigger != null) {
                trigger.close();
            }
        }
        double triggered = trigger == null ? Double.NaN : trigger.triggeredAt();
        if (trigger != null && Double.isNaN(triggered)) {
            throw new IllegalStateException(
                    "the end-of-log checkpoint was never triggered: the sinks' record"
                            + " counters ("
                            + String.join(", ", COUNTED_SINKS)
                            + ") did not reach "
                            + events);
        }
        load.report(ctx.results, "load");
        if (beforeCancel != null) {
            beforeCancel.accept(job);
        }
        job.cancel().get(1, TimeUnit.MINUTES);
        if (trigger != null) {
            ctx.results.note(
                    "throughput", "end-of-log checkpoint of " + name + ": " + trigger.result());
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (byte[] v : counter.edges(processed)) {
            long at = read(v).processedAt;
            first = Math.min(first, at);
            last = Math.max(last, at);
        }
        if (first > last) { // everything was shed: no processing span to measure
            first = last = submittedAt;
        }
        return new Measured(
                events,
                (done - t0) / 1e9,
                Math.max(0, first - submittedAt) / 1000.0,
                Math.max(last - first, 1) / 1000.0,
                (triggered - t0) / 1e9,
                counter.count(name + ".shed"),
                counter.shedReasons());
    }

    /**
     * The live job's options for a run named {@code name} (its topics {@code
     * name.processed|shed|dlq}, created here, its group and transactional ids) on {@code log}, from
     * the earliest offset, plus {@code extra}: a dry run unless {@code extra} names a {@code
     * --processor-url}.
     */
    static FloodgateOptions options(BenchContext ctx, String name, String log, String... extra)
            throws Exception {
        return options(ctx, ctx.options.checkpointInterval, name, log, extra);
    }

    static FloodgateOptions options(
            BenchContext ctx, Duration interval, String name, String log, String... extra)
            throws Exception {
        Topics.create(
                ctx.bootstrap,
                4,
                Duration.ofDays(1),
                name + ".processed",
                name + ".shed",
                name + ".dlq");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--dry-run",
                                Boolean.toString(!List.of(extra).contains("--processor-url")),
                                "--kafka-plaintext",
                                "true",
                                "--bootstrap-servers",
                                ctx.bootstrap,
                                "--input-topic",
                                log,
                                "--processed-topic",
                                name + ".processed",
                                "--shed-topic",
                                name + ".shed",
                                "--dlq-topic",
                                name + ".dlq",
                                "--group-id",
                                name,
                                "--transactional-id-prefix",
                                name,
                                "--starting-offsets",
                                "earliest",
                                "--checkpoint-interval",
                                interval.toMillis() + "ms",
                                "--parallelism",
                                Integer.toString(ctx.options.parallelism),
                                "--transaction-timeout",
                                "10min"));
        args.addAll(List.of(extra));
        return FloodgateOptions.fromArgs(args.toArray(new String[0]), JobKind.LIVE);
    }

    /**
     * The job's root exception as the REST API reports it, for the error message of a failed run.
     */
    static String rootException(BenchContext ctx, JobClient job) {
        try {
            String text =
                    job.getJobStatus().get(10, TimeUnit.SECONDS)
                            + ": "
                            + ctx.rest().get("/jobs/" + job.getJobID() + "/exceptions").toString();
            return text.length() > 3000 ? text.substring(0, 3000) : text;
        } catch (Exception e) {
            return "(not available: " + e + ")";
        }
    }

    /**
     * Whether the job failed or was cancelled, asked over REST (the JobClient opens a connection
     * per call).
     */
    static boolean failed(BenchContext ctx, JobClient job) {
        try {
            String s = ctx.rest().get("/jobs/" + job.getJobID()).path("state").asText();
            return s.equals(JobStatus.FAILED.name()) || s.equals(JobStatus.CANCELED.name());
        } catch (Exception e) {
            return false;
        }
    }

    private static ProcessedEvent read(byte[] v) {
        try {
            return OutputCodec.readProcessed(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
