package dev.floodgate.operators.shed;

/**
 * The event rates of the customers one subtask saw recently, in memory: keyed state with a TTL cost
 * a lookup, a write and a TTL scan step per event (about 14% of the live job's CPU in the
 * throughput benchmark), and a {@code HashMap} from customer id to a window object still 14% of the
 * keyed task: its lookup chases a node, the stored key, that key's characters and the window, each
 * a cache miss once the customers outnumber the cache.
 *
 * <p>So the table is open-addressed by a 64-bit fingerprint of the customer id, and a customer's
 * window lives in its slot, beside the fingerprint, in one {@code long[]}: a lookup mostly touches
 * one cache line. A slot is 32 bytes, and the table has at least 2 slots per customer remembered,
 * up to 6 after a rebuild (64 to 192 bytes each; more for a while after a peak, see below). Two
 * customers whose ids have the same fingerprint share a window; for a million active customers the
 * chance that any two do is about 3 in 10^8, and the hot rule only decides about processing, never
 * about data.
 *
 * <p>A customer's window: the count of its events in the current fixed window (of the policy's
 * length, starting at the customer's first event after the last one ended) and until when it counts
 * as hot: above the limit in the current window, or in the window after one where it was, so a
 * continuous flooder stays hot without gaps.
 *
 * <p>Generations of {@code 2 x window}: each slot carries the generation in which its customer last
 * sent, and a customer is remembered while that is the current generation or the one before. So a
 * customer is remembered for at least two windows after its last event (all the hot rule needs: hot
 * lasts until at most two windows after the start of the window that went over the rate) and for at
 * most about four; after that its next event starts a new window. The slots of forgotten customers
 * are reused when the table fills up, so its size follows the customers active within about four
 * windows at the busiest time, and shrinks once that has fallen sixteenfold.
 *
 * <p>Not checkpointed, on purpose: after a restart or a rescale counting starts again, so a hot
 * customer is detected again within one window, and until then its events are processed rather than
 * shed. A short relearning is cheaper than a keyed-state write for every event.
 */
final class HotKeyRates {
    private static final int MIN_CAPACITY = 1024;

    /**
     * A slot, 32 bytes: the fingerprint (0: empty); the generation of the customer's last event
     * (high 32 bits) and its count in the current window (low 32 bits); the window's start; hot
     * until.
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
    private int size; // slots in use, by remembered and by forgotten customers
    private int seenNow; // customers seen in the current generation
    private int generation;
    private long generationStart = Long.MIN_VALUE;

    HotKeyRates(HotKeyPolicy policy) {
        this.policy = policy;
        this.windowMillis = policy.windowMillis();
        this.generationMillis = 2 * windowMillis;
    }

    /**
     * Counts one event of {@code customerId} at {@code now} and returns the customer's slot, for
     * {@link #hotUntil} and {@link #ratePerSecond}; valid until the next call.
     */
    int record(String customerId, long now) {
        roll(now);
        long f = fingerprint(customerId);
        int at = find(slots, f);
        if (slots[at + FINGERPRINT] == 0) {
            if (size + 1 > capacity() / 2) {
                compact();
                at = find(slots, f);
            }
            slots[at + FINGERPRINT] = f;
            size++;
            restart(at, now);
        } else if (seenIn(slots, at) < generation - 1) {
            restart(
                    at,
                    now); // forgotten: quiet for a whole generation, so it starts again as a new
            // customer
        }
        long stamp = slots[at + SEEN_AND_COUNT];
        if ((int) (stamp >>> 32) != generation) {
            seenNow++;
        }
        long start = slots[at + WINDOW_START];
        long count = stamp & 0xffff_ffffL;
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

    private void restart(int at, long now) {
        slots[at + SEEN_AND_COUNT] = (long) (generation - 2) << 32;
        slots[at + WINDOW_START] = now;
        slots[at + HOT_UNTIL] = 0;
    }

    /** Until when the customer of {@code slot} counts as hot (0: never was). */
    long hotUntil(int slot) {
        return slots[slot + HOT_UNTIL];
    }

    /**
     * The observed rate of the current window of {@code slot}'s customer, in events per second, for
     * reports.
     */
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

    int capacity() {
        return slots.length / SLOT;
    }

    /**
     * Starts a new generation when the current one is over: customers seen in neither the new one
     * nor the one before are forgotten from then on. Their slots are reclaimed when the table next
     * fills up, or here when the table has become 16 times bigger than the customers it remembers
     * (after a peak): only then does a roll cost more than a comparison.
     */
    private void roll(long now) {
        if (generationStart != Long.MIN_VALUE
                && now >= generationStart
                && now - generationStart < generationMillis) {
            return;
        }
        boolean quietForAGeneration =
                generationStart == Long.MIN_VALUE
                        || now < generationStart
                        || now - generationStart >= 2 * generationMillis;
        int remembered = quietForAGeneration ? 0 : seenNow;
        generation += quietForAGeneration ? 2 : 1;
        generationStart = now;
        seenNow = 0;
        if (capacity() > MIN_CAPACITY && (long) remembered * 16 < capacity()) {
            compact();
        }
    }

    /**
     * Rebuilds the table with the customers remembered now, at 3 to 6 slots for each: so at least a
     * sixth of the table fills before the next rebuild, and each costs a constant per event in
     * between.
     */
    private void compact() {
        long[] old = slots;
        int remembered = tracked();
        int capacity =
                Integer.highestOneBit(Math.max(2, 3 * remembered - 1))
                        << 1; // a power of 2 >= 3 x remembered
        slots = new long[Math.max(MIN_CAPACITY, capacity) * SLOT];
        size = 0;
        for (int from = 0; from < old.length; from += SLOT) {
            long f = old[from + FINGERPRINT];
            if (f != 0 && seenIn(old, from) >= generation - 1) {
                System.arraycopy(old, from, slots, find(slots, f), SLOT);
                size++;
            }
        }
    }

    /**
     * FNV-1a over the characters, then a 64-bit finalizer so that the low bits index the table
     * well; never 0.
     */
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

    /** Customers remembered now: seen in this generation or the one before. Walks the table. */
    int tracked() {
        int remembered = 0;
        for (int at = 0; at < slots.length; at += SLOT) {
            if (slots[at + FINGERPRINT] != 0 && seenIn(slots, at) >= generation - 1) {
                remembered++;
            }
        }
        return remembered;
    }
}
