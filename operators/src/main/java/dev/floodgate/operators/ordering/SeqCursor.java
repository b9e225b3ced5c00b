package dev.floodgate.operators.ordering;

/**
 * A customer's position in its sequence, the value of state {@code next-seq} ({@code long[]}),
 * decoded into a mutable working copy for one call and encoded into a new array when written (a
 * value read from heap state is never changed in place). Layout:
 *
 * <pre>
 * [0] next          the next expected seq; 0 while the sequence has not started (its first events
 *                   wait for seq 1, or for maxWait, then it starts at the lowest held seq)
 * [1] writtenAt     processing time of the last write (the idle timer's clock)
 * [2] waiting       1 while gap-wait exists, 0 while it does not
 * [3] jumpCandidate the last implausibly high seq seen (see OrderPerCustomer), 0 if none
 * -- the long form only, written while any of these is not 0:
 * [4] epoch         the seq_epoch of the current sequence, 0 if its events carry none
 * [5] prevEpoch     the epoch the current one replaced, 0 if none
 * [6] prevNext      the next seq of that earlier sequence: its straggler at exactly this seq still
 *                   goes out in order
 * [7] prevLate      which of that sequence's next 64 seqs after prevNext went late (bit i: seq
 *                   prevNext + 1 + i), so its order steps over them
 * </pre>
 *
 * <p>So a cursor has 4 elements, or 8 for a producer that sends {@code seq_epoch}. Earlier versions
 * wrote 2, 3 or 16 elements (the 16-element form kept seq-1 and ring ids and occurred_at bounds,
 * which this version does not use): they decode to their {@code next}, {@code writtenAt}, flag and
 * jump candidate, with no epoch. A 2-element cursor says nothing about gap-wait ({@link #flagKnown}
 * false), so the operator reads it; the next write stores this form.
 */
final class SeqCursor {
    /** Written when the epoch fields are all 0 (most customers): {@code [0..3]}. */
    static final int SHORT_LENGTH = 4;

    static final int LENGTH = 8;
    private static final int LEGACY_LENGTH = 16;
    private static final int LEGACY_JUMP = 5;
    private static final long WAITING = 1;

    long next;
    long writtenAt;

    /**
     * Whether this cursor was read from or written to state (else its housekeeping timer is not set
     * yet).
     */
    boolean stored;

    /** Whether the stored cursor said anything about gap-wait (2-element cursors did not). */
    boolean flagKnown;

    /**
     * Whether it was read in a form of an earlier version (2, 3 or 16 elements), whose held events
     * were accepted before {@code emitted-ids} existed.
     */
    boolean legacy;

    boolean waiting;
    long jumpCandidate;
    long epoch;
    long prevEpoch;
    long prevNext;
    long prevLate;

    private SeqCursor() {}

    /** A sequence of {@code epoch} that has not started: its first events are held. */
    static SeqCursor notStarted(long epoch) {
        SeqCursor c = new SeqCursor();
        c.epoch = epoch;
        c.flagKnown = true;
        return c;
    }

    static SeqCursor of(long[] stored) {
        if (stored == null) {
            return null;
        }
        SeqCursor c = new SeqCursor();
        c.stored = true;
        c.next = stored[0];
        c.writtenAt = stored[1];
        c.flagKnown = stored.length > 2;
        c.waiting = c.flagKnown && stored[2] == WAITING;
        c.legacy = stored.length != SHORT_LENGTH && stored.length != LENGTH;
        if (stored.length == LEGACY_LENGTH) {
            c.jumpCandidate = stored[LEGACY_JUMP];
        } else if (stored.length == SHORT_LENGTH || stored.length == LENGTH) {
            c.jumpCandidate = stored[3];
        }
        if (stored.length == LENGTH) {
            c.epoch = stored[4];
            c.prevEpoch = stored[5];
            c.prevNext = stored[6];
            c.prevLate = stored[7];
        }
        return c;
    }

    long[] encode(long now) {
        writtenAt = now;
        flagKnown = true;
        stored = true;
        legacy = false;
        long flag = waiting ? WAITING : 0;
        if (epoch == 0 && prevEpoch == 0 && prevNext == 0 && prevLate == 0) {
            return new long[] {next, now, flag, jumpCandidate};
        }
        return new long[] {next, now, flag, jumpCandidate, epoch, prevEpoch, prevNext, prevLate};
    }

    boolean started() {
        return next > 0;
    }

    /**
     * The producer started a new sequence: this one's next seq is remembered for its stragglers,
     * and the new one waits for its first events.
     */
    void newEpoch(long newEpoch) {
        prevEpoch = epoch;
        prevNext = next;
        prevLate = 0;
        epoch = newEpoch;
        next = 0;
        jumpCandidate = 0;
    }

    /** The sequence continues from {@code seq} (a restart at seq 1, or a confirmed jump). */
    void restartAt(long seq) {
        next = seq;
        jumpCandidate = 0;
        prevEpoch = 0;
        prevNext = 0;
        prevLate = 0;
    }

    /** The replaced sequence's next seq went out: it moves on, over the seqs that went late. */
    void prevContinued() {
        boolean skip = true;
        while (skip) {
            prevNext++;
            skip = (prevLate & 1) != 0;
            prevLate >>>= 1;
        }
    }

    /**
     * Records that the replaced sequence's {@code seq} went late; returns whether the cursor
     * changed (only the next 64 seqs after prevNext are remembered).
     */
    boolean prevWentLate(long seq) {
        long bit = seq - prevNext - 1;
        if (bit < 0 || bit >= 64 || (prevLate & (1L << bit)) != 0) {
            return false;
        }
        prevLate |= 1L << bit;
        return true;
    }
}
