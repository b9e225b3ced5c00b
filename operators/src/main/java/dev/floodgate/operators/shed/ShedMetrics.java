package dev.floodgate.operators.shed;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Metrics of {@link ShedByFreshness}, registered under key/value groups so the Prometheus reporter
 * turns them into labels:
 *
 * <ul>
 *   <li>{@code channel=<c>,priority=<p>: shedEvents} counter, for every non-HIGH priority;
 *   <li>{@code channel=<c>: sheddingActive} gauge, 0 or 1;
 *   <li>{@code channel=<c>,lane=live|shed: eventAgeMs} histogram over the last {@value #WINDOW}
 *       events;
 *   <li>{@code hotKeySheds} counter and {@code hotKeys} gauge (customers currently hot on this
 *       subtask).
 * </ul>
 */
final class ShedMetrics {
    static final int WINDOW = 1024;

    private final Map<Channel, Map<Priority, Counter>> shed = new EnumMap<>(Channel.class);
    private final Map<Channel, Histogram> liveAge = new EnumMap<>(Channel.class);
    private final Map<Channel, Histogram> shedAge = new EnumMap<>(Channel.class);
    private final Counter hotKeySheds;

    ShedMetrics(MetricGroup group, Map<Channel, ChannelShedding> switches, IntSupplier hotKeys) {
        for (Channel c : Channel.values()) {
            MetricGroup channel = group.addGroup("channel", c.wireName());
            Map<Priority, Counter> byPriority = new EnumMap<>(Priority.class);
            for (Priority p : Priority.values()) {
                if (p != Priority.HIGH) {
                    byPriority.put(
                            p, channel.addGroup("priority", p.wireName()).counter("shedEvents"));
                }
            }
            shed.put(c, byPriority);
            ChannelShedding sw = switches.get(c);
            channel.gauge("sheddingActive", () -> sw.active() ? 1 : 0);
            liveAge.put(
                    c,
                    channel.addGroup("lane", "live")
                            .histogram("eventAgeMs", new DescriptiveStatisticsHistogram(WINDOW)));
            shedAge.put(
                    c,
                    channel.addGroup("lane", "shed")
                            .histogram("eventAgeMs", new DescriptiveStatisticsHistogram(WINDOW)));
        }
        hotKeySheds = group.counter("hotKeySheds");
        group.gauge("hotKeys", hotKeys::getAsInt);
    }

    void live(Channel channel, long ageMillis) {
        liveAge.get(channel).update(ageMillis);
    }

    void shed(Channel channel, Priority priority, long ageMillis, boolean hotKey) {
        shed.get(channel).get(priority).inc();
        shedAge.get(channel).update(ageMillis);
        if (hotKey) {
            hotKeySheds.inc();
        }
    }

    long shedCount(Channel channel, Priority priority) {
        Counter c = shed.get(channel).get(priority);
        return c == null ? 0 : c.getCount();
    }

    long hotKeySheds() {
        return hotKeySheds.getCount();
    }

    Histogram ageHistogram(Channel channel, boolean shedLane) {
        return shedLane ? shedAge.get(channel) : liveAge.get(channel);
    }
}
