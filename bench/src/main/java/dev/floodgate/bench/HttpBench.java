package dev.floodgate.bench;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.InstantService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import org.apache.flink.configuration.Configuration;

/**
 * Section {@code http}: the live job with the real HTTP processor ({@link HttpEventProcessor},
 * plain HTTP/1.1 to 127.0.0.1) against a service that answers at once ({@link InstantService}),
 * against the same job's dry run ({@code --dry-run true}) on the same log, in one run. First the
 * HTTP path alone, without Kafka or Flink: the processor calling the service with {@code
 * --http-alone-in-flight} calls in flight, its calls per second and CPU per call, which bounds what
 * the job can do over HTTP on this machine (the service must not be the bottleneck). Then a warm-up
 * pass of each job (unless {@code --warm-up-passes} is 1, as in the smoke run), and {@code
 * --repeats} rounds of dry run then HTTP job, both committing at the end of the log ({@link
 * LiveJobRun.Commit#AT_END_OF_LOG}); medians reported, the JFR profile of the first round's HTTP
 * job in {@code target/bench/http-job.jfr}. {@code --http-job-args} adds job options (e.g. larger
 * {@code --max-in-flight-*}) to both jobs.
 *
 * <p>Batching (issue 30, section 4): each round also runs the HTTP job with calls coalesced ({@code
 * --processor-batch-max} {@code --http-batch-max}, {@code --processor-requests-in-flight} {@code
 * --http-requests-in-flight}) on the same log, after the per-event one ({@code --http-per-event
 * false} leaves that out); the HTTP path alone is measured batched too. Each HTTP job reports
 * events per second, its ratio to the round's dry run, the service's requests per second (its
 * requests over the job's submit-to-committed time) and the process's CPU per event; the first
 * round's batching job is profiled into {@code target/bench/http-batched-job.jfr}.
 */
final class HttpBench {
    private static final String S = "http";

    private HttpBench() {}

    /** One HTTP job of a round: its measurement, events per CPU second, service requests. */
    record HttpRun(LiveJobRun.Measured m, double perCpu, long requests) {
        double requestsPerSecond() {
            return requests / m.submitToCommittedSeconds();
        }
    }

