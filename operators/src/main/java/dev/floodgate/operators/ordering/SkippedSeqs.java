package dev.floodgate.operators.ordering;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.state.ValueState;

/**
 * The current customer's recently skipped seq ranges (state {@code skipped}), so that an event
 * arriving after its gap was skipped is known as such ({@code lateAfterGap}), and a seq 1 arriving
 * after its gap is not taken for a producer that started over. Kept as {@code [from, to]} pairs in
 * a {@code long[]}, oldest first, at most {@link #MAX_RANGES} ranges (older ones are forgotten:
 * their stragglers still go late, counted as {@code lateUnknown}). Arrays are never changed in
 * place.
 */
final class SkippedSeqs {
    static final int MAX_RANGES = 16;

    private final ValueState<long[]> state;

    SkippedSeqs(ValueState<long[]> state) {
        this.state = state;
    }

    /** Forgets the ranges (the customer went idle, or its sequence started over). */
    void clear() {
        state.clear();
    }

    /** Remembers {@code [from, to]}, forgetting the oldest range beyond {@link #MAX_RANGES}. */
    void add(long from, long to) throws IOException {
        long[] ranges = state.value();
        int keep = ranges == null ? 0 : Math.min(ranges.length, 2 * (MAX_RANGES - 1));
        long[] next = new long[keep + 2];
        if (keep > 0) {
            System.arraycopy(ranges, ranges.length - keep, next, 0, keep);
        }
        next[keep] = from;
        next[keep + 1] = to;
        state.update(next);
    }

    /**
     * Whether {@code seq} was skipped and has not arrived since; if so it is taken out of its
     * range.
     */
    boolean take(long seq) throws IOException {
        long[] ranges = state.value();
        if (ranges == null) {
            return false;
        }
        for (int i = 0; i < ranges.length; i += 2) {
            long from = ranges[i];
            long to = ranges[i + 1];
            if (seq < from || seq > to) {
                continue;
            }
            long[] next;
            if (from == to) {
                next = new long[ranges.length - 2];
                System.arraycopy(ranges, 0, next, 0, i);
                System.arraycopy(ranges, i + 2, next, i, ranges.length - i - 2);
            } else if (seq == from || seq == to) {
                next = ranges.clone();
                next[seq == from ? i : i + 1] = seq == from ? from + 1 : to - 1;
            } else {
                next = Arrays.copyOf(ranges, ranges.length + 2);
                next[i + 1] = seq - 1;
                System.arraycopy(ranges, i + 2, next, i + 4, ranges.length - i - 2);
                next[i + 2] = seq + 1;
                next[i + 3] = to;
                if (next.length > 2 * MAX_RANGES) {
                    next = Arrays.copyOfRange(next, 2, next.length); // the oldest range goes
                }
            }
            if (next.length == 0) {
                state.clear();
            } else {
                state.update(next);
            }
            return true;
        }
        return false;
    }
}
