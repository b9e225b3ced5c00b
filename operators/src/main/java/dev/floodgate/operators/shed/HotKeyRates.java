package dev.floodgate.operators.shed;

/**
 * The {@link RateWindow}s of the customers one subtask saw recently, in memory: keyed state with a TTL cost a
 * lookup, a write and a TTL scan step per event (about 14% of the live job's CPU in the throughput benchmark), and
 * a {@code HashMap<String, RateWindow>} still 14% of the keyed task: its lookup chases a node, the stored key and
 * that key's characters, each a cache miss once the customers outnumber the cache.
 *
 * <p>So the table is open-addressed by a 64-bit fingerprint of the customer id, kept in a {@code long[]}: a lookup
 * compares numbers in one array and then reads the window. Two customers whose ids have the same fingerprint
 * share a window; for a million active customers the chance that any two do is about 3 in 10^8, and the hot rule
 * only decides about processing, never about data.
 *
 * <p>Bounded by generations of {@code 2 x window}: each entry carries the generation in which its customer last
 * sent, and at each new generation the table is rebuilt with only the customers of the one before. So a customer
 * is remembered for at least two windows after its last event (all the hot rule needs: hot lasts until at most two
 * windows after the start of the window that went over the rate) and for at most about four; memory is bounded by
 * the customers active in the last four windows.
 *
 * <p>Not checkpointed, on purpose: after a restart or a rescale counting starts again, so a hot customer is
 * detected again within one window, and until then its events are processed rather than shed. A short relearning
 * is cheaper than a keyed-state write for every event.
 */
final class HotKeyRates {
    private static final int MIN_CAPACITY = 1024;

    private final HotKeyPolicy policy;
    private final long generationMillis;
    private long[] fingerprints = new long[MIN_CAPACITY]; // 0: empty slot
    private RateWindow[] windows = new RateWindow[MIN_CAPACITY];
    private int[] seenIn = new int[MIN_CAPACITY]; // the generation of the customer's last event
    private int size;
    private int generation;
    private long generationStart = Long.MIN_VALUE;

    HotKeyRates(HotKeyPolicy policy) {
        this.policy = policy;
        this.generationMillis = 2 * policy.windowMillis();
    }

    /** Counts one event of {@code customerId} at {@code now} and returns the customer's window. */
    RateWindow record(String customerId, long now) {
        roll(now);
        long f = fingerprint(customerId);
        int mask = fingerprints.length - 1;
        int i = (int) f & mask;
        for (long at; (at = fingerprints[i]) != 0; i = (i + 1) & mask) {
            if (at == f) {
                seenIn[i] = generation;
                RateWindow window = windows[i];
                window.record(now, policy);
                return window;
            }
        }
        RateWindow window = new RateWindow();
        fingerprints[i] = f;
        windows[i] = window;
        seenIn[i] = generation;
        if (++size > fingerprints.length / 2) {
            rebuild(fingerprints.length * 2, Integer.MIN_VALUE);
        }
        window.record(now, policy);
        return window;
    }

    private void roll(long now) {
        if (generationStart != Long.MIN_VALUE && now >= generationStart && now - generationStart < generationMillis) {
            return;
        }
        boolean quietForAGeneration = generationStart == Long.MIN_VALUE || now < generationStart
                || now - generationStart >= 2 * generationMillis;
        // keep the customers of the generation that ends, forget those of the one before it
        int keepFrom = quietForAGeneration ? generation + 1 : generation;
        generation++;
        generationStart = now;
        int live = 0;
        for (int i = 0; i < fingerprints.length; i++) {
            if (fingerprints[i] != 0 && seenIn[i] >= keepFrom) {
                live++;
            }
        }
        rebuild(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, live) * 4 - 1)), keepFrom);
    }

    /** Moves the entries seen in {@code keepFrom} or later into a table of {@code capacity} slots. */
    private void rebuild(int capacity, int keepFrom) {
        long[] oldFingerprints = fingerprints;
        RateWindow[] oldWindows = windows;
        int[] oldSeenIn = seenIn;
        fingerprints = new long[capacity];
        windows = new RateWindow[capacity];
        seenIn = new int[capacity];
        size = 0;
        int mask = capacity - 1;
        for (int j = 0; j < oldFingerprints.length; j++) {
            long f = oldFingerprints[j];
            if (f == 0 || oldSeenIn[j] < keepFrom) {
                continue;
            }
            int i = (int) f & mask;
            while (fingerprints[i] != 0) {
                i = (i + 1) & mask;
            }
            fingerprints[i] = f;
            windows[i] = oldWindows[j];
            seenIn[i] = oldSeenIn[j];
            size++;
        }
    }

    /** FNV-1a over the characters, then a 64-bit finalizer so that the low bits index the table well; never 0. */
    static long fingerprint(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }

    /** Customers remembered now. */
    int tracked() {
        return size;
    }
}
