package dev.floodgate.job.tools;

/**
 * What reconcile remembers per distinct event id, in about 30 bytes a slot and no object per event:
 * an open-addressing table (linear probing, load at most {@link #MAX_LOAD}) keyed by the id's
 * 128-bit {@link EventFingerprint}, holding the fingerprints of the event's content and header and
 * one byte of state: a saturating count of processed records (0 to 3) and flags. Sized up front
 * from an upper bound of the events (the input topic's offsets), it still grows when full. Not
 * thread-safe.
 */
final class EventTable {
    static final double MAX_LOAD = 0.7;

    static final int COUNT_MASK = 0b11;
    static final int PRESENT = 1 << 2;
    static final int DEAD_LETTERED = 1 << 3;
    static final int SHED = 1 << 4;
    static final int ID_SHARED = 1 << 5;
    static final int MISMATCH = 1 << 6;

    private long[] high;
    private long[] low;
    private long[] content;
    private int[] header;
    private byte[] state;
    private int size;

    EventTable(long expected) {
        allocate(capacityFor(Math.max(16, expected)));
    }

    private static int capacityFor(long n) {
        long c = (long) Math.ceil(n / MAX_LOAD) + 1;
        if (c > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many events for one table: " + n);
        }
        return (int) c;
    }

    private void allocate(int capacity) {
        high = new long[capacity];
        low = new long[capacity];
        content = new long[capacity];
        header = new int[capacity];
        state = new byte[capacity];
        size = 0;
    }

    int size() {
        return size;
    }

    int capacity() {
        return state.length;
    }

    /** The slot of the id, or -1 when the table does not hold it. */
    int find(long hi, long lo) {
        int cap = state.length;
        for (int i = home(hi, cap); ; i = i + 1 == cap ? 0 : i + 1) {
            if ((state[i] & PRESENT) == 0) {
                return -1;
            }
            if (high[i] == hi && low[i] == lo) {
                return i;
            }
        }
    }

    /**
     * The slot of the id, added with the given content and header fingerprints when new; {@code
     * -slot - 1} when it was new.
     */
    int add(long hi, long lo, long contentPrint, int headerPrint) {
        if (size + 1 > state.length * MAX_LOAD) {
            grow();
        }
        int cap = state.length;
        for (int i = home(hi, cap); ; i = i + 1 == cap ? 0 : i + 1) {
            if ((state[i] & PRESENT) == 0) {
                high[i] = hi;
                low[i] = lo;
                content[i] = contentPrint;
                header[i] = headerPrint;
                state[i] = (byte) PRESENT;
                size++;
                return -i - 1;
            }
            if (high[i] == hi && low[i] == lo) {
                return i;
            }
        }
    }

    long content(int slot) {
        return content[slot];
    }

    int header(int slot) {
        return header[slot];
    }

    int state(int slot) {
        return state[slot];
    }

    int count(int slot) {
        return state[slot] & COUNT_MASK;
    }

    /** Counts one more processed record, up to 3 (3 reads "3 or more"); returns the new count. */
    int countProcessed(int slot) {
        int c = state[slot] & COUNT_MASK;
        if (c < COUNT_MASK) {
            state[slot] = (byte) ((state[slot] & ~COUNT_MASK) | (c + 1));
        }
        return Math.min(c + 1, COUNT_MASK);
    }

    /** Sets {@code flag}; returns whether it was clear before. */
    boolean flag(int slot, int flag) {
        boolean was = (state[slot] & flag) != 0;
        state[slot] = (byte) (state[slot] | flag);
        return !was;
    }

    boolean has(int slot, int flag) {
        return (state[slot] & flag) != 0;
    }

    /** Whether {@code slot} holds an event. */
    boolean present(int slot) {
        return (state[slot] & PRESENT) != 0;
    }

    private static int home(long hi, int cap) {
        return (int) (((hi >>> 32) * cap) >>> 32);
    }

    private void grow() {
        long[] h = high;
        long[] l = low;
        long[] c = content;
        int[] hd = header;
        byte[] s = state;
        allocate(capacityFor((long) (s.length * MAX_LOAD) * 2));
        for (int i = 0; i < s.length; i++) {
            if ((s[i] & PRESENT) != 0) {
                int slot = -add(h[i], l[i], c[i], hd[i]) - 1;
                state[slot] = s[i];
            }
        }
    }
}
