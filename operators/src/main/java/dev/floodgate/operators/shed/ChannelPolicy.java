package dev.floodgate.operators.shed;

import dev.floodgate.model.Priority;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Shedding rule of one channel: the freshness SLO (the age at which a result is stale: alerts and
 * reports measure against it), the target wait below it that admission keeps the sheddable
 * priorities within ({@link PredictiveAdmission}), and the priorities that may be shed. {@code
 * HIGH} is never sheddable: a policy that lists it is rejected.
 */
public final class ChannelPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long sloMillis;
    private final long targetMillis;
    private final EnumSet<Priority> sheddable;

    private ChannelPolicy(long sloMillis, long targetMillis, Set<Priority> sheddable) {
        if (sheddable.contains(Priority.HIGH)) {
            throw new IllegalArgumentException(
                    "priority HIGH is never shed; remove it from the sheddable set");
        }
        if (sloMillis <= 0 || targetMillis < 0 || targetMillis > sloMillis) {
            throw new IllegalArgumentException(
                    "need 0 <= target <= slo and slo > 0, got slo="
                            + sloMillis
                            + "ms target="
                            + targetMillis
                            + "ms");
        }
        this.sloMillis = sloMillis;
        this.targetMillis = targetMillis;
        this.sheddable =
                sheddable.isEmpty() ? EnumSet.noneOf(Priority.class) : EnumSet.copyOf(sheddable);
    }

    /**
     * Sheds {@code priorities} when an event's age plus its predicted wait in the lane would exceed
     * {@code target} (at most {@code slo}).
     */
    public static ChannelPolicy shed(Duration slo, Duration target, Priority... priorities) {
        Set<Priority> set = EnumSet.noneOf(Priority.class);
        Collections.addAll(set, priorities);
        return new ChannelPolicy(slo.toMillis(), target.toMillis(), set);
    }

    /**
     * Never sheds and has no SLO: every event of the channel goes to the live lane and counts as
     * fresh ({@link #hasSlo()} false).
     */
    public static ChannelPolicy never() {
        return new ChannelPolicy(Long.MAX_VALUE, Long.MAX_VALUE, EnumSet.noneOf(Priority.class));
    }

    /**
     * Never sheds, but results are measured against {@code slo} (chat: cheap to process, so
     * shedding it would not help, yet a stale chat is still a stale copilot).
     */
    public static ChannelPolicy measureOnly(Duration slo) {
        return new ChannelPolicy(slo.toMillis(), slo.toMillis(), EnumSet.noneOf(Priority.class));
    }

    /**
     * The same SLO and target, shedding nothing: {@code --shedding false} turns shedding off, not
     * the freshness SLO the alerts measure.
     */
    public ChannelPolicy withoutShedding() {
        return new ChannelPolicy(sloMillis, targetMillis, EnumSet.noneOf(Priority.class));
    }

    /** Whether the channel has a freshness SLO (else every result counts as within it). */
    public boolean hasSlo() {
        return sloMillis != Long.MAX_VALUE;
    }

    public long sloMillis() {
        return sloMillis;
    }

    public long targetMillis() {
        return targetMillis;
    }

    public Set<Priority> sheddable() {
        return Collections.unmodifiableSet(sheddable);
    }

    /**
     * Whether an event of this priority may be shed; {@code HIGH} never, whatever the configuration
     * says.
     */
    public boolean mayShed(Priority priority) {
        return priority != null && priority != Priority.HIGH && sheddable.contains(priority);
    }

    @Override
    public String toString() {
        if (!hasSlo()) {
            return "never";
        }
        return sheddable.isEmpty()
                ? "slo=" + sloMillis + "ms never shed"
                : "slo=" + sloMillis + "ms target=" + targetMillis + "ms shed=" + sheddable;
    }
}
