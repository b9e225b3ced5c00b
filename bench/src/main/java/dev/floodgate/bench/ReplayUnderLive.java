package dev.floodgate.bench;

import dev.floodgate.job.BackfillJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.model.Channel;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;

/**
 * Section 5b, runs {@code replay} and {@code replay-priority} (issue 32: "a replay of 1,000,000
 * events started under live traffic: the same live-freshness bound holds"). A log of {@link
 * #EVENTS} events in the seed's daily mix ({@link LogFiller}: 12% voice, 9% image, the rest chat)
 * is replayed from its start ({@link BackfillJob#buildReplay}, yielding to live traffic, as the
 * job's defaults) at services shared with live calls: voice 2 workers x 200 ms (10 calls/s) with
 * live voice at 5/s, chat 4 x 20 ms (200 calls/s) with live chat at 100/s, image 4 x 20 ms with no
 * live image. In one run: live alone for {@link #ALONE_S} s, then the replay submitted and live
 * measured for {@link #REPLAY_S} s more; live p99 per channel and priority in both phases (the
 * first {@link #SETTLE_S} s of each left out), and the replay's calls per channel against the
 * capacity live traffic left. The replay does not finish here (its voice alone would take hours of
 * spare capacity): what counts is live freshness while a million events wait in front of it. With
 * {@code priority}: the service serves by RFC 9218 urgency and the replay's calls carry {@link
 * YieldBench#PRIORITY_HEADER}.
 */
final class ReplayUnderLive {
    static final int EVENTS = 1_000_000;
    static final int CUSTOMERS = 50_000;
    static final int ALONE_S = 100;
    static final int REPLAY_S = 130;
    static final int SETTLE_S = 10;
    static final double LIVE_VOICE = 5;
    static final double LIVE_CHAT = 100;
    static final Map<Channel, Double> CAPACITY =
            Map.of(Channel.VOICE, 10.0, Channel.CHAT, 200.0, Channel.IMAGE, 200.0);

    private ReplayUnderLive() {}

