package dev.floodgate.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.testkit.flink.LocalFlinkCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The demo's options: defaults tell the seed's story; a bad option or a taken port is named. */
class DemoOptionsTest {

    @Test
    void defaultsTellAThreeMinuteStoryWithAFloodAtThreeTimesCapacity() {
        Story story = new Story(DemoOptions.parse(new String[0]));
        assertThat(story.length()).isEqualTo(Duration.ofMinutes(3));
        assertThat(story.phases().get(1).eventsPerSecond()).isEqualTo(3 * story.capacity());
        assertThat(story.clockAt(story.floodStartSecond())).isEqualTo("09:00");
        assertThat(story.phaseAt(31)).isEqualTo("flood");
    }

    @Test
    void badOptionsNameTheOption() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--flood", "soon"}))
                .hasMessageContaining("--flood")
                .hasMessageContaining("duration");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--capacity=-3"}))
                .hasMessageContaining("--capacity");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--rest-port", "99999"}))
                .hasMessageContaining("--rest-port");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--floods", "3"}))
                .hasMessageContaining("unknown option --floods");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--generate-only"}))
                .hasMessageContaining("--bootstrap-servers");
    }

    @Test
    void aTakenPortSaysWhichAndHowToChooseAnother() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(
                            () ->
                                    LocalFlinkCluster.requireFree(
                                            taken.getLocalPort(), "--rest-port", "Flink"))
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining("--rest-port");
        }
    }
}
