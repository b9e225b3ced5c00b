package dev.floodgate.job.tools;

import dev.floodgate.job.options.OptionSet;
import dev.floodgate.job.options.TypedOption;
import java.time.Duration;
import java.util.Set;
import org.apache.flink.util.TimeUtils;

/**
 * The tools' own options, beside the job options they take: registered and parsed like the jobs'
 * ({@link TypedOption}), so a bad value names the option and the form it expects in the same words.
 */
final class ToolOptions {
    static final OptionSet ALL = new OptionSet();

    static final TypedOption<Set<dev.floodgate.model.Lane>> LANES =
            ALL.parsed(
                    "lanes",
                    "a comma-separated list of live, backfill, replay",
                    "live,backfill",
                    "reconcile: the lanes whose processed records count",
                    Reconcile::lanes);
    static final TypedOption<Duration> IDLE_TIMEOUT =
            ALL.duration(
                    "idle-timeout",
                    "a duration of at least 1 s, such as 60s or 5min",
                    "60s",
                    "reconcile: a topic that stops advancing for this long is unreadable",
                    ToolOptions::idleTimeout);
    static final TypedOption<Integer> WAITING =
            ALL.integer(
                    "waiting",
                    "an integer >= 0",
                    "10",
                    "savepoint inspect: how many waiting customers to list",
                    ToolOptions::atLeastZero);

    private ToolOptions() {}

    /**
     * The typed value of {@code option} given as {@code value} ({@code null}: its default); a bad
     * value is {@link ToolArgs.BadArguments} naming the option.
     */
    static <T> T get(TypedOption<T> option, String value) {
        try {
            return option.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ToolArgs.BadArguments(e.getMessage());
        }
    }

    private static Duration idleTimeout(String s) {
        Duration d = TimeUtils.parseDuration(s);
        if (d.toMillis() < 1000) {
            throw new IllegalArgumentException("below 1 s");
        }
        return d;
    }

    private static int atLeastZero(String s) {
        int n = Integer.parseInt(s);
        if (n < 0) {
            throw new IllegalArgumentException("below 0");
        }
        return n;
    }
}
