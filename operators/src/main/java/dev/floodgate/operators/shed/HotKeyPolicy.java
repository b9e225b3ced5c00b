package dev.floodgate.operators.shed;

import dev.floodgate.model.CustomerNames;
import dev.floodgate.model.Priority;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * When a customer counts as a hot key: more than {@code eventsPerSecond} on average over one {@code
 * window}. A hot customer's events of the sheddable priorities (any channel, chat included: a bot
 * loop floods chat too) are shed regardless of age, while their channel's service is the bottleneck
 * (see {@code PredictiveAdmission}), until it has stayed below the rate for a whole window. Reports
 * are rate limited: at most one log line per customer per {@code logInterval}, at most {@code
 * maxLogsPerInterval} in total, and at most {@code maxTracked} customers remembered for reporting.
 */
public final class HotKeyPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double eventsPerSecond;
    private final long windowMillis;
    private final EnumSet<Priority> sheddable;
    private final long logIntervalMillis;
    private final int maxLogsPerInterval;
    private final int maxTracked;
    private final CustomerNames customerNames;

    public HotKeyPolicy(
            double eventsPerSecond,
            Duration window,
            Set<Priority> sheddable,
            Duration logInterval,
            int maxLogsPerInterval,
            int maxTracked) {
        this(
                eventsPerSecond,
                window,
                sheddable,
                logInterval,
                maxLogsPerInterval,
                maxTracked,
                CustomerNames.pseudonymous());
    }

    private HotKeyPolicy(
            double eventsPerSecond,
            Duration window,
            Set<Priority> sheddable,
            Duration logInterval,
            int maxLogsPerInterval,
            int maxTracked,
            CustomerNames customerNames) {
        if (sheddable.contains(Priority.HIGH)) {
            throw new IllegalArgumentException(
                    "priority HIGH is never shed; remove it from the hot-key set");
        }
        if (eventsPerSecond < 0
                || window.toMillis() <= 0
                || logInterval.isNegative()
                || maxLogsPerInterval < 0
                || maxTracked < 1) {
            throw new IllegalArgumentException(
                    "invalid hot-key policy: rate="
                            + eventsPerSecond
                            + "/s window="
                            + window
                            + " logInterval="
                            + logInterval
                            + " maxLogs="
                            + maxLogsPerInterval
                            + " maxTracked="
                            + maxTracked);
        }
        this.eventsPerSecond = eventsPerSecond;
        this.windowMillis = window.toMillis();
        this.sheddable =
                sheddable.isEmpty() ? EnumSet.noneOf(Priority.class) : EnumSet.copyOf(sheddable);
        this.logIntervalMillis = logInterval.toMillis();
        this.maxLogsPerInterval = maxLogsPerInterval;
        this.maxTracked = maxTracked;
        this.customerNames = customerNames;
    }

    /**
     * The same policy whose reports name a customer by its id ({@code true}) or by a keyed
     * pseudonym under a key drawn now ({@link CustomerNames#pseudonymous()}, the default), for logs
     * that must not hold customer ids.
     */
    public HotKeyPolicy withLogCustomerIds(boolean logIds) {
        return withCustomerNames(CustomerNames.of(logIds));
    }

    /** The same policy whose reports name customers with {@code names}. */
    public HotKeyPolicy withCustomerNames(CustomerNames names) {
        return new HotKeyPolicy(
                eventsPerSecond,
                Duration.ofMillis(windowMillis),
                sheddable,
                Duration.ofMillis(logIntervalMillis),
                maxLogsPerInterval,
                maxTracked,
                names);
    }

    /** How the reports name a customer. */
    public CustomerNames customerNames() {
        return customerNames;
    }

    public boolean logCustomerIds() {
        return customerNames.plain();
    }

    /**
     * Hot above {@code eventsPerSecond} over {@code window}; sheds LOW and NORMAL; logs once a
     * minute.
     */
    public static HotKeyPolicy of(double eventsPerSecond, Duration window) {
        return new HotKeyPolicy(
                eventsPerSecond,
                window,
                EnumSet.of(Priority.LOW, Priority.NORMAL),
                Duration.ofMinutes(1),
                20,
                1000);
    }

    /** Default: 10 events/s over 10 s (100 events), far above a human customer's rate. */
    public static HotKeyPolicy defaults() {
        return of(10, Duration.ofSeconds(10));
    }

    /** No hot-key detection: no keyed state is kept at all. */
    public static HotKeyPolicy disabled() {
        return new HotKeyPolicy(
                0, Duration.ofSeconds(1), EnumSet.noneOf(Priority.class), Duration.ZERO, 0, 1);
    }

    public boolean enabled() {
        return eventsPerSecond > 0 && !sheddable.isEmpty();
    }

    /** Events allowed in one window before the customer is hot. */
    public long limitPerWindow() {
        return Math.max(1L, Math.round(eventsPerSecond * windowMillis / 1000.0));
    }

    public double eventsPerSecond() {
        return eventsPerSecond;
    }

    public long windowMillis() {
        return windowMillis;
    }

    public boolean mayShed(Priority priority) {
        return priority != null && priority != Priority.HIGH && sheddable.contains(priority);
    }

    public Set<Priority> sheddable() {
        return Collections.unmodifiableSet(sheddable);
    }

    public long logIntervalMillis() {
        return logIntervalMillis;
    }

    public int maxLogsPerInterval() {
        return maxLogsPerInterval;
    }

    public int maxTracked() {
        return maxTracked;
    }

    @Override
    public String toString() {
        return enabled()
                ? eventsPerSecond + "/s over " + windowMillis + "ms shed=" + sheddable
                : "disabled";
    }
}
