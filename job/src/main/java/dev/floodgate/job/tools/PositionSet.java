package dev.floodgate.job.tools;

/**
 * The log positions (partition, offset) of one topic's invalid records, each with a mark set once
 * its dead letter is found: an open-addressing table of primitives, so millions of positions cost
 * 13 bytes a slot and no object each. Not thread-safe.
 */
final class PositionSet {
    private int[] partition;
    private long[] offset;
    private byte[] used;
    private int size;

    PositionSet() {
        allocate(64);
    }

    private void allocate(int capacity) {
        partition = new int[capacity];
        offset = new long[capacity];
        used = new byte[capacity];
        size = 0;
    }

    int size() {
        return size;
    }

    void add(int p, long o) {
        if ((size + 1) * 10L > used.length * 7L) {
            grow();
        }
        int i = slot(p, o);
        if (used[i] == 0) {
            partition[i] = p;
            offset[i] = o;
            used[i] = 1;
            size++;
        }
    }

    /** Marks the position when it is in the set. */
    void mark(int p, long o) {
        int i = slot(p, o);
        if (used[i] != 0) {
            used[i] = 2;
        }
    }

    /** Positions not marked, at most {@code limit} of them, as {@code topic-partition@offset}. */
    java.util.List<String> unmarked(String topic, int limit) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < used.length && out.size() < limit; i++) {
            if (used[i] == 1) {
                out.add(topic + "-" + partition[i] + "@" + offset[i]);
            }
        }
        return out;
    }

    long unmarkedCount() {
        long n = 0;
        for (byte u : used) {
            n += u == 1 ? 1 : 0;
        }
        return n;
    }

    /** The slot holding the position, or the free slot where it belongs. */
    private int slot(int p, long o) {
        int cap = used.length;
        long h = (o * 0x9E3779B97F4A7C15L) ^ (p * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 29;
        int i = (int) Long.remainderUnsigned(h, cap);
        while (used[i] != 0 && (partition[i] != p || offset[i] != o)) {
            i = i + 1 == cap ? 0 : i + 1;
        }
        return i;
    }

    private void grow() {
        int[] p = partition;
        long[] o = offset;
        byte[] u = used;
        allocate(u.length * 2);
        for (int i = 0; i < u.length; i++) {
            if (u[i] != 0) {
                int s = slot(p[i], o[i]);
                partition[s] = p[i];
                offset[s] = o[i];
                used[s] = u[i];
                size++;
            }
        }
    }
}
