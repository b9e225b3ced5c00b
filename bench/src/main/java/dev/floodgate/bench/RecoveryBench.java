package dev.floodgate.bench;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.FloodgateJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.testing.FloodRun;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Section 3: recovery at steady load. The live job processes a steady stream ({@code
 * --recovery-rate}); after 40% of {@code --recovery-time}, half a checkpoint interval after a
 * completed checkpoint, the cluster's TaskManager is terminated and a new one started (a lost pod
 * and its replacement), under the production restart strategy (exponential delay from 1 s). From
 * the committed results: the time from the kill to the first event processed again, and to the
 * backlog drained (the last event processed older than max(1 s, twice the p99 age before)).
 */
final class RecoveryBench {
    private RecoveryBench() {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        BenchResults r = ctx.results;
        String name = "bench.recovery";
        String log = name + ".interactions";
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), log);
        FloodgateOptions options = LiveJobRun.options(ctx, name, log);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        JobClient job = FloodgateJob.submit(ctx.environment(conf), options);
        String jobId = job.getJobID().toString();

        FloodGenerator generator =
                new FloodGenerator(
                        ctx.bootstrap,
                        log,
                        new Profile(o.customers, 0.12, 0.09, 0.1, 0, 0, 0, 0),
                        5);
        Thread producer =
                new Thread(
                        () ->
                                generator.run(
                                        List.of(
                                                new Phase(
                                                        "steady", o.recoveryRate, o.recoveryTime)),
                                        p -> {}),
                        "recovery-producer");
        long start = System.nanoTime();
        producer.start();
        long killAt = start + (long) (0.4 * o.recoveryTime.toNanos());
        long giveUp = killAt + TimeUnit.MINUTES.toNanos(2);
        long completed = ctx.rest().completedCheckpoints(jobId);
        while (System.nanoTime() < killAt || ctx.rest().completedCheckpoints(jobId) == completed) {
            requireBefore(giveUp, "a checkpoint before the kill");
            Thread.sleep(50);
        }
        long before = ctx.rest().completedCheckpoints(jobId);
        while (ctx.rest().completedCheckpoints(jobId) == before) {
            requireBefore(giveUp, "a fresh checkpoint to kill after");
            Thread.sleep(20);
        }
        Thread.sleep(o.checkpointInterval.toMillis() / 2);
        long killed = System.currentTimeMillis();
        ctx.flink.miniCluster().terminateTaskManager(0).get(1, TimeUnit.MINUTES);
        ctx.flink.miniCluster().startTaskManager();
        producer.join();

        int sent = generator.sentValid().size();
        try (CommittedCounter counter =
                new CommittedCounter(ctx.bootstrap, name + ".processed", name + ".shed")) {
            counter.awaitCount(sent, o.timeout, () -> LiveJobRun.failed(ctx, job));
        }
        job.cancel().get(1, TimeUnit.MINUTES);
        report(r, ctx.bootstrap, name, generator, killed);
    }

    private static void report(
            BenchResults r, String bootstrap, String name, FloodGenerator generator, long killed)
            throws Exception {
        List<Long> agesBefore = new ArrayList<>();
        long firstAfter = Long.MAX_VALUE;
        List<ProcessedEvent> after = new ArrayList<>();
        Set<String> sent = new HashSet<>();
        generator.sentValid().forEach(i -> sent.add(i.eventId));
        Set<String> seen = new HashSet<>();
        int outputs = 0;
        for (ConsumerRecord<byte[], byte[]> rec :
                KafkaIO.readCommitted(bootstrap, name + ".shed")) {
            outputs++;
            seen.add(
                    InteractionCodec.parse(
                                    new RawRecord(
                                            rec.key(),
                                            rec.value(),
                                            rec.topic(),
                                            rec.partition(),
                                            rec.offset(),
                                            rec.timestamp()),
                                    Integer.MAX_VALUE)
                            .eventId);
        }
        for (ConsumerRecord<byte[], byte[]> rec :
                KafkaIO.readCommitted(bootstrap, name + ".processed")) {
            ProcessedEvent p = OutputCodec.readProcessed(rec.value());
            outputs++;
            seen.add(p.eventId);
            if (p.processedAt < killed) {
                agesBefore.add(p.ageMillis());
            } else {
                after.add(p);
                firstAfter = Math.min(firstAfter, p.processedAt);
            }
        }
        Collections.sort(agesBefore);
        long p99Before = FloodRun.percentile(agesBefore, 0.99);
        long stale = Math.max(1000, 2 * p99Before);
        long lastStale = firstAfter;
        long maxAge = 0;
        for (ProcessedEvent p : after) {
            maxAge = Math.max(maxAge, p.ageMillis());
            if (p.ageMillis() > stale) {
                lastStale = Math.max(lastStale, p.processedAt);
            }
        }
        r.put("recovery", "events sent at steady load", sent.size(), "events");
        r.put(
                "recovery",
                "exactly once: duplicates in processed + shed",
                outputs - seen.size(),
                "events");
        seen.retainAll(sent);
        r.put(
                "recovery",
                "exactly once: missing from processed + shed",
                sent.size() - seen.size(),
                "events");
        r.put("recovery", "age at processing before the kill, p99", p99Before, "ms");
        r.put("recovery", "kill to first event processed again", firstAfter - killed, "ms");
        r.put("recovery", "stale threshold: max(1 s, 2 x p99 before)", stale, "ms");
        r.put(
                "recovery",
                "kill to backlog drained (no older event after)",
                lastStale - killed,
                "ms");
        r.put("recovery", "max age at processing after the kill", maxAge, "ms");
    }

    private static void requireBefore(long deadlineNanos, String what) {
        if (System.nanoTime() > deadlineNanos) {
            throw new IllegalStateException(
                    "recovery benchmark: no " + what + " within 2 minutes: checkpoints stalled");
        }
    }
}
