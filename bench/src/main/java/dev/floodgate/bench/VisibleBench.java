package dev.floodgate.bench;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.Checkpointing;
import dev.floodgate.job.FloodgateJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Section "visible" (issue 30, section 5): freshness as a {@code read_committed} reader sees it, at
 * each checkpoint interval of {@code --visible-intervals}, in one run. The live job (dry run, the
 * job's default options otherwise) reads a log that a producer fills at {@code --visible-rate}
 * events/s for {@code --visible-time}; a {@code read_committed} consumer polling all the time takes
 * each result's visible age (its wall clock at receipt minus the event's log time) beside its
 * processing age ({@code processed_at} minus the log time). The first 10 s of the log (the job's
 * start) are left out. Also per interval: checkpoints per second, the transactional ids the run
 * left on the broker (one transaction each), and CPU per event of this process.
 */
final class VisibleBench {
    /**
     * The first seconds of the log, left out of the ages (a third of a shorter run): the job is
     * running before the producer starts, but its first results warm it up.
     */
    private static final Duration SETTLE = Duration.ofSeconds(5);

    /** The deployment's parallelism ({@code k8s/live-job.yaml}), for the ids a day. */
    private static final int DEPLOYED_PARALLELISM = 4;

    private record Age(Channel channel, Priority priority, long processing, long visible) {}

    private VisibleBench() {}

    static void run(BenchContext ctx) throws Exception {
        BenchOptions o = ctx.options;
        ctx.results.note(
                "visible",
                String.format(
                        "live job (dry run) at %d events/s for %d s per interval, parallelism %d; "
                                + "the job's default interval is %s",
                        o.visibleRate,
                        o.visibleTime.toSeconds(),
                        o.parallelism,
                        text(Checkpointing.DEFAULT_INTERVAL)));
        for (Duration interval : o.visibleIntervals) {
            run(ctx, interval);
        }
    }

