package dev.floodgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.model.Channel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShedChecksTest {
    private static final long START = 1_000_000;

    /** A 30 s calm, a 60 s flood, a 60 s calm; the backlog is gone 5 s after the flood. */
    private static List<Sample> samples() {
        List<Sample> samples = new ArrayList<>();
        for (int s = 0; s < 150; s++) {
            String phase = s < 30 ? "calm" : s < 90 ? "flood" : "calm";
            long backlog = s >= 30 && s < 95 ? 2_000 : 50;
            samples.add(new Sample(s, "", phase, 40, 40, backlog, 0, 0, -1, -1, -1, 0, -1));
        }
        return samples;
    }

    @Test
    void countsTheShedAtStartAndFromTenSecondsAfterTheBacklogIsGone() {
        DemoOptions o =
                DemoOptions.parse(
                        new String[] {"--calm", "30s", "--flood", "60s", "--calm-after", "60s"});
        Story story = new Story(o);
        FreshnessStats stats = new FreshnessStats();
        stats.shed(Channel.VOICE, START + 2_000); // at start
        stats.shed(Channel.VOICE, START + 40_000); // in the flood
        stats.shed(Channel.VOICE, START + 100_000); // 5 s after the backlog is gone: not counted
        stats.shed(Channel.VOICE, START + 106_000); // 11 s after: counted
        stats.shed(Channel.IMAGE, START + 149_000);
        ObjectNode summary = new ObjectMapper().createObjectNode();

        ShedChecks.put(summary, o, story, samples(), stats, START, 2);

        assertThat(summary.path("shed_at_start").asLong()).isEqualTo(1);
        assertThat(summary.path("backlog_gone_after_flood_s").asDouble()).isEqualTo(5.0);
        assertThat(summary.path("shed_after_recovery").asLong()).isEqualTo(2);
        assertThat(summary.path("shed_after_recovery_window_s").asDouble()).isEqualTo(45.0);
    }

    @Test
    void aCalmTooShortToJudgeIsNull() {
        DemoOptions o =
                DemoOptions.parse(
                        new String[] {"--calm", "30s", "--flood", "60s", "--calm-after", "10s"});
        ObjectNode summary = new ObjectMapper().createObjectNode();
        ShedChecks.put(summary, o, new Story(o), samples(), new FreshnessStats(), START, 2);
        assertThat(summary.path("shed_after_recovery").isNull()).isTrue();
        assertThat(summary.path("shed_at_start").asLong()).isZero();
    }
}
