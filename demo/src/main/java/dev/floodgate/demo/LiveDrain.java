package dev.floodgate.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.job.BackfillJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Lane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain beside the live job (issue 32): once the flood is over and the live job has caught up,
 * the backfill job follows the shed lane ({@code --mode drain --follow true}) on the same cluster
 * and against the same processing service as the live job, which keeps running under calm live
 * traffic. The drain takes only the service's spare capacity, no rate set for the service: the
 * demo's service serves by priority and the drain's calls carry {@code --drain-priority-header}
 * with fixed limits ({@code --yield-to-live false}); without the header it yields by delay. It is
 * done when the shed lane is empty; it keeps following (events shed later are drained too) until it
 * is stopped with a savepoint at the end of the demo.
 *
 * <p>For {@code summary.json}: {@code drain_s} (start to the shed lane empty), {@code
 * drain_ideal_s} (the voice calls the drain made / the voice service's spare capacity during the
 * drain: its capacity minus the live voice calls per second), and the live lane's p99 ages per
 * channel and priority during the drain, beside those of the calm after the flood without a drain.
 */
final class LiveDrain {
    private static final Logger OUT = LoggerFactory.getLogger("floodgate.demo");

    /** The longest the demo waits for the shed lane to empty. */
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final JobClient job;
    private final long startMillis;
    private final double startSecond;
    private final long backlog;
    private final long backfillAtStart;
    private final long voiceAtStart;
    private long endMillis = -1;
    private double endSecond = -1;
    private long drained;
    private long voiceDrained;

    private LiveDrain(JobClient job, Progress progress, double startSecond) {
        this.job = job;
        this.startMillis = System.currentTimeMillis();
        this.startSecond = startSecond;
        this.backfillAtStart = progress.outputs().processed(Lane.BACKFILL);
        this.voiceAtStart = progress.outputs().backfillVoice();
        progress.drainStarts();
        this.backlog = progress.shedLeft();
    }

    /** Submits the following drain next to the live job; {@code second}: the run's clock now. */
    static LiveDrain start(DemoOptions o, DemoStack stack, Progress progress, double second)
            throws Exception {
        java.util.List<String> args =
                new java.util.ArrayList<>(
                        java.util.List.of(
                                "--kafka-plaintext",
                                "true",
                                "--bootstrap-servers",
                                stack.bootstrapServers(),
                                "--mode",
                                "drain",
                                "--follow",
                                "true",
                                // as k8s/backfill-job.yaml: no reader waits for the drain's
                                // output, and each checkpoint settles its calls (the last
                                // ones finish with workers left idle)
                                "--checkpoint-interval",
                                "10s",
                                "--transaction-timeout",
                                "5min",
                                // the live job's service: the drain takes what live traffic leaves
                                "--processor-url",
                                stack.service().baseUri().toString(),
                                "--processor-allow-plaintext",
                                "--parallelism",
                                Integer.toString(o.parallelism)));
        if (!o.drainPriorityHeader.equals("none")) {
            // the demo's service serves by priority: as docs/operating.md says for such a service,
            // the fixed limits (the delay-based one would only hold the drain back)
            args.addAll(
                    java.util.List.of(
                            "--drain-priority-header",
                            o.drainPriorityHeader,
                            "--yield-to-live",
                            "false"));
        }
        FloodgateOptions backfill =
                FloodgateOptions.fromArgs(args.toArray(new String[0]), JobKind.BACKFILL);
        OUT.info(
                "drain: the backfill job follows the shed lane ({} events) beside the live job, on "
                        + "the speech-to-text service's spare capacity ({} calls/s less the live calls)",
                String.format("%,d", progress.shedLeft()),
                String.format("%.0f", o.voiceCapacity));
        var env = stack.flink().environment(FloodDemo.jobConf(null));
        BackfillJob.build(env, backfill);
        JobClient job = stack.track(env.executeAsync("floodgate-backfill-drain"));
        return new LiveDrain(job, progress, second);
    }

    /**
     * Samples once a second (the live view goes on) until the shed lane is empty; fails if the
     * drain job ends or the lane is not empty within {@link #TIMEOUT}.
     */
    Duration awaitEmpty(Progress progress, Runnable eachSecond) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Sample s = progress.next();
            eachSecond.run();
            if (s.shedLeft() == 0) {
                endMillis = System.currentTimeMillis();
                endSecond = s.second();
                break;
            }
            requireRunning();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the shed lane did not empty within " + TIMEOUT + " of the drain's start");
            }
        }
        drained = progress.outputs().processed(Lane.BACKFILL) - backfillAtStart;
        voiceDrained = progress.outputs().backfillVoice() - voiceAtStart;
        Duration took = Duration.ofMillis(endMillis - startMillis);
        OUT.info(
                "the shed lane is empty after {}: {} events processed in the backfill lane, beside the live job",
                DemoSummary.human(took),
                String.format("%,d", drained));
        return took;
    }

    void requireRunning() throws Exception {
        if (job.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
            throw new IllegalStateException(
                    "the following drain ended " + job.getJobStatus().get());
        }
    }

    /** Stops the following drain with a savepoint (exact: its marks commit with its outputs). */
    String stop(Path savepoints) throws Exception {
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                savepoints.toAbsolutePath().toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(2, TimeUnit.MINUTES);
        OUT.info("the drain stopped with savepoint {}", savepoint);
        return savepoint;
    }

    double startSecond() {
        return startSecond;
    }

    double endSecond() {
        return endSecond;
    }

    /**
     * Adds the drain's figures to {@code summary}; {@code calmFrom}, {@code calmTo}: the calm after
     * the flood without a drain (epoch ms; {@code calmFrom >= calmTo}: none), for comparison.
     */
    void summarize(
            ObjectNode summary,
            FreshnessStats freshness,
            double voiceCapacity,
            long calmFrom,
            long calmTo) {
        double seconds = (endMillis - startMillis) / 1000.0;
        summary.put("drain_s", round(seconds));
        summary.put("drain_backlog", backlog);
        summary.put("drain_events", drained);
        summary.put("drain_voice_events", voiceDrained);
        double liveVoice =
                seconds <= 0
                        ? 0
                        : freshness.liveCount(Channel.VOICE, startMillis, endMillis) / seconds;
        double spare = voiceCapacity - liveVoice;
        summary.put("drain_live_voice_per_s", round(liveVoice));
        summary.put("drain_spare_voice_per_s", round(spare));
        if (spare > 0) {
            summary.put("drain_ideal_s", round(voiceDrained / spare));
        } else {
            summary.putNull("drain_ideal_s");
        }
        freshness.p99Ages(summary, "drain_live_p99_age_s", startMillis, endMillis);
        // live events the live job shed beside the drain (the drain takes only spare capacity)
        summary.put("drain_live_shed", freshness.shedLoggedBetween(startMillis, endMillis));
        ObjectNode byReason = summary.putObject("drain_live_shed_by_reason");
        freshness.shedLoggedBetweenByReason(startMillis, endMillis).forEach(byReason::put);
        if (calmFrom < calmTo) {
            freshness.p99Ages(summary, "calm_live_p99_age_s", calmFrom, calmTo);
        } else {
            summary.putNull("calm_live_p99_age_s");
        }
    }

    private static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }
}
