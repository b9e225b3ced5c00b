package dev.floodgate.bench.campaign;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.io.Dirs;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault campaign (issue 17) on the production shape: {@code scripts/cluster.sh}'s broker
 * process, standalone JobManager and two TaskManager processes (one spare), the live job with
 * shedding against the capacity-limited service, a steady stream with two 3x flood phases (poison
 * records and redeliveries included), and a printed schedule of faults injected one after the other
 * ({@link FaultKind}). After the last fault and the last event: a stop-with-savepoint, the drain of
 * the shed lane from it, reconcile through the job jar's command line, and the table ({@link
 * CampaignReport}). Exit status 0 only with nothing lost, nothing duplicated, the live lane in
 * order and each processor upgrade cut cleanly.
 *
 * <p>The drain runs off-peak: against a second capacity-limited service, {@code --drain-speedup}
 * times faster per call than the live job's (the live job is stopped by then), so that the shed
 * lane of a full run (about 200,000 events) drains in minutes, not the half hour the flood's
 * capacity would take. The drain is waited for while it makes progress (new backfill results within
 * {@link #NO_PROGRESS_LIMIT}), not against a fixed bound.
 *
 * <p>Options ({@code --key value}): {@code --events} valid events, at least (1000000; poison
 * records and redeliveries come on top), {@code --rate} events/s of the steady phases (1000),
 * {@code --faults} a count of the cycle or a list of kinds (20), {@code --checkpoint-interval}
 * (10s, as flink-conf), {@code --customers} (5000), {@code --drain-speedup} (10), {@code --dir}
 * (bench/target/campaign), {@code --root} (the repository, .), {@code --job-jar}.
 */
public final class Campaign {
    private static final Logger LOG = LoggerFactory.getLogger(Campaign.class);
    static final String INPUT = "interactions";
    static final String PROCESSED = "interactions.processed";
    static final String SHED = "interactions.shed";

    /** The live job's catch-up, and the drain, fail when they make no progress for this long. */
    static final Duration NO_PROGRESS_LIMIT = Duration.ofMinutes(3);

    private Campaign() {}

    public static void main(String[] args) throws Exception {
        CampaignReport report = run(options(args));
        System.exit(report.passed() ? 0 : 1);
    }

    public static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("events", "1000000");
        o.put("rate", "1000");
        o.put("faults", "20");
        o.put("checkpoint-interval", "10s");
        o.put("customers", "5000");
        o.put("drain-speedup", "10");
        o.put("root", ".");
        o.put("dir", "bench/target/campaign");
        o.put("job-jar", "job/target/floodgate-job-0.1.0-SNAPSHOT-job.jar");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !o.containsKey(a.substring(2)) || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "Invalid options: "
                                + a
                                + " (known: --"
                                + String.join(", --", o.keySet())
                                + ", each with a value)");
            }
            o.put(a.substring(2), args[++i]);
        }
        return o;
    }

    public static CampaignReport run(Map<String, String> o) throws Exception {
        int events = Integer.parseInt(o.get("events"));
        double rate = Double.parseDouble(o.get("rate"));
        List<FaultKind> faults = FaultKind.schedule(o.get("faults"));
        Duration interval = Duration.ofMillis(parseMillis(o.get("checkpoint-interval")));
        Path root = Paths.get(o.get("root")).toAbsolutePath().normalize();
        Path dir = root.resolve(o.get("dir")).toAbsolutePath().normalize();
        Path jobJar = root.resolve(o.get("job-jar"));
        Dirs.deleteRecursively(dir);
        Path faultJar = FaultJar.build(jobJar, dir.resolve("floodgate-job-fault-hook.jar"));

        // Steady phases at the rate, two floods at three times it: records = 1.4 x rate x T.
        // --events counts valid events: poison records and redeliveries come on top (1,000,000
        // records held 988,919 valid events), and the producer's pacing loses 0.5% at phase ends.
        Profile profile = Profile.monday(Integer.parseInt(o.get("customers")));
        double records =
                events * 1.005 / ((1 - profile.poisonShare()) * (1 - profile.duplicateShare()));
        double seconds = records / (1.4 * rate);
        List<Phase> phases =
                List.of(
                        new Phase("steady", rate, secs(0.2 * seconds)),
                        new Phase("flood 1", 3 * rate, secs(0.1 * seconds)),
                        new Phase("steady", rate, secs(0.3 * seconds)),
                        new Phase("flood 2", 3 * rate, secs(0.1 * seconds)),
                        new Phase("steady", rate, secs(0.3 * seconds)));
        // Voice at 0.15 x rate: under the steady 0.12, far under the flood's 0.36 (it sheds).
        double voice = 0.15 * rate;
        ServiceOptions serviceOptions = serviceOptions(rate, voice, 1);
        ServiceOptions drainServiceOptions =
                serviceOptions(rate, voice, Double.parseDouble(o.get("drain-speedup")));
        // Keep each lane's queue above the target wait (10 s) x its calls per second per subtask,
        // or
        // admission never sheds (docs/options.md).
        int laneQueue = (int) Math.max(64, Math.ceil(voice * 10 * 1.5));

        printSchedule(events, rate, phases, faults, interval);
        CampaignReport report = new CampaignReport(events, rate, faults.size(), interval);
        String extraConf = ""; // the production restart strategy and checkpointing of flink-conf
        try (ClusterControl cluster = new ClusterControl(root, dir, jobJar, 2, extraConf);
                CapacityLimitedService service =
                        new CapacityLimitedService(serviceOptions).start();
                CapacityLimitedService drainService =
                        new CapacityLimitedService(drainServiceOptions).start()) {
            long t = System.currentTimeMillis();
            cluster.up(4, List.of("taskmanager-1"));
            report.setupMillis = System.currentTimeMillis() - t;
            String svc = service.baseUri().toString();
            List<String> jobOptions =
                    List.of(
                            "--processor-url",
                            svc,
                            // the test service runs on this host, over plain HTTP
                            "--processor-allow-plaintext",
                            "--fault-url",
                            svc + "/fault",
                            "--starting-offsets",
                            "earliest",
                            "--checkpoint-interval",
                            o.get("checkpoint-interval"),
                            "--lane-queue",
                            Integer.toString(laneQueue));
            LiveJob job = new LiveJob(cluster, faultJar, jobOptions);
            job.submit(2, null);
            awaitRunning(cluster, job);
            try (CommittedWatcher watcher =
                    new CommittedWatcher(cluster.bootstrap, PROCESSED, SHED)) {
                FloodGenerator generator =
                        new FloodGenerator(cluster.bootstrap, INPUT, profile, 17);
                AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                Thread producer =
                        new Thread(
                                () -> {
                                    try {
                                        generator.run(
                                                phases,
                                                p ->
                                                        LOG.info(
                                                                "phase {} at {}/s for {}",
                                                                p.name(),
                                                                p.eventsPerSecond(),
                                                                p.duration()));
                                    } catch (Throwable e) {
                                        producerFailure.set(e);
                                    }
                                },
                                "campaign-producer");
                long start = System.currentTimeMillis();
                producer.start();
                TailProducer tail = new TailProducer(cluster.bootstrap, INPUT, producer);
                FaultRunner runner =
                        new FaultRunner(cluster, service, watcher, job, interval, INPUT, 1);
                long span = (long) (seconds * 1000);
                for (int i = 0; i < faults.size(); i++) {
                    long at = start + (long) (span * (0.05 + 0.9 * i / Math.max(1, faults.size())));
                    sleepUntil(at);
                    awaitRunning(cluster, job);
                    Thread.sleep(3000); // settle: the previous fault's restart is over
                    try {
                        report.faults.add(runner.run(faults.get(i), start));
                    } catch (Exception e) {
                        LOG.error("fault {} could not be injected or measured", faults.get(i), e);
                        report.faults.add(
                                new FaultRunner.Outcome(
                                        faults.get(i),
                                        System.currentTimeMillis(),
                                        job.parallelism,
                                        -1,
                                        -1,
                                        -1,
                                        false,
                                        "failed: " + e));
                    }
                }
                producer.join();
                tail.close();
                report.tailSent = tail.sent();
                if (producerFailure.get() != null) {
                    throw new IllegalStateException("the producer failed", producerFailure.get());
                }
                Set<String> sent = new HashSet<>();
                for (Interaction in : generator.sentValid()) {
                    sent.add(in.eventId);
                }
                report.validSent = sent.size();
                report.recordsSent = generator.recordsSent();
                report.poisonSent =
                        generator.sentPoison().values().stream().mapToInt(Integer::intValue).sum();
                report.trafficMillis = System.currentTimeMillis() - start;
                awaitAccounted(watcher, sent);
                report.restarts = job.restarts();
                String savepoint = job.stopWithSavepoint();
                t = System.currentTimeMillis();
                String drain =
                        cluster.submitBackfill(
                                savepoint,
                                List.of(
                                        "--mode",
                                        "drain",
                                        "--parallelism",
                                        "2",
                                        "--processor-url",
                                        drainService.baseUri().toString(),
                                        "--processor-allow-plaintext",
                                        "--processor-version",
                                        job.processorVersion(),
                                        "--checkpoint-interval",
                                        "2s"));
                report.drainState = awaitDrained(cluster, drain, watcher);
                report.drainMillis = System.currentTimeMillis() - t;
                report.liveByProcessor = watcher.liveByProcessor();
                report.versions = job.version;
                report.shedRecords = watcher.shedRecords();
                report.watcherRepeats = watcher.processedRepeats();
                report.orderViolations = watcher.orderViolations();
                report.orderExamples = watcher.orderExamples();
                report.maxHoldBackMs = watcher.maxHoldBackMs();
                report.taskFaultsFired = service.firedTaskFaults();
            }
            t = System.currentTimeMillis();
            Map.Entry<Integer, String> reconcile =
                    cluster.tool(
                            Duration.ofMinutes(15),
                            "reconcile",
                            "--lanes",
                            "live,backfill",
                            "--idle-timeout",
                            "30s",
                            "--json");
            report.reconcileMillis = System.currentTimeMillis() - t;
            report.reconcile(reconcile.getKey(), reconcile.getValue());
        }
        String table = report.render();
        System.out.println(table);
        Files.writeString(dir.resolve("report.md"), table);
        return report;
    }

    private static void printSchedule(
            int events,
            double rate,
            List<Phase> phases,
            List<FaultKind> faults,
            Duration interval) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        "fault campaign: %,d valid events (plus poison and redeliveries), checkpoints every %s%n",
                        events, interval));
        for (Phase p : phases) {
            sb.append(
                    String.format(
                            "  phase %-8s %6.0f events/s for %s%n",
                            p.name(), p.eventsPerSecond(), p.duration()));
        }
        sb.append("  faults, one after the other, spread over the traffic:\n");
        for (int i = 0; i < faults.size(); i++) {
            sb.append(String.format("  %2d. %s%n", i + 1, faults.get(i).description));
        }
        System.out.print(sb);
    }

    private static void awaitRunning(ClusterControl cluster, LiveJob job) throws Exception {
        long deadline = System.currentTimeMillis() + FaultRunner.RECOVERY_LIMIT.toMillis();
        while (true) {
            try {
                if (cluster.fullyRunning(job.id)) {
                    return;
                }
            } catch (Exception e) {
                // not answering yet
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(
                        "job " + job.id + " not RUNNING within " + FaultRunner.RECOVERY_LIMIT);
            }
            Thread.sleep(200);
        }
    }

    /**
     * Waits until every sent valid event is processed or shed, while the live job makes progress:
     * it gives up when the count still missing has not fallen for {@link #NO_PROGRESS_LIMIT}. (A
     * fixed bound of 5 minutes stopped a full run's live job 197,000 events behind, catching up at
     * 1,500/s: the savepoint then held them unread and reconcile counted them missing.)
     */
    private static void awaitAccounted(CommittedWatcher watcher, Set<String> sent)
            throws Exception {
        long missing = Long.MAX_VALUE;
        long progressAt = System.currentTimeMillis();
        while (true) {
            long now = System.currentTimeMillis();
            long m = sent.stream().filter(id -> !watcher.accounted(id)).count();
            if (m == 0) {
                return;
            }
            if (m < missing) {
                missing = m;
                progressAt = now;
            } else if (now - progressAt > NO_PROGRESS_LIMIT.toMillis()) {
                LOG.warn(
                        "{} sent events neither processed nor shed, and none more for {}",
                        m,
                        NO_PROGRESS_LIMIT);
                return;
            }
            LOG.info("waiting for {} events to be processed or shed", m);
            Thread.sleep(5000);
        }
    }

    /**
     * Waits for the drain job to end while it makes progress: it fails when no new backfill result
     * became visible for {@link #NO_PROGRESS_LIMIT}.
     */
    private static String awaitDrained(
            ClusterControl cluster, String jobId, CommittedWatcher watcher) throws Exception {
        long results = watcher.backfillResults();
        long progressAt = System.currentTimeMillis();
        long loggedAt = progressAt;
        String state = "";
        while (true) {
            state = cluster.job(jobId).path("state").asText();
            if (List.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
                return state;
            }
            long now = System.currentTimeMillis();
            long seen = watcher.backfillResults();
            if (seen > results) {
                results = seen;
                progressAt = now;
            } else if (now - progressAt > NO_PROGRESS_LIMIT.toMillis()) {
                return state + ", no new result for " + NO_PROGRESS_LIMIT;
            }
            if (now - loggedAt >= 30_000) {
                LOG.info("drain {}: {} backfill results so far", state, seen);
                loggedAt = now;
            }
            Thread.sleep(1000);
        }
    }

    /**
     * The capacity-limited service of the campaign: voice at {@code voice} calls/s (it sheds in the
     * floods), image at half the rate, chat at four times it; {@code speedup} divides each call's
     * latency (the drain's off-peak service).
     */
    private static ServiceOptions serviceOptions(double rate, double voice, double speedup) {
        return ServiceOptions.defaults()
                .channel(Channel.VOICE, 16, latency(16 / voice, speedup))
                .channel(Channel.IMAGE, 16, latency(16 / (0.5 * rate), speedup))
                .channel(Channel.CHAT, 32, latency(32 / (4 * rate), speedup));
    }

    private static Duration latency(double seconds, double speedup) {
        return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000 / speedup)));
    }

    private static void sleepUntil(long millis) throws InterruptedException {
        long d = millis - System.currentTimeMillis();
        if (d > 0) {
            Thread.sleep(d);
        }
    }

    private static Duration secs(double s) {
        return Duration.ofMillis(Math.max(1000, (long) (s * 1000)));
    }

    static long parseMillis(String d) {
        if (d.endsWith("ms")) {
            return Long.parseLong(d.substring(0, d.length() - 2));
        }
        if (d.endsWith("s")) {
            return Long.parseLong(d.substring(0, d.length() - 1)) * 1000;
        }
        throw new IllegalArgumentException(
                "Invalid options: --checkpoint-interval " + d + " (e.g. 10s or 500ms)");
    }
}