    /** A round: the dry run, and the per-event (null if left out) and batching HTTP jobs. */
    record Round(LiveJobRun.Measured dry, double dryPerCpu, HttpRun http, HttpRun batched) {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        BenchResults r = ctx.results;
        JfrProfile profile = o.profile ? JfrProfile.start() : null;
        try (InstantService service = InstantService.start(o.httpServiceThreads)) {
            alone(ctx, service);
            String log = "bench.http-interactions";
            Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), log);
            LogFiller.Filled f =
                    LogFiller.fill(
                            ctx.bootstrap, log, o.httpEvents, o.customers, o.eventBytes, 43, false);
            r.put(S, "log filled: events", f.events(), "events");
            String[] http = httpArgs(ctx, service, 1);
            String[] batched = httpArgs(ctx, service, o.httpBatchMax);
            String[] dry = o.httpJobArgs.toArray(new String[0]);
            long calls0 = service.calls();
            int httpRuns = o.repeats * (o.httpPerEvent ? 2 : 1);
            if (o.warmUpPasses > 1) { // not in the smoke run: one pass each compiles their paths
                LiveJobRun.Measured warmDry = job(ctx, "bench.http-warm-dry", log, dry);
                LiveJobRun.Measured warmHttp =
                        job(ctx, "bench.http-warm-http", log, o.httpPerEvent ? http : batched);
                httpRuns++;
                r.note(
                        S,
                        String.format(
                                "warm-up: dry run %.0f events/s, HTTP %.0f events/s (processing %.0f)",
                                warmDry.endToEndRate(),
                                warmHttp.endToEndRate(),
                                warmHttp.processingRate()));
            }
            List<Round> rounds = new ArrayList<>();
            for (int i = 1; i <= o.repeats; i++) {
                ThroughputBench.collectHeap(); // no run pays for another's garbage
                ProcessCpu dryCpu = new ProcessCpu();
                LiveJobRun.Measured d = job(ctx, "bench.http-dry-" + i, log, dry);
                double dryPerCpu = o.httpEvents / dryCpu.cpuSeconds();
                HttpRun h = null;
                Instant start = Instant.now();
                try {
                    if (o.httpPerEvent) {
                        h = httpJob(ctx, service, "bench.http-" + i, log, http);
                    }
                } finally {
                    // the first round's HTTP jobs are profiled, each into its own file
                    if (i == 1 && profile != null && o.httpPerEvent) {
                        profile = stop(profile, "http-job.jfr", start, r);
                    }
                }
                start = Instant.now();
                if (i == 1 && o.profile && profile == null) { // the batching job has its own
                    profile = JfrProfile.start();
                }
                HttpRun b;
                try {
                    b = httpJob(ctx, service, "bench.http-batched-" + i, log, batched);
                } finally {
                    if (i == 1 && profile != null) {
                        profile = stop(profile, "http-batched-job.jfr", start, r);
                    }
                }
                Round round = new Round(d, dryPerCpu, h, b);
                rounds.add(round);
                if (h != null) {
                    r.note(S, note(i, "HTTP", d, h));
                }
                r.note(S, note(i, "HTTP batched (" + o.httpBatchMax + ")", d, b));
            }
            long httpCalls = service.calls() - calls0;
            // every event of the HTTP jobs (warm-up and rounds) was a call: none went around it
            r.put(S, "service calls by the HTTP jobs", httpCalls, "calls");
            r.put(S, "HTTP jobs' events", (long) o.httpEvents * httpRuns, "events");
            report(r, rounds);
        } finally {
            if (profile != null) {
                profile.close();
            }
        }
    }

    /** Stops the recording into {@code target/bench/<file>} and reports its top frames. */
    private static JfrProfile stop(JfrProfile profile, String file, Instant start, BenchResults r)
            throws Exception {
        Path jfr = Path.of("target", "bench", file);
        Files.createDirectories(jfr.getParent());
        profile.stopAndReport(jfr.toAbsolutePath(), start, r, 15);
        return null;
    }

    private static String note(int round, String what, LiveJobRun.Measured dry, HttpRun h) {
        return String.format(
                "round %d: dry run %.0f events/s (processing %.0f), %s %.0f events/s (processing %.0f,"
                        + " %.0f per CPU second, %.1f µs CPU per event, %.0f requests/s); ratio to the"
                        + " dry run %.2f, processing %.2f; shed: dry run %d, %s %d%s",
                round,
                dry.endToEndRate(),
                dry.processingRate(),
                what,
                h.m().endToEndRate(),
                h.m().processingRate(),
                h.perCpu(),
                1e6 / h.perCpu(),
                h.requestsPerSecond(),
                h.m().endToEndRate() / dry.endToEndRate(),
                h.m().processingRate() / dry.processingRate(),
                dry.shed(),
                what,
                h.m().shed(),
                h.m().shed() == 0 ? "" : " (" + h.m().shedReasons() + ")");
    }

    private static HttpRun httpJob(
            BenchContext ctx, InstantService service, String name, String log, String[] args)
            throws Exception {
        long requests0 = service.requests();
        ThroughputBench.collectHeap();
        ProcessCpu cpu = new ProcessCpu();
        LiveJobRun.Measured m = job(ctx, name, log, args);
        double perCpu = ctx.options.httpEvents / cpu.cpuSeconds();
        return new HttpRun(m, perCpu, service.requests() - requests0);
    }

    private static void report(BenchResults r, List<Round> rounds) {
        reportDry(r, rounds);
        if (rounds.get(0).http() != null) {
            reportHttp(r, rounds, "HTTP job", Round::http);
        }
        reportHttp(r, rounds, "HTTP job batched", Round::batched);
    }

    private static void reportHttp(
            BenchResults r,
            List<Round> rounds,
            String name,
            java.util.function.Function<Round, HttpRun> run) {
        // a shed event skips its call: a run that shed is not a measurement of the HTTP path
        // (the circuit opened against a healthy service once: docs/benchmarks.md, section 1b)
        long shed = rounds.stream().mapToLong(x -> run.apply(x).m().shed()).sum();
        r.put(S, name + ": events shed in all rounds (must be 0)", shed, "events");
        if (shed > 0) {
            r.note(S, "NOT A MEASUREMENT: " + name + " shed " + shed + " events (see the rounds)");
        }
        r.put(
                S,
                name + ", submit to all committed",
                median(rounds, x -> run.apply(x).m().endToEndRate()),
                "events/s");
        r.put(
                S,
                name + ", first to last processed_at",
                median(rounds, x -> run.apply(x).m().processingRate()),
                "events/s");
        r.put(
                S,
                name + ": events per CPU second of this process",
                median(rounds, x -> run.apply(x).perCpu()),
                "events/cpu-s");
        r.put(
                S,
                name + ": CPU per event, this process",
                median(rounds, x -> 1e6 / run.apply(x).perCpu()),
                "µs");
        r.put(
                S,
                name + ": service requests per second",
                median(rounds, x -> run.apply(x).requestsPerSecond()),
                "requests/s");
        String ratio = "ratio " + name;
        r.put(
                S,
                ratio + " / dry run (submit to all committed)",
                median(rounds, x -> run.apply(x).m().endToEndRate() / x.dry().endToEndRate()),
                "x");
        r.put(
                S,
                ratio + " / dry run (first to last processed_at)",
                median(rounds, x -> run.apply(x).m().processingRate() / x.dry().processingRate()),
                "x");
        r.put(
                S,
                ratio + " / dry run (events per CPU second)",
                median(rounds, x -> run.apply(x).perCpu() / x.dryPerCpu()),
                "x");
    }

    private static void reportDry(BenchResults r, List<Round> rounds) {
        r.put(
                S,
                "dry run, submit to all committed",
                median(rounds, x -> x.dry().endToEndRate()),
                "events/s");
        r.put(
                S,
                "dry run, first to last processed_at",
                median(rounds, x -> x.dry().processingRate()),
                "events/s");
        r.put(
                S,
                "dry run: events per CPU second of this process",
                median(rounds, Round::dryPerCpu),
                "events/cpu-s");
    }

    /**
     * The HTTP job's options: the service's URL (plain HTTP on 127.0.0.1), the batching and the
     * extra ones.
     */
    private static String[] httpArgs(BenchContext ctx, InstantService service, int batchMax) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--processor-url",
                                service.baseUri().toString(),
                                "--processor-allow-plaintext",
                                "true",
                                "--processor-batch-max",
                                String.valueOf(batchMax),
                                "--processor-requests-in-flight",
                                String.valueOf(ctx.options.httpRequestsInFlight)));
        args.addAll(ctx.options.httpJobArgs);
        return args.toArray(new String[0]);
    }

    private static LiveJobRun.Measured job(BenchContext ctx, String name, String log, String[] args)
            throws Exception {
        return LiveJobRun.run(
                ctx,
                name,
                log,
                ctx.options.httpEvents,
                new Configuration(),
                LiveJobRun.Commit.AT_END_OF_LOG,
                null,
                args);
    }

    /**
     * The HTTP path alone: the processor the job uses calling the service from one thread, {@code
     * --http-alone-in-flight} calls in flight, a warm-up then a measured run of {@code
     * --http-events} calls each.
     */
    private static void alone(BenchContext ctx, InstantService service) throws Exception {
        BenchOptions o = ctx.options;
        HttpEventProcessor base =
                HttpEventProcessor.forBaseUri(service.baseUri(), Duration.ofSeconds(30), "bench");
        if (o.httpPerEvent) {
            alone(ctx, service, base, "HTTP path alone");
        }
        alone(
                ctx,
                service,
                base.batching(o.httpBatchMax, o.httpRequestsInFlight),
                "HTTP path alone, batched (" + o.httpBatchMax + ")");
    }

    private static void alone(
            BenchContext ctx, InstantService service, HttpEventProcessor p, String name)
            throws Exception {
        BenchOptions o = ctx.options;
        p.open();
        try {
            Interaction[] events = sample(1024, o.eventBytes);
            calls(p, events, o.httpEvents, o.httpAloneInFlight);
            ProcessCpu cpu = new ProcessCpu();
            long requests0 = service.requests();
            long t0 = System.nanoTime();
            calls(p, events, o.httpEvents, o.httpAloneInFlight);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long requests = service.requests() - requests0;
            r(ctx).put(
                            S,
                            name.equals("HTTP path alone")
                                    ? "HTTP path alone (processor + service, no job): calls"
                                    : name + ": calls",
                            o.httpEvents / seconds,
                            "calls/s");
            r(ctx).put(S, name + ": service requests", requests / seconds, "requests/s");
            r(ctx).put(
                            S,
                            name + ": CPU per call, client and service",
                            cpu.cpuSeconds() / o.httpEvents * 1e6,
                            "µs");
            r(ctx).put(S, name + ": share of the machine's CPU", cpu.machineShare(), "ratio");
        } finally {
            p.close();
        }
    }

    private static BenchResults r(BenchContext ctx) {
        return ctx.results;
    }

    private static void calls(HttpEventProcessor p, Interaction[] events, int n, int inFlight)
            throws Exception {
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong failed = new AtomicLong();
        for (int i = 0; i < n; i++) {
            slots.acquire();
            CompletableFuture<String> f = p.process(events[i % events.length]);
            f.whenComplete(
                    (v, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                        slots.release();
                    });
        }
        if (!slots.tryAcquire(inFlight, 1, TimeUnit.MINUTES)) {
            throw new IllegalStateException("calls still in flight after a minute");
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " calls failed");
        }
    }

    /** Events as the log holds them: the daily mix, bodies padded to about {@code bytes}. */
    private static Interaction[] sample(int n, int bytes) {
        Interaction[] events = new Interaction[n];
        for (int i = 0; i < n; i++) {
            Interaction e = new Interaction();
            e.eventId = "evt-" + i;
            e.customerId = "customer-" + (i % 97);
            e.seq = i;
            e.channel = i % 10 == 0 ? Channel.VOICE : Channel.CHAT;
            e.priority = i % 10 == 1 ? Priority.HIGH : Priority.NORMAL;
            e.occurredAt = System.currentTimeMillis();
            e.body = "x".repeat(Math.max(1, bytes - 150));
            events[i] = e;
        }
        return events;
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> value) {
        double[] v = rounds.stream().mapToDouble(value).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
