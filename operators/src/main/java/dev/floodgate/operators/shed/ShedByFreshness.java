package dev.floodgate.operators.shed;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sheds processing, never data, when the backlog makes events too old: runs on the stream keyed by
 * {@code customer_id}, before the expensive processing call. The main output is the live lane; a
 * shed event goes unchanged to {@link #SHED} (written to {@code interactions.shed}, drained later
 * by the backfill job).
 *
 * <p>Decision per event, with age = the timer service's processing time minus the event's log
 * timestamp:
 *
 * <ol>
 *   <li>{@code HIGH} is never shed.
 *   <li>Freshness: per channel, a {@link ChannelShedding} switch turns on when a sheddable event is
 *       older than the channel's SLO and off once the channel's events have stayed younger than its
 *       low-water mark for a hold time (see {@link ChannelShedding}); while on, the channel's
 *       sheddable priorities are shed.
 *   <li>Hot key: a customer above the {@link HotKeyPolicy} rate has its sheddable events shed
 *       regardless of age, counted in {@code hotKeySheds} and logged (rate limited) by name.
 * </ol>
 *
 * <p>State and timers: no keyed state, no timers. The shedding switches, the hot-key rates ({@link
 * HotKeyRates}) and the hot-key report list are operator-local, per subtask, and not checkpointed:
 * they describe this subtask's recent traffic and re-form from the first events after a restart (a
 * hot customer within one window).
 */
public class ShedByFreshness extends KeyedProcessFunction<String, Interaction, Interaction> {
    private static final long serialVersionUID = 1L;

    /** Events whose processing was shed: to {@code interactions.shed}. */
    public static final OutputTag<Interaction> SHED = new OutputTag<>("shed") {};

    /** Side-output lanes by name; the live lane is the main output. */
    public static final Map<String, OutputTag<Interaction>> LANES = Map.of(SHED.getId(), SHED);

    private final ShedPolicy policy;

    private transient Map<Channel, ChannelShedding> switches;
    private transient HotKeyReporter hotKeys;
    private transient ShedMetrics metrics;
    private transient HotKeyRates rates;

    public ShedByFreshness(ShedPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void open(OpenContext openContext) {
        switches = new EnumMap<>(Channel.class);
        for (Channel c : Channel.values()) {
            switches.put(c, new ChannelShedding(c, policy.channel(c)));
        }
        hotKeys = new HotKeyReporter(policy.hotKey());
        metrics =
                new ShedMetrics(
                        getRuntimeContext().getMetricGroup(), switches, hotKeys::currentHotKeys);
        rates = policy.hotKey().enabled() ? new HotKeyRates(policy.hotKey()) : null;
    }

    @Override
    public void processElement(Interaction event, Context ctx, Collector<Interaction> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        long age = event.ageAt(now);
        if (event.channel == null) {
            out.collect(event);
            return;
        }
        int slot = rates == null ? -1 : rates.record(event.customerId, now);
        boolean hot = slot >= 0 && now < rates.hotUntil(slot);
        ChannelPolicy channelPolicy = policy.channel(event.channel);
        boolean shedForAge =
                switches.get(event.channel)
                        .observe(now, age, channelPolicy.mayShed(event.priority));
        boolean shedForHeat = !shedForAge && hot && policy.hotKey().mayShed(event.priority);
        if (shedForHeat) {
            hotKeys.shed(
                    event.customerId, now, rates.hotUntil(slot), rates.ratePerSecond(slot, now));
        }
        hotKeys.refresh(now);
        if (shedForAge || shedForHeat) {
            metrics.shed(event.channel, event.priority, age, shedForHeat);
            ctx.output(SHED, event);
        } else {
            metrics.live(event.channel, age);
            out.collect(event);
        }
    }

    ShedMetrics metrics() {
        return metrics;
    }

    HotKeyReporter hotKeys() {
        return hotKeys;
    }

    HotKeyRates hotKeyRates() {
        return rates;
    }

    boolean sheddingActive(Channel channel) {
        return switches.get(channel).active();
    }
}
