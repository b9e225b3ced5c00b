package dev.floodgate.testing;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.operators.shed.HotKeyPolicy;
import dev.floodgate.operators.shed.ShedPolicy;
import java.time.Duration;

/** Admission policies the lanes' tests share. */
public final class TestPolicies {
    private TestPolicies() {}

    /**
     * The defaults with voice at a 5 s SLO and {@code target}, {@code normal} and {@code low}
     * sheddable, and no hot-key shedding (the tests are about the lane's load).
     */
    public static ShedPolicy voiceSheds(Duration target) {
        return ShedPolicy.defaults()
                .withChannel(
                        Channel.VOICE,
                        ChannelPolicy.shed(
                                Duration.ofSeconds(5), target, Priority.LOW, Priority.NORMAL))
                .withHotKey(HotKeyPolicy.disabled());
    }
}
