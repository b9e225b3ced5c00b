package dev.floodgate.operators.ordering;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.state.ValueState;

/**
 * The current customer's window of recent event ids (state {@code recent-ids}), kept as 64-bit
 * hashes (8 bytes per id instead of a 36-character uuid) in a {@code long[]}, oldest first. Arrays
 * are never changed in place, so a value read from heap state is never mutated behind the backend's
 * back. A false "seen" needs two ids in one customer's window with equal 64-bit hashes: negligible
 * for ids that are not chosen adversarially.
 */
final class RecentIds {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private final ValueState<long[]> state;
    private final int window;

    RecentIds(ValueState<long[]> state, int window) {
        this.state = state;
        this.window = window;
    }

    /**
     * Whether {@code eventId} is new in the window; if so it is remembered. A null id is always
     * new.
     */
    boolean firstSeen(String eventId) throws IOException {
        if (eventId == null) {
            return true;
        }
        long hash = hash(eventId);
        long[] ids = state.value();
        if (contains(ids, hash)) {
            return false;
        }
        state.update(add(ids, hash, window));
        return true;
    }

    /**
     * Remembers events already emitted, by their id hashes ({@link #hash}; 0 means none and is
     * skipped), so that their copies are known from now on. Writes the state once.
     */
    void remember(long[] hashes) throws IOException {
        long[] ids = state.value();
        long[] next = ids;
        for (long h : hashes) {
            if (h != 0 && !contains(next, h)) {
                next = add(next, h, window);
            }
        }
        if (next != ids) {
            state.update(next);
        }
    }

    /**
     * FNV-1a over the UTF-16 code units, then a finalizer (MurmurHash3 fmix64) to spread the bits.
     */
    static long hash(String id) {
        long h = FNV_OFFSET;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    static boolean contains(long[] window, long hash) {
        if (window == null) {
            return false;
        }
        for (long h : window) {
            if (h == hash) {
                return true;
            }
        }
        return false;
    }

    /** A new window with {@code hash} appended, the oldest entries dropped beyond {@code max}. */
    static long[] add(long[] window, long hash, int max) {
        if (window == null || window.length == 0) {
            return new long[] {hash};
        }
        int keep = Math.min(window.length, max - 1);
        long[] next = Arrays.copyOfRange(window, window.length - keep, window.length + 1);
        next[keep] = hash;
        return next;
    }
}
