package dev.floodgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.testkit.net.FreePorts;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Monday flood demo, short (about 30 s of story): the whole command end to end on its own
 * broker, service and cluster. Reconcile passes after the drain, the flood shed and the drain,
 * running beside the live job while live results still came out, processed every shed event, and
 * the report is there: a Markdown summary with the verdict and a PNG chart with every series
 * plotted (the shed lane left to drain included).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FloodDemoITCase {
    @TempDir Path output;

    @Test
    void shortStoryReconcilesAndReportsWithAChart() throws Exception {
        DemoOptions o =
                DemoOptions.parse(
                        new String[] {
                            "--calm",
                            "5s",
                            "--flood",
                            "20s",
                            "--calm-after",
                            "5s",
                            // a 2x flood and a quieter calm: a shed lane that the drain beside the
                            // live job empties in about half a minute on the spare capacity (CI
                            // time)
                            "--flood-factor",
                            "2",
                            "--calm-factor",
                            "0.25",
                            "--rest-port",
                            Integer.toString(FreePorts.one()),
                            "--prometheus-port",
                            Integer.toString(FreePorts.one()),
                            "--output",
                            output.toString()
                        });

        DemoSummary summary = FloodDemo.run(o);

        assertThat(summary.reconcile().passed()).as(summary.reconcile().render()).isTrue();
        assertThat(summary.reconcile().processedOnce()).isEqualTo(summary.sentValid());
        assertThat(summary.shed()).as("the flood shed low-priority work").isPositive();
        assertThat(summary.processedBy("backfill"))
                .as("the drain processed the shed lane")
                .isEqualTo(summary.shed());
        assertThat(summary.deadLetters()).isEqualTo(summary.sentPoison());
        assertThat(summary.checkpoints().completed()).isGreaterThanOrEqualTo(5);

        String md = Files.readString(output.resolve(DemoReport.MARKDOWN));
        assertThat(md)
                .contains(
                        "reconcile PASSED",
                        "](" + DemoReport.CHART + ")",
                        String.format("%,d", summary.sentValid()));
        assertThat(Files.readAllLines(output.resolve(DemoReport.CSV))).hasSizeGreaterThan(25);
        JsonNode freshness =
                new ObjectMapper().readTree(output.resolve(FreshnessStats.FILE).toFile());
        assertThat(freshness.path("reconcile").asText()).isEqualTo("PASSED");
        assertThat(freshness.path("shedding").asBoolean()).isTrue();
        assertThat(freshness.path("capacity_per_s").path("voice").asDouble()).isEqualTo(10.0);
        for (String channel : List.of("voice", "chat", "image")) {
            assertThat(freshness.path("p99_age_s").path(channel).has("high")).as(channel).isTrue();
            assertThat(freshness.path("live_per_s").path(channel).asDouble())
                    .as(channel)
                    .isPositive();
        }
        assertThat(freshness.path("shed_fraction").path("voice").asDouble())
                .as("voice is the flooded channel")
                .isPositive();
        assertThat(freshness.path("shed_at_start").asLong())
                .as("nothing shed in the calm after the start")
                .isZero();
        assertThat(freshness.has("shed_after_recovery")).isTrue();
        // the drain ran beside the live job: live results came out while the shed lane emptied
        assertThat(freshness.path("drain_s").asDouble()).as("drain_s").isPositive();
        assertThat(freshness.path("drain_voice_events").asLong()).isPositive();
        assertThat(freshness.path("drain_live_shed").isNumber()).as("drain_live_shed").isTrue();
        assertThat(freshness.path("drain_ideal_s").asDouble()).as("drain_ideal_s").isPositive();
        assertThat(freshness.path("drain_spare_voice_per_s").asDouble())
                .as("the voice service's spare capacity during the drain")
                .isBetween(0.0, 10.0);
        for (String channel : List.of("voice", "chat")) {
            assertThat(freshness.path("drain_live_p99_age_s").path(channel).path("high").isNumber())
                    .as("live %s results processed during the drain", channel)
                    .isTrue();
        }
        assertChartPlotsEverySeries(output.resolve(DemoReport.CHART));
    }

    private static void assertChartPlotsEverySeries(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("a PNG image").isNotNull();
        assertThat(image.getWidth()).isEqualTo(DemoChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(DemoChart.HEIGHT);
        int drawn = 0;
        int flood = 0;
        int[] series = new int[7];
        Color[] colors = {
            DemoChart.ARRIVALS,
            DemoChart.PROCESSED,
            DemoChart.BACKLOG,
            DemoChart.SHED,
            DemoChart.SHED_LEFT,
            DemoChart.HIGH_AGE,
            DemoChart.OTHER_AGE
        };
        for (int y = 60; y < image.getHeight() - 60; y++) {
            for (int x = DemoChart.LEFT + 1; x < DemoChart.RIGHT; x++) {
                Color c = new Color(image.getRGB(x, y));
                if (!c.equals(DemoChart.BACKGROUND)) {
                    drawn++;
                }
                if (c.equals(DemoChart.FLOOD)) {
                    flood++;
                }
                for (int i = 0; i < colors.length; i++) {
                    if (near(c, colors[i])) {
                        series[i]++;
                    }
                }
            }
        }
        int plotArea = (DemoChart.RIGHT - DemoChart.LEFT) * (image.getHeight() - 120);
        assertThat(drawn).as("pixels drawn in the plot areas").isGreaterThan(plotArea / 20);
        assertThat(flood).as("the flood is shaded").isGreaterThan(plotArea / 20);
        for (int i = 0; i < colors.length; i++) {
            // the legend swatches alone are 18 x 8 = 144 pixels; a plotted line adds hundreds
            assertThat(series[i]).as("pixels of series %d (%s)", i, colors[i]).isGreaterThan(400);
        }
    }

    private static boolean near(Color a, Color b) {
        return Math.abs(a.getRed() - b.getRed())
                        + Math.abs(a.getGreen() - b.getGreen())
                        + Math.abs(a.getBlue() - b.getBlue())
                < 30;
    }
}
