package dev.floodgate.operators.ordering;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link OrderPerCustomer}. Immutable; start from {@link #defaults()} and change with
 * the {@code with...} methods. The gap wait is log time (the watermark of append timestamps); the
 * dedupe horizon is log time too; the state TTL is processing time.
 *
 * @param maxWait how long a gap in a customer's sequence is awaited before the operator skips it
 * @param maxBuffered the most early events held per customer; one more forces an overflow release
 * @param stateTtl how long a customer's position in its sequence outlives their last write (idle
 *     customers are forgotten after it)
 * @param dedupeHorizon how long (in log time) the id of each accepted event is remembered: a copy
 *     logged within it after the original is dropped; a later one is taken for a new event
 * @param duplicatesToSideOutput whether dropped duplicates are also emitted to {@link
 *     OrderPerCustomer#DUPLICATES}
 * @param maxSeqJump the largest step ahead of a customer's next expected seq that is plausible; an
 *     event further ahead goes to the late lane instead of making the customer wait for (and then
 *     skip) the seqs in between, until a second event continuing it confirms the jump
 */
public record OrderingConfig(
        Duration maxWait,
        int maxBuffered,
        Duration stateTtl,
        Duration dedupeHorizon,
        boolean duplicatesToSideOutput,
        long maxSeqJump)
        implements Serializable {
    private static final long serialVersionUID = 2L;

    public OrderingConfig {
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(stateTtl, "stateTtl");
        Objects.requireNonNull(dedupeHorizon, "dedupeHorizon");
        if (maxWait.toMillis() < 1) {
            throw new IllegalArgumentException("maxWait must be at least 1 ms, is " + maxWait);
        }
        if (maxBuffered < 1) {
            throw new IllegalArgumentException("maxBuffered must be at least 1, is " + maxBuffered);
        }
        if (stateTtl.compareTo(maxWait) <= 0) {
            throw new IllegalArgumentException(
                    "stateTtl (" + stateTtl + ") must exceed maxWait (" + maxWait + ")");
        }
        if (dedupeHorizon.compareTo(maxWait) <= 0) {
            throw new IllegalArgumentException(
                    "dedupeHorizon (" + dedupeHorizon + ") must exceed maxWait (" + maxWait + ")");
        }
        if (maxSeqJump < 1 || maxSeqJump > OrderPerCustomer.MAX_SEQ) {
            throw new IllegalArgumentException(
                    "maxSeqJump must be between 1 and "
                            + OrderPerCustomer.MAX_SEQ
                            + ", is "
                            + maxSeqJump);
        }
    }

    /**
     * Wait 2 s for a gap, hold at most 256 early events per customer, forget an idle customer's
     * position after 7 days and each event id 7 days after its event (the log's default retention:
     * a redelivery the log can still hold is known), take a step of more than 100,000 seqs as
     * implausible.
     */
    public static OrderingConfig defaults() {
        return new OrderingConfig(
                Duration.ofSeconds(2), 256, Duration.ofDays(7), Duration.ofDays(7), false, 100_000);
    }

    public OrderingConfig withMaxWait(Duration value) {
        return new OrderingConfig(
                value, maxBuffered, stateTtl, dedupeHorizon, duplicatesToSideOutput, maxSeqJump);
    }

    public OrderingConfig withMaxBuffered(int value) {
        return new OrderingConfig(
                maxWait, value, stateTtl, dedupeHorizon, duplicatesToSideOutput, maxSeqJump);
    }

    public OrderingConfig withStateTtl(Duration value) {
        return new OrderingConfig(
                maxWait, maxBuffered, value, dedupeHorizon, duplicatesToSideOutput, maxSeqJump);
    }

    public OrderingConfig withDedupeHorizon(Duration value) {
        return new OrderingConfig(
                maxWait, maxBuffered, stateTtl, value, duplicatesToSideOutput, maxSeqJump);
    }

    public OrderingConfig withDuplicatesToSideOutput(boolean value) {
        return new OrderingConfig(maxWait, maxBuffered, stateTtl, dedupeHorizon, value, maxSeqJump);
    }

    public OrderingConfig withMaxSeqJump(long value) {
        return new OrderingConfig(
                maxWait, maxBuffered, stateTtl, dedupeHorizon, duplicatesToSideOutput, value);
    }
}
