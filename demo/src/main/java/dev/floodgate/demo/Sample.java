package dev.floodgate.demo;

/**
 * One second of the live view: where the story is, the rates over the last second, the backlog, the
 * running totals, and the p99 age (ms) over the last few seconds of the live lane's {@code high}
 * voice calls, its other voice calls, and its chat ({@code -1} when none was processed); from the
 * start of the drain, the shed lane left to drain ({@code -1} before it).
 */
record Sample(
        double second,
        String clock,
        String phase,
        double arrivalsPerSecond,
        double processedPerSecond,
        long backlog,
        long shed,
        long deadLetters,
        long p99HighMillis,
        long p99OtherMillis,
        long p99ChatMillis,
        long checkpoints,
        long shedLeft) {

    static final String CSV_HEADER =
            "second,clock,phase,arrivals_per_s,processed_per_s,backlog,shed_total,"
                    + "dead_letters_total,p99_age_voice_high_ms,p99_age_voice_other_ms,p99_age_chat_ms,"
                    + "checkpoints_completed,shed_left_to_drain";

    String csv() {
        return String.format(
                java.util.Locale.ROOT,
                "%.1f,%s,%s,%.1f,%.1f,%d,%d,%d,%d,%d,%d,%d,%d",
                second,
                clock,
                phase,
                arrivalsPerSecond,
                processedPerSecond,
                backlog,
                shed,
                deadLetters,
                p99HighMillis,
                p99OtherMillis,
                p99ChatMillis,
                checkpoints,
                shedLeft);
    }
}
