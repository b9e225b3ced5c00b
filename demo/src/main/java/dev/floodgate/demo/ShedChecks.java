package dev.floodgate.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The demo's two checks that admission sheds only while the service is the bottleneck, for {@code
 * summary.json}:
 *
 * <ul>
 *   <li>{@code shed_at_start}: events shed among those logged in the first {@value
 *       #START_WINDOW_MILLIS} ms of the story (at most its calm opening, arrivals below capacity):
 *       a job that has just started has no backlog and a service with room;
 *   <li>{@code shed_after_recovery}: events shed among those logged from {@value
 *       #AFTER_RECOVERY_MILLIS} ms after the backlog is gone, once the flood is over, to the end of
 *       the calm that follows it (arrivals below capacity). The backlog is gone at the first second
 *       after the flood whose consumer lag is at most the arrivals of one checkpoint interval and
 *       one second: the source commits its offsets on checkpoints, so the lag never reads 0 while
 *       events arrive.
 * </ul>
 *
 * A check whose window is empty (a calm at or above capacity, a calm after the flood shorter than
 * the time the backlog takes to go plus {@value #AFTER_RECOVERY_MILLIS} ms) is {@code null}.
 */
final class ShedChecks {
    static final long START_WINDOW_MILLIS = 30_000;
    static final long AFTER_RECOVERY_MILLIS = 10_000;

    private ShedChecks() {}

    /**
     * Adds both checks to {@code summary}; {@code storyStart} is the epoch ms of the story's second
     * 0, the samples' clock.
     */
    static void put(
            ObjectNode summary,
            DemoOptions o,
            Story story,
            List<Sample> samples,
            FreshnessStats freshness,
            long storyStart,
            double checkpointSeconds) {
        long calmEnd = storyStart + Math.round(story.floodStartSecond() * 1000);
        if (o.calmFactor < 1) {
            long to = Math.min(calmEnd, storyStart + START_WINDOW_MILLIS);
            summary.put("shed_at_start", freshness.shedLoggedBetween(storyStart, to));
            byReason(summary, "shed_at_start_by_reason", freshness, storyStart, to);
        } else {
            summary.putNull("shed_at_start");
        }
        double recovered = recoveredSecond(samples, story.floodEndSecond(), checkpointSeconds);
        long from = storyStart + Math.round(recovered * 1000) + AFTER_RECOVERY_MILLIS;
        long to = storyStart + story.length().toMillis();
        if (recovered >= 0) {
            summary.put(
                    "backlog_gone_after_flood_s",
                    Math.round((recovered - story.floodEndSecond()) * 10) / 10.0);
        } else {
            summary.putNull("backlog_gone_after_flood_s");
        }
        if (o.calmFactor < 1 && recovered >= 0 && from < to) {
            summary.put("shed_after_recovery", freshness.shedLoggedBetween(from, to));
            byReason(summary, "shed_after_recovery_by_reason", freshness, from, to);
            summary.put("shed_after_recovery_window_s", (to - from) / 1000.0);
        } else {
            summary.putNull("shed_after_recovery");
            summary.putNull("shed_after_recovery_window_s");
        }
    }

    private static void byReason(
            ObjectNode summary, String field, FreshnessStats freshness, long from, long to) {
        ObjectNode n = summary.putObject(field);
        freshness.shedLoggedBetweenByReason(from, to).forEach(n::put);
    }

    /** The story second the backlog is gone after the flood; {@code -1}: never. */
    static double recoveredSecond(
            List<Sample> samples, double floodEndSecond, double checkpointSeconds) {
        for (Sample s : samples) {
            if (s.second() >= floodEndSecond
                    && !s.phase().equals("drain")
                    && s.backlog() <= s.arrivalsPerSecond() * (checkpointSeconds + 1)) {
                return s.second();
            }
        }
        return -1;
    }
}
