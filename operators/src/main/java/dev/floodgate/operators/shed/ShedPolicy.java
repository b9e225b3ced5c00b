package dev.floodgate.operators.shed;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.MetricGroup;

/**
 * Configuration of admission control: one {@link ChannelPolicy} per channel and the {@link
 * HotKeyPolicy}; creates a {@link PredictiveAdmission} per subtask. Immutable; the {@code with...}
 * methods return a copy.
 *
 * <p>Defaults ({@link #defaults()}), sized for speech-to-text being the bottleneck:
 *
 * <ul>
 *   <li>voice: SLO 30 s, target wait 10 s, sheds LOW and NORMAL (transcription is the expensive
 *       call);
 *   <li>image: SLO 60 s, target wait 20 s, sheds LOW and NORMAL;
 *   <li>chat: SLO 10 s, never shed (cheap to process, and the copilot's most recent context);
 *   <li>hot key: above 10 events/s over 10 s, LOW and NORMAL of every channel are shed while that
 *       channel's service is the bottleneck.
 * </ul>
 */
public final class ShedPolicy implements AdmissionPolicy {
    private static final long serialVersionUID = 1L;

    private final EnumMap<Channel, ChannelPolicy> channels;
    private final HotKeyPolicy hotKey;

    private ShedPolicy(Map<Channel, ChannelPolicy> channels, HotKeyPolicy hotKey) {
        this.channels = new EnumMap<>(Channel.class);
        for (Channel c : Channel.values()) {
            this.channels.put(c, channels.getOrDefault(c, ChannelPolicy.never()));
        }
        this.hotKey = hotKey;
    }

    public static ShedPolicy defaults() {
        Map<Channel, ChannelPolicy> m = new EnumMap<>(Channel.class);
        m.put(
                Channel.VOICE,
                ChannelPolicy.shed(
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(10),
                        Priority.LOW,
                        Priority.NORMAL));
        m.put(
                Channel.IMAGE,
                ChannelPolicy.shed(
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(20),
                        Priority.LOW,
                        Priority.NORMAL));
        m.put(Channel.CHAT, ChannelPolicy.measureOnly(Duration.ofSeconds(10)));
        return new ShedPolicy(m, HotKeyPolicy.defaults());
    }

    /** Sheds nothing at all (the backfill job's setting). */
    public static ShedPolicy none() {
        return new ShedPolicy(new EnumMap<>(Channel.class), HotKeyPolicy.disabled());
    }

    public ShedPolicy withChannel(Channel channel, ChannelPolicy policy) {
        Map<Channel, ChannelPolicy> m = new EnumMap<>(channels);
        m.put(channel, policy);
        return new ShedPolicy(m, hotKey);
    }

    public ShedPolicy withHotKey(HotKeyPolicy policy) {
        return new ShedPolicy(channels, policy);
    }

    @Override
    public Admission create(MetricGroup group) {
        return new PredictiveAdmission(this, group);
    }

    @Override
    public long sloMillis(Channel channel) {
        return channels.get(channel).sloMillis();
    }

    public ChannelPolicy channel(Channel channel) {
        return channels.get(channel);
    }

    public HotKeyPolicy hotKey() {
        return hotKey;
    }

    @Override
    public String toString() {
        return "ShedPolicy" + channels + " hotKey=" + hotKey;
    }
}
