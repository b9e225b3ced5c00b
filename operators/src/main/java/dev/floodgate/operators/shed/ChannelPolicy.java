package dev.floodgate.operators.shed;

import dev.floodgate.model.Priority;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Shedding rule of one channel: the age SLO above which the channel starts shedding, the low-water
 * mark below which it stops (hysteresis, so the lane does not flap), and the priorities that may be
 * shed. {@code HIGH} is never sheddable: a policy that lists it is rejected.
 */
public final class ChannelPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long sloMillis;
    private final long lowWaterMillis;
    private final EnumSet<Priority> sheddable;

    private ChannelPolicy(long sloMillis, long lowWaterMillis, Set<Priority> sheddable) {
        if (sheddable.contains(Priority.HIGH)) {
            throw new IllegalArgumentException(
                    "priority HIGH is never shed; remove it from the sheddable set");
        }
        if (sloMillis <= 0 || lowWaterMillis < 0 || lowWaterMillis > sloMillis) {
            throw new IllegalArgumentException(
                    "need 0 <= lowWater <= slo and slo > 0, got slo="
                            + sloMillis
                            + "ms lowWater="
                            + lowWaterMillis
                            + "ms");
        }
        this.sloMillis = sloMillis;
        this.lowWaterMillis = lowWaterMillis;
        this.sheddable =
                sheddable.isEmpty() ? EnumSet.noneOf(Priority.class) : EnumSet.copyOf(sheddable);
    }

    /**
     * Sheds {@code priorities} once an event is older than {@code slo}, until the channel's events
     * have stayed younger than {@code lowWater} for a hold time ({@link ChannelShedding}).
     */
    public static ChannelPolicy shed(Duration slo, Duration lowWater, Priority... priorities) {
        Set<Priority> set = EnumSet.noneOf(Priority.class);
        Collections.addAll(set, priorities);
        return new ChannelPolicy(slo.toMillis(), lowWater.toMillis(), set);
    }

    /** Never sheds: every event of the channel goes to the live lane (chat: cheap to process). */
    public static ChannelPolicy never() {
        return new ChannelPolicy(Long.MAX_VALUE, Long.MAX_VALUE, EnumSet.noneOf(Priority.class));
    }

    public long sloMillis() {
        return sloMillis;
    }

    public long lowWaterMillis() {
        return lowWaterMillis;
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
        return sheddable.isEmpty()
                ? "never"
                : "slo=" + sloMillis + "ms lowWater=" + lowWaterMillis + "ms shed=" + sheddable;
    }
}
