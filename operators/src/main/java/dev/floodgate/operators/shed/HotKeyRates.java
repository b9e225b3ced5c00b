package dev.floodgate.operators.shed;

import java.util.HashMap;

/**
 * The {@link RateWindow}s of the customers one subtask saw recently, in memory: one hash lookup per event, where
 * keyed state with a TTL cost a lookup, a write and a TTL scan step (about 14% of the live job's CPU in the
 * throughput benchmark).
 *
 * <p>Bounded by generations of {@code 2 x window}: a customer's window moves into the current generation when it
 * sends, and the generation before the previous one is dropped whole. So a customer is remembered for at least
 * two windows after its last event (all the hot rule needs: hot lasts until at most two windows after the start of
 * the window that went over the rate) and for at most about four; memory is bounded by the customers active in
 * the last four windows.
 *
 * <p>Not checkpointed, on purpose: after a restart or a rescale counting starts again, so a hot customer is
 * detected again within one window, and until then its events are processed rather than shed. The decision is a
 * heuristic about processing, never about data, so a short relearning is cheaper than a keyed-state write for
 * every event.
 */
final class HotKeyRates {
    private final HotKeyPolicy policy;
    private final long generationMillis;
    private HashMap<String, RateWindow> current = new HashMap<>();
    private HashMap<String, RateWindow> previous = new HashMap<>();
    private long generationStart = Long.MIN_VALUE;

    HotKeyRates(HotKeyPolicy policy) {
        this.policy = policy;
        this.generationMillis = 2 * policy.windowMillis();
    }

    /** Counts one event of {@code customerId} at {@code now} and returns the customer's window. */
    RateWindow record(String customerId, long now) {
        roll(now);
        RateWindow window = current.get(customerId);
        if (window == null) {
            window = previous.remove(customerId);
            if (window == null) {
                window = new RateWindow();
            }
            current.put(customerId, window);
        }
        window.record(now, policy);
        return window;
    }

    private void roll(long now) {
        if (generationStart != Long.MIN_VALUE && now >= generationStart && now - generationStart < generationMillis) {
            return;
        }
        HashMap<String, RateWindow> oldest = previous;
        oldest.clear();
        boolean quietForAGeneration = generationStart == Long.MIN_VALUE || now < generationStart
                || now - generationStart >= 2 * generationMillis;
        if (quietForAGeneration) {
            current.clear();
        }
        previous = current;
        current = oldest;
        generationStart = now;
    }

    /** Customers remembered now. */
    int tracked() {
        return current.size() + previous.size();
    }
}
