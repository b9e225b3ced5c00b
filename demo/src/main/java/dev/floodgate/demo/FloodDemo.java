package dev.floodgate.demo;

import dev.floodgate.job.BackfillJob;
import dev.floodgate.job.Checkpointing;
import dev.floodgate.job.FloodgateJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.job.tools.Reconcile;
import dev.floodgate.job.tools.ReconcileReport;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Lane;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.service.CapacityLimitedService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Monday flood in one command (see docs/demo.md): a Kafka broker, the processing service and a
 * Flink cluster with its web UI; the live job; the story's stream (calm, a flood at three times the
 * capacity, calm) with the live view once a second; then the live job stopped with a savepoint, the
 * shed lane drained by the backfill job, reconcile, and a report (chart and summary). With {@code
 * --keep-running} the live job starts again from its savepoint and everything stays up until
 * Ctrl-C. Everything it starts, it stops.
 */
public final class FloodDemo {
    private static final Logger OUT = LoggerFactory.getLogger("floodgate.demo");
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(5);

    /**
     * Once the log is read to its end, this many seconds without output means the job will not
     * account for more.
     */
    private static final int QUIET_SECONDS = 15;

    private FloodDemo() {}

    public static void main(String[] args) throws Exception {
        try {
            DemoOptions o = DemoOptions.parse(args);
            if (o.help) {
                System.out.println(DemoOptions.usage());
            } else if (o.generateOnly) {
                LoadTool.run(o);
            } else {
                DemoSummary s = run(o);
                System.exit(s.reconcile().passed() ? 0 : 1);
            }
        } catch (IllegalArgumentException e) {
            OUT.error("{}\n(--help lists the options)", e.getMessage());
            System.exit(2);
        }
    }

    private static Map<Channel, Long> serviceCalls(DemoStack stack) {
        Map<Channel, Long> calls = new EnumMap<>(Channel.class);
        for (Channel c : Channel.values()) {
            calls.put(c, stack.service().calls(c));
        }
        return calls;
    }

    /** {@code summary.json}: the flood's freshness per channel and priority, machine-readable. */
    private static com.fasterxml.jackson.databind.node.ObjectNode writeFreshness(
            DemoOptions o,
            Story story,
            FreshnessStats freshness,
            VisibleAges visible,
            long storyStart,
            boolean passed,
            java.util.List<Sample> samples)
            throws IOException {
        Map<Channel, Long> callMillis = new EnumMap<>(Channel.class);
        DemoStack.LATENCY.forEach((c, d) -> callMillis.put(c, d.toMillis()));
        Files.createDirectories(o.output);
        com.fasterxml.jackson.databind.node.ObjectNode summary =
                freshness.summary(
                        storyStart + Math.round(story.floodStartSecond() * 1000),
                        storyStart + Math.round(story.floodEndSecond() * 1000),
                        DemoStack.capacity(o.voiceCapacity),
                        DemoStack.slots(o.voiceCapacity),
                        callMillis,
                        o.floodFactor,
                        o.shedding,
                        passed);
        summary.put("voice_outage_s", o.voiceOutage.toSeconds());
        // what a read_committed reader saw: the same events, at the commit of their checkpoint
        visible.summarize(
                summary,
                storyStart + Math.round(story.floodStartSecond() * 1000),
                storyStart + Math.round(story.floodEndSecond() * 1000));
        double checkpointSeconds =
                Checkpointing.interval(jobConf(null), jobOptions(o, "localhost:0", "none"))
                                .toMillis()
                        / 1000.0;
        summary.put("checkpoint_interval_s", checkpointSeconds);
        ShedChecks.put(summary, o, story, samples, freshness, storyStart, checkpointSeconds);
        freshness.write(o.output.resolve(FreshnessStats.FILE), summary);
        return summary;
    }

