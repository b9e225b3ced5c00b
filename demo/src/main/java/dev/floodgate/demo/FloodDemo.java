package dev.floodgate.demo;

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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * capacity, calm) with the live view once a second; then, under calm live traffic, the shed lane
 * drained by the backfill job beside the live job on the spare capacity of the same service ({@link
 * LiveDrain}), both jobs stopped with a savepoint, reconcile, and a report (chart and summary).
 * With {@code --keep-running} the live job starts again from its savepoint and everything stays up
 * until Ctrl-C. Everything it starts, it stops.
 */
public final class FloodDemo {
    private static final Logger OUT = LoggerFactory.getLogger("floodgate.demo");
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(5);

    /**
     * Once the log is read to its end, this many seconds without output means the job will not
     * account for more.
     */
    private static final int QUIET_SECONDS = 15;

    /** The calm live traffic after the story, while the drain runs beside the live job. */
    static final String AFTERNOON = "afternoon";

    private FloodDemo() {}

    /**
     * Whether the events still unaccounted for are settled: none left, or the same number for
     * {@value #QUIET_SECONDS} looks in a row (the job will not account for more: reconcile names
     * them).
     */
    private static final class Quiet {
        private long last = -1;
        private int same;

        boolean settled(long left) {
            if (left == 0) {
                return true;
            }
            same = left == last ? same + 1 : 0;
            last = left;
            if (same >= QUIET_SECONDS) {
                OUT.info(
                        "{} events are neither processed, shed nor dead letters (or shed and not drained), "
                                + "and nothing changed for {} s: reconcile names them",
                        left,
                        QUIET_SECONDS);
                return true;
            }
            return false;
        }
    }

    private static void requireBefore(long deadlineNanos, LocalFlinkCluster flink) {
        if (System.nanoTime() > deadlineNanos) {
            throw new IllegalStateException(
                    "the live job did not catch up within "
                            + CATCH_UP_TIMEOUT
                            + " after the story; the web UI shows why: "
                            + flink.webUrl());
        }
    }

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
            java.util.List<Sample> samples,
            LiveDrain drain)
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
        // the drain beside the live job, and the calm after the flood without one (the same
        // window as shed_after_recovery) to compare the live ages with
        double recovered =
                ShedChecks.recoveredSecond(samples, story.floodEndSecond(), checkpointSeconds);
        drain.summarize(
                summary,
                freshness,
                DemoStack.capacity(o.voiceCapacity).get(Channel.VOICE),
                recovered < 0
                        ? 0
                        : storyStart
                                + Math.round(recovered * 1000)
                                + ShedChecks.AFTER_RECOVERY_MILLIS,
                recovered < 0 ? 0 : storyStart + story.length().toMillis());
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
                // after the story, calm live traffic goes on while the drain runs beside the live
                // job; the events of the story are those written before that afternoon starts
                java.util.List<FloodGenerator.Phase> phases =
                        new java.util.ArrayList<>(story.phases());
                phases.add(
                        new FloodGenerator.Phase(
                                AFTERNOON,
                                o.calmFactor * story.capacity(),
                                CATCH_UP_TIMEOUT.plus(LiveDrain.TIMEOUT).multipliedBy(2)));
                AtomicReference<java.util.List<String>> storyEvents = new AtomicReference<>();
                Thread writer =
                        LoadTool.start(
                                generator,
                                phases,
                                p -> {
                                    if (p.name().equals(AFTERNOON)) {
                                        storyEvents.set(
                                                generator.sentValid().stream()
                                                        .map(i -> i.eventId)
                                                        .toList());
                                    }
                                });
                long deadline =
                        System.nanoTime() + story.length().toNanos() + CATCH_UP_TIMEOUT.toNanos();
                long outageAt =
                        storyStart
                                + Math.round(
                                        (story.floodStartSecond()
                                                        + (story.floodEndSecond()
                                                                        - story.floodStartSecond())
                                                                / 3)
                                                * 1000);
                boolean outageDone = o.voiceOutage.isZero();
                Quiet quiet = new Quiet();
                while (true) {
                    if (!outageDone && System.currentTimeMillis() >= outageAt) {
                        OUT.info(
                                "{} the speech-to-text service goes down for {}",
                                story.clockAt((System.currentTimeMillis() - storyStart) / 1000),
                                o.voiceOutage);
                        stack.service().outage(Channel.VOICE, o.voiceOutage);
                        outageDone = true;
                    }
                    requireBefore(deadline, flink);
                    progress.next();
                    freshness.service(System.currentTimeMillis(), serviceCalls(stack));
                    if (!writer.isAlive()) {
                        LoadTool.rethrow(writer);
                    }
                    java.util.List<String> written = storyEvents.get();
                    if (written != null && quiet.settled(outputs.unaccounted(written))) {
                        break;
                    }
                }
                JobProbe.Checkpoints checkpoints = probe.checkpoints();
                Sample last = progress.samples().get(progress.samples().size() - 1);
                OUT.info(
                        "{} the flood is over and the live job has caught up: the drain starts beside it, "
                                + "calm live traffic goes on",
                        story.clockAt(last.second()));
                LiveDrain drain = LiveDrain.start(o, stack, progress, last.second());
                Duration drainTime =
                        drain.awaitEmpty(
                                progress,
                                () ->
                                        freshness.service(
                                                System.currentTimeMillis(), serviceCalls(stack)));

                // the afternoon ends: the live job accounts for every event, the drain for every
                // shed one (also those shed after it started), then both stop with a savepoint
                generator.endPhase();
                writer.join(TimeUnit.MINUTES.toMillis(1));
                LoadTool.rethrow(writer);
                deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
                quiet = new Quiet();
                while (true) {
                    requireBefore(deadline, flink);
                    progress.next();
                    freshness.service(System.currentTimeMillis(), serviceCalls(stack));
                    drain.requireRunning();
                    if (quiet.settled(
                            outputs.unaccounted(
                                            generator.sentValid().stream().map(i -> i.eventId)
                                                    ::iterator)
                                    + progress.shedLeft())) {
                        break;
                    }
                }
                checkpoints = probe.checkpoints();
                OUT.info(
                        "{} every event is accounted for and the shed lane is empty: the live job and the "
                                + "drain stop with a savepoint",
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
                OUT.info("savepoint of the live job {}", savepoint);
                progress.liveStopped();
                drain.stop(o.output.resolve("savepoints"));

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
                                progress.samples(),
                                drain);
                Path report =
                        DemoReport.write(o.output, o, story, progress, drain, summary, perChannel);
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
        if (!o.highPriorityHeader.equals("none")) {
            args =
                    java.util.stream.Stream.concat(
                                    java.util.Arrays.stream(args),
                                    java.util.stream.Stream.of(
                                            "--high-priority-header", o.highPriorityHeader))
                            .toArray(String[]::new);
        }
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

    static Configuration jobConf(String savepoint) {
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
