package dev.floodgate.bench;

import dev.floodgate.job.BackfillJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.model.Channel;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Section 5b (opt-in, {@code --sections yield}): the drain beside live traffic at one shared
 * speech-to-text service (2 workers, 200 ms a call: 10 calls/s; FIFO, as {@link
 * CapacityLimitedService} serves). Live calls ({@link LiveCalls}: Poisson, at most 8 in flight, as
 * the live job's voice lane) at 5/s, 50% of the service. Runs: live alone; a drain of a voice
 * backlog beside it, with the fixed limits ("before": {@code --yield-to-live false}, 8 calls in
 * flight per subtask, {@code --max-rate} 500) and yielding ("after", the default); and both with a
 * 3x flood (30 calls/s for 30 s) starting mid-drain. Then the same at a service that serves by
 * priority ({@link ServiceOptions#honourPriority()}) with the drain's calls carrying {@code
 * --drain-priority-header "Priority: u=7"}, yielding and with fixed limits. Live calls are 20%
 * {@code high}, reported per priority. Per second: drain calls = the service's voice calls minus
 * the live calls answered.
 */
final class YieldBench {
    static final double LIVE = 5;
    static final double FLOOD = 30;
    static final double CAPACITY = 10;
    static final int FLOOD_AT = 30;
    static final int FLOOD_FOR = 30;

    private YieldBench() {}

    /** The drain's header in the priority runs: RFC 9218 urgency 7, the lowest. */
    static final String PRIORITY_HEADER = "Priority: u=7";

    /**
     * Which runs (environment {@code
     * FLOODGATE_YIELD_RUNS=alone,fixed,yielding,priority,priority-fixed,priority-one,replay,
     * replay-priority}, the first five by default): live alone (with and without the flood), the
     * drain with fixed limits and yielding at the FIFO service, and with the priority header at the
     * service that serves by priority, yielding and with fixed limits, (priority-one, 50% load
     * only) at one call in flight: the drain leaves a worker to live traffic, and a replay of a
     * million events under live traffic ({@link ReplayUnderLive}) at either service.
     */
    static java.util.Set<String> runs() {
        String runs = System.getenv("FLOODGATE_YIELD_RUNS");
        return java.util.Set.of(
                (runs == null || runs.isBlank()
                                ? "alone,fixed,yielding,priority,priority-fixed"
                                : runs)
                        .split(","));
    }

    static void run(BenchContext ctx) throws Exception {
        java.util.Set<String> runs = runs();
        ServiceOptions service =
                ServiceOptions.defaults().channel(Channel.VOICE, 2, Duration.ofMillis(200));
        try (CapacityLimitedService s = new CapacityLimitedService(service).start()) {
            if (runs.contains("alone")) {
                Run alone = run(ctx, s, "alone", false, null, 0, false, 60, 0);
                ctx.results.put(
                        "yield", "live alone: live p50", alone.live.latency(0.5, 10, 60), "ms");
                ctx.results.put(
                        "yield", "live alone: live p99", alone.live.latency(0.99, 10, 60), "ms");
                alone.reportLive(ctx, "live alone", 10, 60);
                Run flood =
                        run(ctx, s, "alone-flood", false, null, 0, true, FLOOD_AT + FLOOD_FOR, 0);
                flood.reportLive(
                        ctx, "live alone, 3x flood s 10-30", FLOOD_AT + 10, FLOOD_AT + FLOOD_FOR);
            }
            for (boolean yield : List.of(false, true)) {
                String mode = yield ? "yielding" : "fixed";
                if (!runs.contains(mode)) {
                    continue;
                }
                Run half = run(ctx, s, mode + "-half", yield, null, 250, false, 150, 0);
                half.report(ctx, mode + ", 50% live");
                Run flood = run(ctx, s, mode + "-flood", yield, null, 400, true, 150, 0);
                flood.reportFlood(ctx, mode + ", 3x flood at " + FLOOD_AT + " s");
            }
        }
        // the same service serving by priority: the drain's calls carry the header and are served
        // only when no live call waits (non-preemptive)
        try (CapacityLimitedService s =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, 2, Duration.ofMillis(200))
                                        .honourPriority())
                        .start()) {
            for (boolean yield : List.of(true, false)) {
                String mode = yield ? "priority" : "priority-fixed";
                if (!runs.contains(mode)) {
                    continue;
                }
                String what = yield ? "priority header, yielding" : "priority header, fixed limits";
                Run half = run(ctx, s, mode + "-half", yield, PRIORITY_HEADER, 250, false, 150, 0);
                half.report(ctx, what + ", 50% live");
                Run flood = run(ctx, s, mode + "-flood", yield, PRIORITY_HEADER, 400, true, 150, 0);
                flood.reportFlood(ctx, what + ", 3x flood at " + FLOOD_AT + " s");
            }
            if (runs.contains("priority-one")) {
                // the drain never holds more than one of the 2 workers: the other stays live's
                String what = "priority header, one drain call at most";
                Run half =
                        run(
                                ctx,
                                s,
                                "priority-one-half",
                                false,
                                PRIORITY_HEADER,
                                250,
                                false,
                                150,
                                1);
                half.report(ctx, what + ", 50% live");
            }
        }
        for (boolean priority : List.of(false, true)) {
            if (runs.contains(priority ? "replay-priority" : "replay")) {
                ReplayUnderLive.run(ctx, priority);
            }
        }
    }

    /**
     * One run: live calls from the start, a drain of {@code backlog} submitted at once; {@code
     * drainCalls} above 0: the drain at parallelism 1 with at most that many calls in flight.
     */
    static Run run(
            BenchContext ctx,
            CapacityLimitedService service,
            String name,
            boolean yield,
            String header,
            int backlog,
            boolean flood,
            int capSeconds,
            int drainCalls)
            throws Exception {
        String prefix = "bench.yield." + name;
        JobClient drain = null;
        if (backlog > 0) {
            Topics.create(
                    ctx.bootstrap,
                    2,
                    Duration.ofDays(1),
                    prefix + ".shed",
                    prefix + ".processed",
                    prefix + ".dlq");
            Topics.createCompacted(ctx.bootstrap, prefix + ".progress");
            FloodGenerator g =
                    new FloodGenerator(
                            ctx.bootstrap,
                            prefix + ".shed",
                            new Profile(500, 1.0, 0, 0, 0, 0, 0, 0),
                            3);
            g.run(List.of(new Phase("backlog", 2000, Duration.ofMillis(backlog / 2))), p -> {});
            backlog = g.sentValid().size();
        }
        int shedBefore =
                backlog > 0
                        ? dev.floodgate.testkit.kafka.KafkaIO.readCommitted(
                                        ctx.bootstrap, prefix + ".shed")
                                .size()
                        : 0;
        long start = service.calls(Channel.VOICE);
        long blocked0 = service.normalBlockedByLow(Channel.VOICE);
        long blockedMs0 = service.normalBlockedByLowMillis(Channel.VOICE);
        long low0 = service.lowUrgencyCalls(Channel.VOICE);
        long t0 = System.currentTimeMillis();
        LiveCalls live =
                new LiveCalls(
                        URI.create(service.baseUri() + "/voice"),
                        8,
                        t ->
                                flood && t >= FLOOD_AT * 1000L && t < (FLOOD_AT + FLOOD_FOR) * 1000L
                                        ? FLOOD
                                        : LIVE,
                        t0);
        if (backlog > 0) {
            StreamExecutionEnvironment env = ctx.environment(new Configuration());
            BackfillJob.build(env, options(ctx, service, prefix, yield, header, drainCalls));
            drain = env.executeAsync(prefix);
        }
        long[] voice = new long[capSeconds + 1];
        int s = 0;
        while (s < capSeconds) {
            Thread.sleep(Math.max(0, t0 + (s + 1) * 1000L - System.currentTimeMillis()));
            s++;
            voice[s] = service.calls(Channel.VOICE) - start;
            int[] l = live.perSecond(s);
            long liveSoFar = 0;
            for (int x : l) {
                liveSoFar += x;
            }
            if (backlog == 0 ? s >= capSeconds : voice[s] - liveSoFar >= backlog && s > 5) {
                break;
            }
            // a bounded drain that shed events again (its settle timeout) calls fewer than its
            // backlog: it ends when it has read them all
            if (drain != null && s > 5 && drain.getJobStatus().get().isGloballyTerminalState()) {
                break;
            }
        }
        live.stop();
        Counters counters =
                new Counters(
                        service.normalBlockedByLow(Channel.VOICE) - blocked0,
                        service.normalBlockedByLowMillis(Channel.VOICE) - blockedMs0,
                        service.lowUrgencyCalls(Channel.VOICE) - low0);
        if (drain != null) {
            // the drain's checkpoints while it yields: they settle its admitted calls
            com.fasterxml.jackson.databind.JsonNode c;
            try {
                c = ctx.rest().get("/jobs/" + drain.getJobID() + "/checkpoints");
            } catch (java.io.IOException e) {
                c = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
            }
            ctx.results.put(
                    "yield",
                    name + ": drain checkpoints completed",
                    c.path("counts").path("completed").asLong(),
                    "");
            ctx.results.put(
                    "yield",
                    name + ": drain checkpoints failed",
                    c.path("counts").path("failed").asLong(),
                    "");
            ctx.results.put(
                    "yield",
                    name + ": drain checkpoint, longest",
                    c.path("summary").path("end_to_end_duration").path("max").asLong(),
                    "ms");
            StringBuilder history = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonNode h : c.path("history")) {
                String status = h.path("status").asText("?") + "?";
                history.append(status.charAt(0)) // C(ompleted), F(ailed), I(n progress)
                        .append(h.path("end_to_end_duration").asLong())
                        .append(' ');
            }
            System.out.println(
                    "yield " + name + ": drain checkpoints (latest first, ms): " + history);
            if (!drain.getJobStatus().get().isGloballyTerminalState()) {
                try {
                    drain.cancel().get(1, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException finishedMeanwhile) {
                    // it finished between the two calls
                }
            }
            // events whose calls still failed after their retries (timeouts: a call that waits
            // at the service longer than --request-timeout) went back to the shed lane, and those
            // without an outcome at the settle timeout (--drain-settle-timeout)
            var shedLane =
                    dev.floodgate.testkit.kafka.KafkaIO.readCommitted(
                            ctx.bootstrap, prefix + ".shed");
            ctx.results.put(
                    "yield", name + ": events shed again", shedLane.size() - shedBefore, "");
            long bySettle = 0;
            for (var r : shedLane) {
                var detail =
                        r.headers()
                                .lastHeader(
                                        dev.floodgate.sinks.ShedRecordSerializer
                                                .HEADER_SHED_DETAIL);
                if (detail != null
                        && new String(detail.value(), java.nio.charset.StandardCharsets.UTF_8)
                                .contains("settle timeout")) {
                    bySettle++;
                }
            }
            ctx.results.put(
                    "yield", name + ": events shed again by the settle timeout", bySettle, "");
        }
        return new Run(live, voice, s, backlog, counters);
    }

    /** The service's counts over one run (the priority service's; zero at the FIFO one). */
    record Counters(long normalBlockedByLow, long normalBlockedByLowMs, long lowUrgencyCalls) {}

    /**
     * The backfill's arguments common to the bench's drains and replays: the bench's broker and
     * service in clear, its dead-letter topic, group and transactional ids named by {@code prefix}.
     */
    static List<String> backfillArgs(
            BenchContext ctx, CapacityLimitedService service, String prefix) {
        return List.of(
                "--bootstrap-servers",
                ctx.bootstrap,
                "--processor-url",
                service.baseUri().toString(),
                "--processor-allow-plaintext",
                "true",
                "--kafka-plaintext",
                "true",
                "--dlq-topic",
                prefix + ".dlq",
                "--group-id",
                prefix,
                "--transactional-id-prefix",
                prefix,
                "--transaction-timeout",
                "10min");
    }

    static FloodgateOptions options(
            BenchContext ctx,
            CapacityLimitedService service,
            String prefix,
            boolean yield,
            String header,
            int drainCalls) {
        List<String> args =
                new java.util.ArrayList<>(
                        header == null ? List.of() : List.of("--drain-priority-header", header));
        if (drainCalls > 0) {
            args.addAll(List.of("--max-in-flight-voice", Integer.toString(drainCalls)));
        }
        args.addAll(backfillArgs(ctx, service, prefix));
        args.addAll(
                List.of(
                        "--mode",
                        "drain",
                        "--yield-to-live",
                        Boolean.toString(yield),
                        "--shed-topic",
                        prefix + ".shed",
                        "--processed-topic",
                        prefix + ".processed",
                        "--drain-progress-topic",
                        prefix + ".progress",
                        "--checkpoint-interval",
                        "2s",
                        "--parallelism",
                        Integer.toString(drainCalls > 0 ? 1 : ctx.options.parallelism)));
        return FloodgateOptions.fromArgs(args.toArray(String[]::new), JobKind.BACKFILL);
    }

    /** What one run saw, per second since its start. */
    record Run(LiveCalls live, long[] voice, int seconds, int backlog, Counters counters) {
        /** Live p50 and p99 of each priority answered in seconds [from, to). */
        void reportLive(BenchContext ctx, String what, int from, int to) {
            for (boolean high : List.of(true, false)) {
                String p = high ? "high" : "normal";
                ctx.results.put(
                        "yield",
                        what + ": live " + p + " p50",
                        live.latency(0.5, from, to, high),
                        "ms");
                ctx.results.put(
                        "yield",
                        what + ": live " + p + " p99",
                        live.latency(0.99, from, to, high),
                        "ms");
            }
        }

        /**
         * At the priority service: live calls that arrived while both workers were busy, one with a
         * drain call (the wait strict priority cannot remove: it does not preempt), and their mean
         * wait.
         */
        void reportResidual(BenchContext ctx, String what) {
            if (counters.lowUrgencyCalls() == 0) {
                return;
            }
            long liveCalls = 0;
            for (int x : live.perSecond(seconds + 1)) {
                liveCalls += x;
            }
            ctx.results.put(
                    "yield",
                    what + ": live calls behind a drain call in service",
                    counters.normalBlockedByLow(),
                    "of " + liveCalls);
            ctx.results.put(
                    "yield",
                    what + ": their mean wait",
                    counters.normalBlockedByLow() == 0
                            ? 0
                            : (double) counters.normalBlockedByLowMs()
                                    / counters.normalBlockedByLow(),
                    "ms");
        }

        int[] drainPerSecond() {
            int[] l = live.perSecond(seconds + 1);
            int[] d = new int[seconds + 1];
            for (int s = 1; s <= seconds; s++) {
                d[s] = (int) Math.max(0, voice[s] - voice[s - 1] - l[s - 1]);
            }
            return d;
        }

        /** Second index i of drainPerSecond covers [i-1, i); live.perSecond index i-1. */
        int firstDrainSecond() {
            int[] d = drainPerSecond();
            for (int s = 1; s <= seconds; s++) {
                if (d[s] > 0) {
                    return s;
                }
            }
            return seconds;
        }

        void report(BenchContext ctx, String what) {
            int first = firstDrainSecond();
            int drainS = seconds - first + 1;
            int[] l = live.perSecond(seconds + 1);
            double liveRate = 0;
            for (int s = first - 1; s < seconds; s++) {
                liveRate += l[s];
            }
            liveRate /= drainS;
            double ideal = backlog / (CAPACITY - liveRate);
            ctx.results.put("yield", what + ": backlog", backlog, "events");
            ctx.results.put("yield", what + ": drain time", drainS, "s");
            ctx.results.put("yield", what + ": ideal (backlog / spare)", ideal, "s");
            ctx.results.put("yield", what + ": drain / spare capacity", ideal / drainS, "x");
            ctx.results.put(
                    "yield",
                    what + ": live p50 during the drain",
                    live.latency(0.5, first, seconds),
                    "ms");
            ctx.results.put(
                    "yield",
                    what + ": live p99 during the drain",
                    live.latency(0.99, first, seconds),
                    "ms");
            reportLive(ctx, what + ", during the drain", first, seconds);
            reportResidual(ctx, what);
        }

        void reportFlood(BenchContext ctx, String what) {
            int[] d = drainPerSecond();
            int[] l = live.perSecond(seconds + 1);
            // the first second from which the drain's share over every 5 s window up to the
            // flood's end stays below 5%
            int below = FLOOD_AT + FLOOD_FOR;
            for (int from = FLOOD_AT; from < FLOOD_AT + FLOOD_FOR - 5; from++) {
                boolean all = true;
                for (int w = from; w + 5 <= FLOOD_AT + FLOOD_FOR && all; w++) {
                    all = share(d, l, w, w + 5) < 0.05;
                }
                if (all) {
                    below = from;
                    break;
                }
            }
            ctx.results.put(
                    "yield",
                    what + ": drain share before the flood",
                    share(d, l, FLOOD_AT - 10, FLOOD_AT),
                    "");
            ctx.results.put(
                    "yield",
                    what + ": drain share, flood s 10-30",
                    share(d, l, FLOOD_AT + 10, FLOOD_AT + FLOOD_FOR),
                    "");
            ctx.results.put(
                    "yield", what + ": below 5% (every 5 s window) after", below - FLOOD_AT, "s");
            ctx.results.put(
                    "yield",
                    what + ": live p99 in the flood",
                    live.latency(0.99, FLOOD_AT + 10, FLOOD_AT + FLOOD_FOR),
                    "ms");
            reportLive(ctx, what + ", before the flood", 10, FLOOD_AT);
            reportLive(ctx, what + ", flood s 10-30", FLOOD_AT + 10, FLOOD_AT + FLOOD_FOR);
            reportResidual(ctx, what);
            // the first second of the flood from which the drain's share of each second stays
            // below 5% to the flood's end
            int perSecondBelow = FLOOD_FOR;
            for (int from = FLOOD_FOR - 1; from >= 0; from--) {
                if (share(d, l, FLOOD_AT + from, FLOOD_AT + from + 1) >= 0.05) {
                    break;
                }
                perSecondBelow = from;
            }
            ctx.results.put("yield", what + ": below 5% (every second) after", perSecondBelow, "s");
            StringBuilder shares = new StringBuilder();
            for (int sec = FLOOD_AT; sec < Math.min(seconds, FLOOD_AT + FLOOD_FOR); sec++) {
                shares.append(String.format("%.2f ", share(d, l, sec, sec + 1)));
            }
            System.out.println(
                    "yield "
                            + what
                            + ": drain share of the service per second of the flood: "
                            + shares);
            StringBuilder series = new StringBuilder();
            for (int s = Math.max(1, FLOOD_AT - 5);
                    s <= Math.min(seconds, FLOOD_AT + FLOOD_FOR + 20);
                    s++) {
                series.append(d[s]).append('/').append(l[s - 1]).append(' ');
            }
            System.out.println(
                    "yield "
                            + what
                            + ": drain/live calls per second from "
                            + (FLOOD_AT - 5)
                            + " s: "
                            + series);
        }

        /** Drain calls over all calls in seconds [from, to) (drainPerSecond index s+1). */
        static double share(int[] d, int[] l, int from, int to) {
            double dd = 0;
            double ll = 0;
            for (int s = from; s < to && s + 1 < d.length; s++) {
                dd += d[s + 1];
                ll += l[s];
            }
            return dd + ll == 0 ? 0 : dd / (dd + ll);
        }
    }
}
