package dev.floodgate.demo;

import dev.floodgate.job.tools.ReconcileReport;
import java.time.Duration;
import java.util.Map;

/**
 * What went where in one run: what the generator wrote, what the live job did with it (shed, dead
 * letters, the p99 age of {@code high} voice calls and of the other ones at processing, the largest
 * backlog, its checkpoints), the drain, and the reconcile verdict over the live and backfill lanes.
 */
record DemoSummary(
        long recordsSent,
        int sentValid,
        int sentPoison,
        long shed,
        Map<String, Long> deadLettersByReason,
        long archived,
        long p99HighMillis,
        long p99OtherMillis,
        long p99BackfillMillis,
        long maxBacklog,
        JobProbe.Checkpoints checkpoints,
        String savepoint,
        Duration drainTime,
        Duration runTime,
        ReconcileReport reconcile) {

    long deadLetters() {
        return deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    long processedBy(String lane) {
        return reconcile.processedByLane().getOrDefault(lane, 0L);
    }

    String render() {
        return String.format(
                "%nWhat went where%n"
                        + "  written to the interaction log : %,d records: %,d distinct valid events, %,d poison, "
                        + "the rest redeliveries%n"
                        + "  processed live                 : %,d   p99 age of voice: high %s, normal + low %s%n"
                        + "  shed to the durable lane       : %,d   drained by the backfill job: %,d in %s, p99 age %s%n"
                        + "  dead letters                   : %,d %s%n"
                        + "  archived (raw, exactly once)   : %,d records, redeliveries included%n"
                        + "  largest backlog (consumer lag) : %,d%n"
                        + "  live job checkpoints           : %,d completed, %,d failed; stopped with savepoint %s%n"
                        + "  run time                       : %s%n%n%s",
                recordsSent,
                sentValid,
                sentPoison,
                processedBy("live"),
                Progress.seconds(p99HighMillis),
                Progress.seconds(p99OtherMillis),
                shed,
                processedBy("backfill"),
                human(drainTime),
                Progress.seconds(p99BackfillMillis),
                deadLetters(),
                deadLettersByReason,
                archived,
                maxBacklog,
                checkpoints.completed(),
                checkpoints.failed(),
                savepoint,
                human(runTime),
                reconcile.render());
    }

    static String human(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        return s >= 60 ? String.format("%d min %02d s", s / 60, s % 60) : s + " s";
    }
}
