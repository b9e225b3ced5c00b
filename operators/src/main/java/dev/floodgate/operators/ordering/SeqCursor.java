package dev.floodgate.operators.ordering;

import java.util.Arrays;

/**
 * A customer's position in its sequence, the value of state {@code next-seq} ({@code long[]}),
 * decoded into a mutable working copy for one call and encoded into a new array when written (a
 * value read from heap state is never changed in place). Layout:
 *
 * <pre>
 * [0] next      the next expected seq
 * [1] writtenAt processing time of the last write (the idle timer's clock)
 * [2] waiting   1 while gap-wait exists, 0 while it does not
 * [3] certainFrom  every seq in [certainFrom, next) was emitted or is a remembered skipped range
 * [4] seqOneId  hash of the event id emitted at seq 1 in this sequence, 0 if unknown
 * [5] jumpCandidate the last implausibly high seq seen (see OrderPerCustomer), 0 if none
 * [6] latestOccurredAt the latest occurred_at (epoch ms) of an event emitted in this sequence, 0 if unknown
 * [7] startedAt the occurred_at of the event the sequence started or restarted at, 0 if unknown
 * [8..8+RING) ids of the last RING emitted seqs: slot seq % RING, 0 if that seq was skipped
 * </pre>
 *
 * <p>Older versions wrote the first two or three elements only: those decode as {@code certainFrom
 * = 1}, no seq-1 id, no jump candidate, no latest occurred_at, no start time, an empty ring, and
 * the flag unknown (which makes the operator read {@code gap-wait}); so their rule, "below the
 * cursor is a duplicate unless skipped", holds until the customer's next write, which writes the
 * full form.
 */
final class SeqCursor {
    static final int RING = 8;
    static final int LENGTH = 8 + RING;
    private static final long WAITING = 1;

    long next;
    long writtenAt;

    /**
     * Whether the stored cursor said anything about gap-wait (versions before the flag did not).
     */
    boolean flagKnown;

    boolean waiting;
    long certainFrom;
    long seqOneId;
    long jumpCandidate;
    long latestOccurredAt;
    long startedAt;
    final long[] ring = new long[RING];

    private SeqCursor() {}

    /**
     * A new sequence expecting {@code next}, knowing nothing below {@code certainFrom}, started at
     * an event that occurred at {@code startedAt}: no later event of this sequence occurred before
     * it.
     */
    static SeqCursor start(long next, long certainFrom, long startedAt) {
        SeqCursor c = new SeqCursor();
        c.next = next;
        c.certainFrom = certainFrom;
        c.startedAt = startedAt;
        c.flagKnown = true;
        return c;
    }

    static SeqCursor of(long[] stored) {
        if (stored == null) {
            return null;
        }
        SeqCursor c = new SeqCursor();
        c.next = stored[0];
        c.writtenAt = stored[1];
        c.flagKnown = stored.length > 2;
        c.waiting = c.flagKnown && stored[2] == WAITING;
        c.certainFrom = stored.length > 3 ? stored[3] : 1;
        c.seqOneId = stored.length > 4 ? stored[4] : 0;
        c.jumpCandidate = stored.length > 5 ? stored[5] : 0;
        c.latestOccurredAt = stored.length > 6 ? stored[6] : 0;
        c.startedAt = stored.length > 7 ? stored[7] : 0;
        if (stored.length >= LENGTH) {
            System.arraycopy(stored, 8, c.ring, 0, RING);
        }
        return c;
    }

    long[] encode(long now) {
        long[] a = new long[LENGTH];
        a[0] = next;
        a[1] = now;
        a[2] = waiting ? WAITING : 0;
        a[3] = certainFrom;
        a[4] = seqOneId;
        a[5] = jumpCandidate;
        a[6] = latestOccurredAt;
        a[7] = startedAt;
        System.arraycopy(ring, 0, a, 8, RING);
        writtenAt = now;
        flagKnown = true;
        return a;
    }

    /**
     * Records that the event with id hash {@code id}, occurred at {@code occurredAt}, was emitted
     * at {@code seq}.
     */
    void emitted(long seq, long id, long occurredAt) {
        latestOccurredAt = Math.max(latestOccurredAt, occurredAt);
        if (seq == 1) {
            seqOneId = id;
        }
        if (seq >= next - RING) {
            ring[slot(seq)] = id;
        }
    }

    /** Records that {@code [from, to]} was skipped: nothing is known to be emitted there. */
    void skipped(long from, long to) {
        for (long s = Math.max(from, to - RING + 1); s <= to; s++) {
            ring[slot(s)] = 0;
        }
    }

    /**
     * The id hash emitted at {@code seq} if this cursor still remembers it, else 0 (not in the
     * ring's window, skipped, or unknown).
     */
    long idAt(long seq) {
        return seq < next && seq >= next - RING && seq >= certainFrom ? ring[slot(seq)] : 0;
    }

    /**
     * The id hashes this cursor remembers as emitted: seq 1 and the last {@link #RING} seqs (0
     * where unknown).
     */
    long[] emittedIds() {
        long[] ids = Arrays.copyOf(ring, RING + 1);
        ids[RING] = seqOneId;
        return ids;
    }

    /**
     * Starts over: a new sequence from {@code seq} (a reset to 1, or a confirmed jump), nothing
     * known below {@code certainFrom}.
     */
    void restartAt(long seq, long certainFrom, long startedAt) {
        this.startedAt = startedAt;
        next = seq;
        this.certainFrom = certainFrom;
        seqOneId = 0;
        jumpCandidate = 0;
        latestOccurredAt = 0;
        Arrays.fill(ring, 0);
    }

    private static int slot(long seq) {
        return (int) Math.floorMod(seq, (long) RING);
    }
}
