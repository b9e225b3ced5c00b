package dev.floodgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FreshnessStatsTest {
    private static final long START = 1_000_000;
    private static final long END = START + 30_000; // judged from START + 10 s: 20 s

    @Test
    void summarisesTheFloodPerChannelAndPriority() {
        FreshnessStats stats = new FreshnessStats();
        // voice: 10 live per second over the judged 20 s, ages 1..100 ms for high
        for (int s = 10; s < 30; s++) {
            for (int i = 0; i < 10; i++) {
                long at = START + s * 1000L + i * 100;
                stats.live(
                        Channel.VOICE,
                        i == 0 ? Priority.HIGH : Priority.LOW,
                        at,
                        i == 0 ? s * 10L : 4000);
            }
            for (int i = 0; i < 20; i++) {
                stats.shed(Channel.VOICE, START + s * 1000L + i * 50);
            }
        }
        stats.live(
                Channel.CHAT, Priority.NORMAL, START + 500, 7); // before the judged part: ages only
        stats.service(START + 10_000, Map.of(Channel.VOICE, 0L));
        stats.service(START + 30_000, Map.of(Channel.VOICE, 190L));

        ObjectNode s =
                stats.summary(
                        START,
                        END,
                        Map.of(Channel.VOICE, 10.0, Channel.CHAT, 32000.0, Channel.IMAGE, 200.0),
                        Map.of(Channel.VOICE, 2, Channel.CHAT, 64, Channel.IMAGE, 4),
                        Map.of(Channel.VOICE, 200L, Channel.CHAT, 2L, Channel.IMAGE, 20L),
                        3,
                        true,
                        true);

        assertThat(s.path("reconcile").asText()).isEqualTo("PASSED");
        assertThat(s.path("p99_age_s").path("voice").path("high").asDouble()).isEqualTo(0.29);
        assertThat(s.path("p99_age_s").path("voice").path("low").asDouble()).isEqualTo(4.0);
        assertThat(s.path("p99_age_s").path("voice").path("normal").isNull()).isTrue();
        assertThat(s.path("p99_age_s").path("chat").path("normal").asDouble()).isEqualTo(0.007);
        assertThat(s.path("live_per_s").path("voice").asDouble()).isEqualTo(10.0);
        assertThat(s.path("live_per_s").path("chat").asDouble()).isZero();
        assertThat(s.path("live_per_s_range").path("voice").path("min").asDouble()).isEqualTo(10.0);
        assertThat(s.path("live_per_s_range").path("voice").path("max").asDouble()).isEqualTo(10.0);
        // by log time (processedAt - age) in the judged part: 400 shed; live 19 high (the first was
        // logged
        // 100 ms before it) and 16 s x 9 low (the 4 s old lows of its first 4 s were logged before
        // it)
        assertThat(s.path("shed_fraction").path("voice").asDouble()).isEqualTo(0.71); // 400 / 563
        // 190 calls x 200 ms over 2 slots x 20 s
        assertThat(s.path("service_busy_fraction").path("voice").asDouble()).isEqualTo(0.95);
        assertThat(s.path("flood_factor").asDouble()).isEqualTo(3.0);
    }

    @Test
    void agesAndCountsOfAWindowSuchAsTheDrain() {
        FreshnessStats stats = new FreshnessStats();
        for (int i = 1; i <= 100; i++) { // voice high, ages 10..1000 ms, one every 100 ms
            stats.live(Channel.VOICE, Priority.HIGH, START + i * 100L, i * 10L);
        }
        stats.live(Channel.CHAT, Priority.LOW, START + 20_000, 5_000); // after the window

        ObjectNode summary = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        // [START + 5 s, START + 10 s): the events 50..99, ages 500..990 ms
        stats.p99Ages(summary, "drain_live_p99_age_s", START + 5_000, START + 10_000);

        assertThat(summary.path("drain_live_p99_age_s").path("voice").path("high").asDouble())
                .isEqualTo(0.99);
        assertThat(summary.path("drain_live_p99_age_s").path("voice").path("normal").isNull())
                .isTrue();
        assertThat(summary.path("drain_live_p99_age_s").path("chat").path("low").isNull())
                .as("outside the window")
                .isTrue();
        assertThat(stats.liveCount(Channel.VOICE, START + 5_000, START + 10_000)).isEqualTo(50);
        assertThat(stats.liveCount(Channel.CHAT, START, START + 20_001)).isEqualTo(1);
    }
}
