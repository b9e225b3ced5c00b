package dev.floodgate.bench;

import dev.floodgate.job.BackfillJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.testkit.kafka.Topics;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Section 5: the backfill job's drain ({@link BackfillJob}, {@code --mode drain}, no rate limit to
 * speak of) of a shed lane as large as the benchmark's log, against the live job's rate on that
 * log. The log itself serves as the shed lane: shed records are contract v1 events keyed by
 * customer, read with the same parser. The drain is bounded; its time runs from submit until it
 * finished, its last transaction committed.
 */
final class BackfillBench {
    private BackfillBench() {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        String shedLane = ctx.log();
        String name = "bench.backfill";
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), name + ".processed", name + ".dlq");
        FloodgateOptions options =
                FloodgateOptions.fromArgs(
                        new String[] {
                            "--dry-run",
                            "true",
                            "--bootstrap-servers",
                            ctx.bootstrap,
                            "--mode",
                            "drain",
                            "--shed-topic",
                            shedLane,
                            "--processed-topic",
                            name + ".processed",
                            "--dlq-topic",
                            name + ".dlq",
                            "--group-id",
                            name,
                            "--transactional-id-prefix",
                            name,
                            "--max-rate",
                            "1000000000",
                            "--checkpoint-interval",
                            o.checkpointInterval.toMillis() + "ms",
                            "--parallelism",
                            Integer.toString(o.parallelism),
                            "--transaction-timeout",
                            "10min"
                        },
                        JobKind.BACKFILL);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = ctx.environment(conf);
        BackfillJob.build(env, options);
        long t0 = System.nanoTime();
        env.execute(name);
        double seconds = (System.nanoTime() - t0) / 1e9;
        try (CommittedCounter counter = new CommittedCounter(ctx.bootstrap, name + ".processed")) {
            counter.awaitCount(o.events, Duration.ofMinutes(1), () -> false);
        }
        if (ctx.liveJobRate == 0) {
            ctx.liveJobRate =
                    LiveJobRun.run(
                                    ctx,
                                    "bench.backfill-live",
                                    shedLane,
                                    o.events,
                                    new Configuration(),
                                    null)
                            .endToEndRate();
        }
        double drain = o.events / seconds;
        ctx.results.put("backfill", "drain, submit to finished (all committed)", drain, "events/s");
        ctx.results.put(
                "backfill", "live job, submit to all committed", ctx.liveJobRate, "events/s");
        ctx.results.put("backfill", "ratio drain / live job", drain / ctx.liveJobRate, "x");
    }
}