    static void run(BenchContext ctx, boolean priority) throws Exception {
        String name = priority ? "replay-priority" : "replay";
        String what =
                priority
                        ? "replay of 1M, priority header, yielding"
                        : "replay of 1M, FIFO service, yielding";
        String prefix = "bench.yield." + name;
        Topics.create(
                ctx.bootstrap,
                2,
                Duration.ofDays(1),
                prefix + ".log",
                prefix + ".replayed",
                prefix + ".dlq");
        LogFiller.Filled filled =
                LogFiller.fill(ctx.bootstrap, prefix + ".log", EVENTS, CUSTOMERS, 300, 7, false);
        ctx.results.put("yield", what + ": log", filled.events(), "events");
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.VOICE, 2, Duration.ofMillis(200))
                        .channel(Channel.CHAT, 4, Duration.ofMillis(20))
                        .channel(Channel.IMAGE, 4, Duration.ofMillis(20));
        try (CapacityLimitedService service =
                new CapacityLimitedService(priority ? options.honourPriority() : options).start()) {
            long t0 = System.currentTimeMillis();
            LiveCalls voice =
                    new LiveCalls(service.endpoint(Channel.VOICE), 8, t -> LIVE_VOICE, t0);
            LiveCalls chat = new LiveCalls(service.endpoint(Channel.CHAT), 16, t -> LIVE_CHAT, t0);
            sleepUntil(t0, ALONE_S);
            StreamExecutionEnvironment env = ctx.environment(new Configuration());
            BackfillJob.buildReplay(
                    env,
                    options(ctx, service, prefix, priority),
                    Map.of(
                            new TopicPartition(prefix + ".log", 0), 0L,
                            new TopicPartition(prefix + ".log", 1), 0L));
            JobClient replay = env.executeAsync(prefix);
            sleepUntil(t0, ALONE_S + SETTLE_S);
            Map<Channel, Long> from = calls(service);
            int end = ALONE_S + REPLAY_S;
            sleepUntil(t0, end);
            Map<Channel, Long> to = calls(service);
            voice.stop();
            chat.stop();
            boolean running = !replay.getJobStatus().get().isGloballyTerminalState();
            if (running) {
                replay.cancel().get(1, TimeUnit.MINUTES);
            }
            ctx.results.put(
                    "yield", what + ": replay still running at the end", running ? 1 : 0, "");
            report(ctx, what + ", voice", voice);
            report(ctx, what + ", chat", chat);
            int window = end - ALONE_S - SETTLE_S;
            Map<Channel, Double> live = new EnumMap<>(Channel.class);
            live.put(Channel.VOICE, answered(voice, ALONE_S + SETTLE_S, end) / (double) window);
            live.put(Channel.CHAT, answered(chat, ALONE_S + SETTLE_S, end) / (double) window);
            live.put(Channel.IMAGE, 0.0);
            for (Channel c : List.of(Channel.VOICE, Channel.CHAT, Channel.IMAGE)) {
                double replayRate = (to.get(c) - from.get(c)) / (double) window - live.get(c);
                double spare = CAPACITY.get(c) - live.get(c);
                ctx.results.put(
                        "yield", what + ": replay calls, " + c.wireName(), replayRate, "calls/s");
                ctx.results.put(
                        "yield",
                        what + ": replay / spare capacity, " + c.wireName(),
                        replayRate / spare,
                        "x");
            }
            ctx.results.put(
                    "yield",
                    what + ": replayed, committed",
                    KafkaIO.readCommitted(ctx.bootstrap, prefix + ".replayed").size(),
                    "events");
        }
    }

    /** Live p99 per priority, alone and during the replay, and the ratio. */
    private static void report(BenchContext ctx, String what, LiveCalls live) {
        for (Boolean high : new Boolean[] {null, true, false}) {
            String p = high == null ? "all" : high ? "high" : "normal";
            double alone = live.latency(0.99, SETTLE_S, ALONE_S, high);
            double during = live.latency(0.99, ALONE_S + SETTLE_S, ALONE_S + REPLAY_S, high);
            ctx.results.put("yield", what + " " + p + ": live p99 alone", alone, "ms");
            ctx.results.put("yield", what + " " + p + ": live p99 during the replay", during, "ms");
            ctx.results.put("yield", what + " " + p + ": during / alone", during / alone, "x");
        }
    }

    private static long answered(LiveCalls live, int from, int to) {
        int[] perSecond = live.perSecond(to);
        long n = 0;
        for (int s = from; s < to; s++) {
            n += perSecond[s];
        }
        return n;
    }

    private static Map<Channel, Long> calls(CapacityLimitedService service) {
        Map<Channel, Long> m = new EnumMap<>(Channel.class);
        for (Channel c : Channel.values()) {
            m.put(c, service.calls(c));
        }
        return m;
    }

    private static void sleepUntil(long t0, int second) throws InterruptedException {
        Thread.sleep(Math.max(0, t0 + second * 1000L - System.currentTimeMillis()));
    }

    private static FloodgateOptions options(
            BenchContext ctx, CapacityLimitedService service, String prefix, boolean priority) {
        List<String> args =
                new ArrayList<>(
                        priority
                                ? List.of("--drain-priority-header", YieldBench.PRIORITY_HEADER)
                                : List.of());
        args.addAll(YieldBench.backfillArgs(ctx, service, prefix));
        args.addAll(
                List.of(
                        "--mode",
                        "replay",
                        "--input-topic",
                        prefix + ".log",
                        "--replay-topic",
                        prefix + ".replayed",
                        "--checkpoint-interval",
                        "10s",
                        "--parallelism",
                        Integer.toString(ctx.options.parallelism)));
        return FloodgateOptions.fromArgs(args.toArray(String[]::new), JobKind.BACKFILL);
    }
}
