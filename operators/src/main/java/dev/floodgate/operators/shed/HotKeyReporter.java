package dev.floodgate.operators.shed;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports hot keys of one subtask: a rate-limited log line naming the customer, and the number of
 * customers currently hot (for a gauge). Operator-local and bounded: at most {@code maxTracked}
 * customers are remembered (least recently reported evicted first), at most one line per customer
 * per log interval and at most {@code maxLogsPerInterval} lines per interval overall. Not
 * checkpointed: it only drives reporting.
 *
 * <p>The hot-key count follows the stream's processing time: it is refreshed as events arrive.
 */
final class HotKeyReporter {
    private static final Logger LOG = LoggerFactory.getLogger(HotKeyReporter.class);
    private static final long NEVER = Long.MIN_VALUE;

    private final HotKeyPolicy policy;

    /**
     * customer -> {hotUntil, lastLoggedAt}; access order, so eviction drops the least recently
     * seen.
     */
    private final LinkedHashMap<String, long[]> tracked;

    private long budgetWindowStart = NEVER;
    private int logsInWindow;
    private long lastPrune = NEVER;
    private long logged;
    private volatile int currentHot;

    HotKeyReporter(HotKeyPolicy policy) {
        this.policy = policy;
        int max = policy.maxTracked();
        this.tracked =
                new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                        return size() > max;
                    }
                };
    }

    /** Records an event of hot customer {@code customerId}. */
    void hot(String customerId, long now, long hotUntil, double ratePerSecond) {
        long[] entry = tracked.get(customerId);
        boolean added = entry == null;
        if (added) {
            entry = new long[] {hotUntil, NEVER};
            tracked.put(customerId, entry);
        }
        entry[0] = hotUntil;
        if (since(now, entry[1]) >= policy.logIntervalMillis() && takeLogBudget(now)) {
            entry[1] = now;
            logged++;
            LOG.warn(
                    "Hot key: customer {} sends {} events/s (limit {}/s over {} ms); its {} events are shed"
                            + " while their channel's service is the bottleneck",
                    policy.customerNames().name(customerId),
                    String.format("%.1f", ratePerSecond),
                    policy.eventsPerSecond(),
                    policy.windowMillis(),
                    policy.sheddable());
        }
        if (added) {
            lastPrune = NEVER;
        }
        refresh(now);
    }

    /**
     * Drops customers that cooled down and updates the hot-key count; at most once a second of
     * stream time.
     */
    void refresh(long now) {
        long sincePrune = since(now, lastPrune);
        if (sincePrune >= 0 && sincePrune < 1000L) {
            return;
        }
        lastPrune = now;
        int hot = 0;
        for (Iterator<long[]> it = tracked.values().iterator(); it.hasNext(); ) {
            long[] e = it.next();
            // keep cooled customers for one log interval, so a flapping key is not logged on every
            // flap
            if (e[0] <= now && since(now, e[1]) >= policy.logIntervalMillis()) {
                it.remove();
            } else if (e[0] > now) {
                hot++;
            }
        }
        currentHot = hot;
    }

    private boolean takeLogBudget(long now) {
        long elapsed = since(now, budgetWindowStart);
        if (elapsed >= policy.logIntervalMillis() || elapsed < 0) {
            budgetWindowStart = now;
            logsInWindow = 0;
        }
        return logsInWindow++ < policy.maxLogsPerInterval();
    }

    private static long since(long now, long then) {
        return then == NEVER ? Long.MAX_VALUE : now - then;
    }

    /** Customers hot at the last refresh; safe to call from a metric reporter thread. */
    int currentHotKeys() {
        return currentHot;
    }

    /** Log lines written so far. */
    long logged() {
        return logged;
    }

    int tracked() {
        return tracked.size();
    }
}