    private static void run(BenchContext ctx, Duration interval) throws Exception {
        BenchOptions o = ctx.options;
        String name = "bench.visible-" + interval.toMillis() + "ms";
        String log = name + ".interactions";
        String processed = name + ".processed";
        Topics.create(ctx.bootstrap, 4, Duration.ofDays(1), log);
        FloodgateOptions options = LiveJobRun.options(ctx, interval, name, log);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        List<Age> ages = Collections.synchronizedList(new ArrayList<>());
        FloodGenerator generator =
                new FloodGenerator(
                        ctx.bootstrap, log, new Profile(2000, 0.12, 0.09, 0.10, 0, 0, 0, 0), 30);
        JobClient job = FloodgateJob.submit(ctx.environment(conf), options);
        String jobId = job.getJobID().toString();
        awaitFirstCheckpoint(ctx, jobId); // every task running: the log's ages start at zero
        ProcessCpu cpu = new ProcessCpu();
        long t0 = System.currentTimeMillis();
        long settle = Math.min(SETTLE.toMillis(), o.visibleTime.toMillis() / 3);
        try (Reader reader = new Reader(ctx.bootstrap, processed, t0 + settle, ages)) {
            generator.run(List.of(new Phase("steady", o.visibleRate, o.visibleTime)), p -> {});
            long sent = generator.sentValid().size();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (reader.seen() < sent && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            long checkpoints = ctx.rest().completedCheckpoints(jobId);
            double seconds = (System.currentTimeMillis() - t0) / 1000.0;
            double cpuSeconds = cpu.cpuSeconds();
            job.cancel().get(1, TimeUnit.MINUTES);
            if (reader.seen() < sent) {
                throw new IllegalStateException(
                        "visible: " + reader.seen() + " of " + sent + " results seen committed");
            }
            report(ctx, interval, new ArrayList<>(ages), checkpoints, seconds, name);
            ctx.results.put(
                    "visible",
                    "at " + text(interval) + ": CPU per event of this process",
                    cpuSeconds * 1e6 / sent,
                    "µs");
        } finally {
            job.cancel();
        }
    }

    private static void report(
            BenchContext ctx,
            Duration interval,
            List<Age> ages,
            long checkpoints,
            double seconds,
            String prefix)
            throws Exception {
        BenchResults r = ctx.results;
        String at = "at " + text(interval) + ": ";
        for (String what : List.of("chat", "voice high")) {
            List<Long> processing = new ArrayList<>();
            List<Long> visible = new ArrayList<>();
            List<Long> commitWait = new ArrayList<>();
            for (Age a : ages) {
                boolean chat = a.channel == Channel.CHAT;
                boolean voiceHigh = a.channel == Channel.VOICE && a.priority == Priority.HIGH;
                if (what.equals("chat") ? chat : voiceHigh) {
                    processing.add(a.processing);
                    visible.add(a.visible);
                    commitWait.add(a.visible - a.processing);
                }
            }
            Collections.sort(processing);
            Collections.sort(visible);
            Collections.sort(commitWait);
            r.put("visible", at + what + " events measured", visible.size(), "events");
            r.put("visible", at + what + " processing age p99", p(processing, 0.99), "ms");
            r.put("visible", at + what + " visible age p50", p(visible, 0.5), "ms");
            r.put("visible", at + what + " visible age p99", p(visible, 0.99), "ms");
            r.put("visible", at + what + " visible age max", p(visible, 1.0), "ms");
            // what the cadence adds, event by event, whatever the processing lag of a loaded
            // machine
            r.put(
                    "visible",
                    at + what + " wait for the commit (visible - processing age) p99",
                    p(commitWait, 0.99),
                    "ms");
        }
        r.put("visible", at + "checkpoints per second", checkpoints / seconds, "1/s");
        int ids = transactionalIds(ctx.bootstrap, prefix);
        r.put("visible", at + "transactional ids left on the broker", ids, "ids");
        r.put("visible", at + "transactions (ids) per second", ids / seconds, "1/s");
        double perCheckpointSinkSubtask =
                checkpoints == 0 ? 0 : ids / (double) checkpoints / ctx.options.parallelism;
        r.put(
                "visible",
                at
                        + "transactional ids a day at parallelism "
                        + DEPLOYED_PARALLELISM
                        + " (ids per checkpoint and subtask x 86,400 s / interval)",
                perCheckpointSinkSubtask
                        * DEPLOYED_PARALLELISM
                        * 86_400_000.0
                        / interval.toMillis(),
                "ids/day");
    }

    private static void awaitFirstCheckpoint(BenchContext ctx, String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (ctx.rest().completedCheckpoints(jobId) < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("visible: no checkpoint of " + jobId + " in 2 min");
            }
            Thread.sleep(100);
        }
    }

    /** The broker's transactional ids of the run's sinks ({@code <prefix>-<sink>-...}). */
    private static int transactionalIds(String bootstrap, String prefix) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            int n = 0;
            for (TransactionListing l : admin.listTransactions().all().get(30, TimeUnit.SECONDS)) {
                if (l.transactionalId().startsWith(prefix + "-")) {
                    n++;
                }
            }
            return n;
        }
    }

    private static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static long p(List<Long> sorted, double q) {
        return sorted.isEmpty()
                ? -1
                : sorted.get(Math.max(0, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /**
     * A {@code read_committed} consumer of the processed topic on its own thread: the visible age
     * of each result whose event was logged at or after {@code from}.
     */
    private static final class Reader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private final List<Age> ages;
        private final long from;
        private volatile boolean running = true;
        private volatile long seen;
        private volatile Exception failure;

        Reader(String bootstrap, String topic, long from, List<Age> ages) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer =
                    new KafkaConsumer<>(
                            p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic)
                    .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            this.ages = ages;
            this.from = from;
            thread = new Thread(this::read, "bench-visible-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void read() {
            try {
                while (running) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    long now = System.currentTimeMillis();
                    for (ConsumerRecord<byte[], byte[]> rec : records) {
                        ProcessedEvent e = OutputCodec.readProcessed(rec.value());
                        seen++;
                        if (e.logTimestamp >= from) {
                            ages.add(
                                    new Age(
                                            e.channel,
                                            e.priority,
                                            e.processedAt - e.logTimestamp,
                                            now - e.logTimestamp));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
        }

        long seen() {
            if (failure != null) {
                throw new IllegalStateException("the read_committed reader failed", failure);
            }
            return seen;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
            consumer.close();
        }
    }
}
