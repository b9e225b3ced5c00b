package dev.floodgate.operators.shed;

/**
 * The event rates of the customers one subtask saw recently, in memory: keyed state with a TTL cost a
 * lookup, a write and a TTL scan step per event (about 14% of the live job's CPU in the throughput benchmark), and
 * a {@code HashMap} from customer id to a window object still 14% of the keyed task: its lookup chases a node, the
 * stored key, that key's characters and the window, each a cache miss once the customers outnumber the cache.
 *
 * <p>So the table is open-addressed by a 64-bit fingerprint of the customer id, and a customer's window lives in its
 * slot, beside the fingerprint, in one {@code long[]}: a lookup mostly touches one cache line. A slot is 32 bytes,
 * and the table has 2 to 4 slots per customer remembered: 64 to 128 bytes each. Two customers whose ids have the
 * same fingerprint share a window; for a million active customers the chance that any two do is about 3 in 10^8,
 * and the hot rule only decides about processing, never about data.
 *
 * <p>A customer's window: the count of its events in the current fixed window (of the policy's length, starting at
 * the customer's first event after the last one ended) and until when it counts as hot: above the limit in the
 * current window, or in the window after one where it was, so a continuous flooder stays hot without gaps.
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
    /**
     * A slot, 32 bytes: the fingerprint (0: empty); the generation of the customer's last event (high 32 bits) and
     * its count in the current window (low 32 bits); the window's start; hot until.
     */
    private static final int FINGERPRINT = 0;
    private static final int SEEN_AND_COUNT = 1;
    private static final int WINDOW_START = 2;
    private static final int HOT_UNTIL = 3;
    private static final int SLOT = 4;

    private final HotKeyPolicy policy;
    private final long windowMillis;
    private final long generationMillis;
    private long[] slots = new long[MIN_CAPACITY * SLOT];
    private int size;
    private int generation;
    private long generationStart = Long.MIN_VALUE;

    HotKeyRates(HotKeyPolicy policy) {
        this.policy = policy;
        this.windowMillis = policy.windowMillis();
        this.generationMillis = 2 * windowMillis;
    }

    /**
     * Counts one event of {@code customerId} at {@code now} and returns the customer's slot, for {@link #hotUntil}
     * and {@link #ratePerSecond}; valid until the next call.
     */
    int record(String customerId, long now) {
        roll(now);
        long f = fingerprint(customerId);
        int at = find(slots, f);
        if (slots[at + FINGERPRINT] == 0) {
            slots[at + FINGERPRINT] = f;
            slots[at + WINDOW_START] = now;
            if (++size > capacity() / 2) {
                rebuild(capacity() * 2, Integer.MIN_VALUE);
                at = find(slots, f);
            }
        }
        long start = slots[at + WINDOW_START];
        long count = slots[at + SEEN_AND_COUNT] & 0xffff_ffffL;
        if (now - start >= windowMillis || now < start) {
            slots[at + WINDOW_START] = start = now;
            count = 0;
        }
        count = Math.min(count + 1, 0xffff_ffffL);
        slots[at + SEEN_AND_COUNT] = (long) generation << 32 | count;
        if (count > policy.limitPerWindow()) {
            slots[at + HOT_UNTIL] = Math.max(slots[at + HOT_UNTIL], start + 2 * windowMillis);
        }
        return at;
    }

    /** Until when the customer of {@code slot} counts as hot (0: never was). */
    long hotUntil(int slot) {
        return slots[slot + HOT_UNTIL];
    }

    /** The observed rate of the current window of {@code slot}'s customer, in events per second, for reports. */
    double ratePerSecond(int slot, long now) {
        long elapsed = Math.max(1000L, now - slots[slot + WINDOW_START]);
        return (slots[slot + SEEN_AND_COUNT] & 0xffff_ffffL) * 1000.0 / elapsed;
    }

    /** The slot holding {@code f}, or the empty slot where it goes. */
    private static int find(long[] slots, long f) {
        int mask = slots.length / SLOT - 1;
        int i = (int) f & mask;
        long at;
        while ((at = slots[i * SLOT + FINGERPRINT]) != 0 && at != f) {
            i = (i + 1) & mask; // linear probing: the next slot is usually on the same cache line
        }
        return i * SLOT;
    }

    private static int seenIn(long[] slots, int slot) {
        return (int) (slots[slot + SEEN_AND_COUNT] >>> 32);
    }

    private int capacity() {
        return slots.length / SLOT;
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
        for (int at = 0; at < slots.length; at += SLOT) {
            if (slots[at + FINGERPRINT] != 0 && seenIn(slots, at) >= keepFrom) {
                live++;
            }
        }
        rebuild(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, live) * 4 - 1)), keepFrom);
    }

    /** Moves the customers seen in generation {@code keepFrom} or later into a table of {@code capacity} slots. */
    private void rebuild(int capacity, int keepFrom) {
        long[] old = slots;
        slots = new long[capacity * SLOT];
        size = 0;
        for (int from = 0; from < old.length; from += SLOT) {
            long f = old[from + FINGERPRINT];
            if (f != 0 && seenIn(old, from) >= keepFrom) {
                System.arraycopy(old, from, slots, find(slots, f), SLOT);
                size++;
            }
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