    static DemoSummary run(DemoOptions o) throws Exception {
        long t0 = System.nanoTime();
        ArchiveFolder.clear(o.output.resolve("archive")); // this run's archive only
        try (DemoStack stack = DemoStack.start(o, jobOptions(o, "localhost:0", "none"))) {
            String bootstrap = stack.bootstrapServers();
            FloodgateOptions job = jobOptions(o, bootstrap, stack.service().baseUri().toString());
            LocalFlinkCluster flink = stack.flink();
            JobClient live =
                    stack.track(FloodgateJob.submit(flink.environment(jobConf(null)), job));
            JobProbe probe =
                    new JobProbe(new FlinkRest(flink.webUrl()), live.getJobID().toString());
            probe.awaitRunning(120_000);
            OUT.info(
                    "Kafka at {}; processing service at {}; Flink web UI at {}",
                    bootstrap,
                    stack.service().baseUri(),
                    flink.webUrl());
            if (flink.prometheusUrl() != null) {
                OUT.info(
                        "Prometheus metrics at {} ({} Flink series now)",
                        flink.prometheusUrl(),
                        flink.prometheusSeries());
            }
            OUT.info(
                    "live job {} running; watch the flood in the backpressure tab: {}",
                    live.getJobID(),
                    probe.backpressureUrl(flink.webUrl()));

            Story story = new Story(o);
            FreshnessStats freshness = new FreshnessStats();
            FloodGenerator generator =
                    new FloodGenerator(
                            bootstrap,
                            job.get(FloodgateOptions.INPUT_TOPIC),
                            story.profile(),
                            o.seed);
            try (LogLag log =
                            new LogLag(
                                    bootstrap,
                                    job.get(FloodgateOptions.INPUT_TOPIC),
                                    job.get(FloodgateOptions.GROUP_ID));
                    OutputTail outputs =
                            new OutputTail(
                                    bootstrap,
                                    job.get(FloodgateOptions.PROCESSED_TOPIC),
                                    job.get(FloodgateOptions.SHED_TOPIC),
                                    job.get(FloodgateOptions.DLQ_TOPIC),
                                    freshness);
                    VisibleAges visible =
                            new VisibleAges(bootstrap, job.get(FloodgateOptions.PROCESSED_TOPIC))) {
                OUT.info(
                        "the story: {} of Monday morning in {}, about {} events; capacity {} events/s",
                        story.clockAt(0) + "-" + story.clockAt(story.length().toSeconds()),
                        story.length(),
                        String.format("%,d", story.expectedEvents()),
                        String.format("%.0f", story.capacity()));
                Progress progress = new Progress(story, log, outputs, System.nanoTime());
                progress.watch(probe);
                long storyStart = System.currentTimeMillis();
                Thread writer = LoadTool.start(generator, story);
                long deadline =
                        System.nanoTime() + story.length().toNanos() + CATCH_UP_TIMEOUT.toNanos();
                int quiet = 0;
                long outageAt =
                        storyStart
                                + Math.round(
                                        (story.floodStartSecond()
                                                        + (story.floodEndSecond()
                                                                        - story.floodStartSecond())
                                                                / 3)
                                                * 1000);
                boolean outageDone = o.voiceOutage.isZero();
                while (writer.isAlive() || !caughtUp(outputs, generator)) {
                    if (!outageDone && System.currentTimeMillis() >= outageAt) {
                        OUT.info(
                                "{} the speech-to-text service goes down for {}",
                                story.clockAt((System.currentTimeMillis() - storyStart) / 1000),
                                o.voiceOutage);
                        stack.service().outage(Channel.VOICE, o.voiceOutage);
                        outageDone = true;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "the live job did not catch up within "
                                        + CATCH_UP_TIMEOUT
                                        + " after the story; the web UI shows why: "
                                        + flink.webUrl());
                    }
                    Sample s = progress.next();
                    freshness.service(System.currentTimeMillis(), serviceCalls(stack));
                    quiet =
                            !writer.isAlive() && s.backlog() == 0 && s.processedPerSecond() == 0
                                    ? quiet + 1
                                    : 0;
                    if (quiet >= QUIET_SECONDS) {
                        OUT.info(
                                "the log is read to its end and nothing has come out for {} s, yet some events are "
                                        + "neither processed, shed nor dead letters: reconcile names them",
                                QUIET_SECONDS);
                        break;
                    }
                }
                LoadTool.rethrow(writer);
                JobProbe.Checkpoints checkpoints = probe.checkpoints();
                OUT.info(
                        "{} the flood is over and the live job has caught up: stop with a savepoint",
                        story.clockAt(
                                progress.samples().get(progress.samples().size() - 1).second()));
                String savepoint =
                        live.stopWithSavepoint(
                                        false,
                                        o.output
                                                .resolve("savepoints")
                                                .toAbsolutePath()
                                                .toUri()
                                                .toString(),
                                        SavepointFormatType.CANONICAL)
                                .get(2, TimeUnit.MINUTES);
                OUT.info("savepoint {}", savepoint);
                progress.draining();

                double drainStart = progress.samples().get(progress.samples().size() - 1).second();
                Duration drainTime = drain(o, stack, bootstrap, progress);
                ReconcileReport verdict = Reconcile.run(job, EnumSet.of(Lane.LIVE, Lane.BACKFILL));
                DemoSummary summary =
                        new DemoSummary(
                                generator.recordsSent(),
                                generator.sentValid().size(),
                                generator.sentPoison().values().stream()
                                        .mapToInt(Integer::intValue)
                                        .sum(),
                                outputs.shed(),
                                outputs.deadLettersByReason(),
                                ArchiveFolder.records(o.output.resolve("archive")),
                                Progress.percentile(progress.allHighAges(), 0.99),
                                Progress.percentile(progress.allOtherAges(), 0.99),
                                Progress.percentile(progress.allBackfillAges(), 0.99),
                                progress.samples().stream()
                                        .filter(x -> !x.phase().equals("drain"))
                                        .mapToLong(Sample::backlog)
                                        .max()
                                        .orElse(0),
                                checkpoints,
                                savepoint,
                                drainTime,
                                Duration.ofNanos(System.nanoTime() - t0),
                                verdict);
                OUT.info(summary.render());
                var perChannel =
                        writeFreshness(
                                o,
                                story,
                                freshness,
                                visible,
                                storyStart,
                                verdict.passed(),
                                progress.samples());
                Path report =
                        DemoReport.write(
                                o.output, o, story, progress, drainStart, summary, perChannel);
                OUT.info(
                        "report: {} ({}, {}, {})",
                        report,
                        DemoReport.MARKDOWN,
                        DemoReport.CHART,
                        DemoReport.CSV);
                if (o.keepRunning) {
                    keepRunning(stack, job, savepoint);
                }
                return summary;
            }
        }
    }

    /**
     * The live job's options for the demo: time-scaled shedding, the demo's service, checkpoints at
     * {@code --checkpoint-interval} (by default the job's own default: the demo's cluster sets
     * none).
     */
    static FloodgateOptions jobOptions(DemoOptions o, String bootstrap, String processorUrl) {
        String[] args =
                new String[] {
                    // the demo's own broker, in this JVM on 127.0.0.1
                    "--kafka-plaintext",
                    "true",
                    "--bootstrap-servers",
                    bootstrap,
                    "--checkpoint-interval",
                    o.checkpointInterval,
                    "--starting-offsets",
                    "committed",
                    "--transaction-timeout",
                    "5min",
                    "--processor-url",
                    processorUrl,
                    // the demo's service runs on this host, over plain HTTP
                    "--processor-allow-plaintext",
                    "--parallelism",
                    Integer.toString(o.parallelism),
                    "--shedding",
                    Boolean.toString(o.shedding),
                    "--shed-voice",
                    o.shedVoice,
                    "--shed-image",
                    o.shedImage,
                    "--order-scope",
                    o.orderScope,
                    "--in-flight-limit",
                    o.inFlightLimit,
                    "--max-in-flight-voice",
                    Integer.toString(laneBudget(o, Channel.VOICE)),
                    "--max-in-flight-image",
                    Integer.toString(laneBudget(o, Channel.IMAGE)),
                    "--max-in-flight-chat",
                    Integer.toString(laneBudget(o, Channel.CHAT)),
                    "--hot-key-rate",
                    "5",
                    "--log-retention",
                    "1d",
                    "--archive-path",
                    o.output.resolve("archive").toAbsolutePath().toUri().toString()
                };
        return FloodgateOptions.fromArgs(
                o.inFlightLimit.equals("adaptive") ? withoutBudgets(args) : args, JobKind.LIVE);
    }

    /**
     * Without {@code --max-in-flight-*}: the adaptive lanes run under the job's default ceilings.
     */
    private static String[] withoutBudgets(String[] args) {
        java.util.List<String> kept = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--max-in-flight-")) {
                i++; // and its value
            } else {
                kept.add(args[i]);
            }
        }
        return kept.toArray(String[]::new);
    }

    /**
     * A lane's calls in flight per subtask with {@code --in-flight-limit fixed}: the service's
     * slots shared by the subtasks, plus one so the service never idles between a result and the
     * next call. Beyond that, calls would wait in the service's queue, where {@code high} cannot go
     * first. (Adaptive lanes find the slots themselves, under the job's default ceilings.)
     */
    static int laneBudget(DemoOptions o, Channel channel) {
        int slots = DemoStack.slots(o.voiceCapacity).get(channel);
        return (slots + o.parallelism - 1) / o.parallelism + 1;
    }

    private static Configuration jobConf(String savepoint) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        // 2 s + 1 min x (2 tolerated failures + 1) + the 1 min restart backoff x 1.1 stays below
        // the
        // demo's 5 min transactions (the jobs' own 3 tolerated failures would not: 5 min 8 s)
        conf.set(
                org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_TIMEOUT,
                java.time.Duration.ofMinutes(1));
        conf.set(org.apache.flink.configuration.CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 2);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        return conf;
    }

    /**
     * Every valid event sent is processed, shed or a processing dead letter, as the outputs show
     * them.
     */
    private static boolean caughtUp(OutputTail outputs, FloodGenerator generator) {
        return outputs.accountsFor(generator.sentValid().stream().map(i -> i.eventId)::iterator);
    }

    /** The backfill job drains the shed lane through a service scaled out for the afternoon. */
    private static Duration drain(
            DemoOptions o, DemoStack stack, String bootstrap, Progress progress) throws Exception {
        CapacityLimitedService afternoon = stack.service(o.backfillCapacity);
        FloodgateOptions backfill =
                FloodgateOptions.fromArgs(
                        new String[] {
                            "--kafka-plaintext",
                            "true",
                            "--bootstrap-servers",
                            bootstrap,
                            "--mode",
                            "drain",
                            "--checkpoint-interval",
                            "2s",
                            "--transaction-timeout",
                            "5min",
                            "--processor-url",
                            afternoon.baseUri().toString(),
                            "--processor-allow-plaintext",
                            "--max-in-flight-voice",
                            "32",
                            "--max-in-flight-image",
                            "32",
                            "--max-in-flight-chat",
                            "32",
                            "--parallelism",
                            Integer.toString(o.parallelism),
                            "--max-rate",
                            "2000"
                        },
                        JobKind.BACKFILL);
        long t0 = System.nanoTime();
        OUT.info(
                "drain: the backfill job processes the shed lane ({} events) at {} voice calls/s",
                String.format("%,d", progress.outputs().shed()),
                String.format("%.0f", o.backfillCapacity));
        var env = stack.flink().environment(jobConf(null));
        BackfillJob.build(env, backfill);
        JobClient drain = stack.track(env.executeAsync("floodgate-backfill-drain"));
        while (!drain.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
            progress.next();
        }
        if (!DemoStack.finished(drain)) {
            throw new IllegalStateException(
                    "the backfill drain ended " + drain.getJobStatus().get());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        OUT.info(
                "drain finished in {}: {} events processed in the backfill lane",
                DemoSummary.human(took),
                String.format("%,d", progress.outputs().processed(Lane.BACKFILL)));
        return took;
    }

    private static void keepRunning(DemoStack stack, FloodgateOptions job, String savepoint)
            throws Exception {
        JobClient again =
                stack.track(
                        FloodgateJob.submit(stack.flink().environment(jobConf(savepoint)), job));
        OUT.info(
                "--keep-running: the live job runs again from its savepoint ({}); web UI {}, Kafka {}. "
                        + "Ctrl-C stops everything.",
                again.getJobID(),
                stack.flink().webUrl(),
                stack.bootstrapServers());
        Thread.currentThread().join();
    }
}
