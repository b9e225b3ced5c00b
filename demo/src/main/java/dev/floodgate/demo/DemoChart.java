package dev.floodgate.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * Draws the run as a PNG with Java2D (headless): three panels over the same time axis (the story's
 * clock) with the flood shaded and the drain beside the live job marked (its start, and the moment
 * the shed lane is empty): events per second (arrivals, processed), events (the live job's backlog,
 * shed so far, the shed lane left to drain), and the live lane's p99 age in seconds of voice {@code
 * high}, the other voice calls and chat. Each panel has its axes, grid and legend.
 */
final class DemoChart {
    static final Color ARRIVALS = new Color(31, 119, 180);
    static final Color PROCESSED = new Color(44, 160, 44);
    static final Color BACKLOG = new Color(255, 127, 14);
    static final Color SHED = new Color(148, 103, 189);
    static final Color SHED_LEFT = new Color(23, 190, 207);
    static final Color HIGH_AGE = new Color(214, 39, 40);
    static final Color OTHER_AGE = new Color(140, 86, 75);
    static final Color CHAT_AGE = new Color(44, 160, 44);
    static final Color BACKGROUND = Color.WHITE;
    static final Color FLOOD = new Color(255, 228, 225);
    static final int WIDTH = 1200;
    static final int HEIGHT = 900;

    /** Left and right edges of every panel's plot area. */
    static final int LEFT = 90;

    static final int RIGHT = WIDTH - 30;

    private record Series(String name, Color color, ToDoubleFunction<Sample> value) {}

    private DemoChart() {}

    static void write(
            List<Sample> samples,
            Story story,
            double drainStartSecond,
            double drainEndSecond,
            String title,
            Path png)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, LEFT, 30);
        double maxSecond =
                samples.isEmpty() ? 1 : Math.max(1, samples.get(samples.size() - 1).second());
        Axis x = new Axis(0, maxSecond, LEFT, RIGHT);
        int top = 60;
        int h = (HEIGHT - top - 35) / 3;
        panel(
                g,
                samples,
                story,
                drainStartSecond,
                drainEndSecond,
                x,
                top,
                h - 45,
                "events per second",
                1,
                List.of(
                        new Series("arrivals", ARRIVALS, Sample::arrivalsPerSecond),
                        new Series("processed", PROCESSED, Sample::processedPerSecond)));
        panel(
                g,
                samples,
                story,
                drainStartSecond,
                drainEndSecond,
                x,
                top + h,
                h - 45,
                "events",
                1,
                List.of(
                        new Series("backlog (live job's lag)", BACKLOG, s -> s.backlog()),
                        new Series("shed so far", SHED, s -> s.shed()),
                        new Series("shed lane left to drain", SHED_LEFT, s -> s.shedLeft())));
        panel(
                g,
                samples,
                story,
                drainStartSecond,
                drainEndSecond,
                x,
                top + 2 * h,
                h - 45,
                "p99 age at processing, live lane (s)",
                1000,
                List.of(
                        new Series("voice high", HIGH_AGE, Sample::p99HighMillis),
                        new Series("voice normal + low (live)", OTHER_AGE, Sample::p99OtherMillis),
                        new Series("chat", CHAT_AGE, Sample::p99ChatMillis)));
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(
                "story clock (one second of the demo stands for one minute of the Monday)",
                LEFT,
                HEIGHT - 15);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static void panel(
            Graphics2D g,
            List<Sample> samples,
            Story story,
            double drainStart,
            double drainEnd,
            Axis x,
            int top,
            int height,
            String yLabel,
            double divisor,
            List<Series> series) {
        double max = 1e-9;
        for (Sample s : samples) {
            for (Series se : series) {
                max = Math.max(max, se.value().applyAsDouble(s) / divisor);
            }
        }
        double step = niceStep(max / 5);
        Axis y = new Axis(0, Math.ceil(max / step) * step, top + height, top);
        g.setColor(FLOOD);
        int f0 = x.at(story.floodStartSecond());
        g.fillRect(f0, top, Math.min(x.at(story.floodEndSecond()), RIGHT) - f0, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double v = 0; v <= y.max + step / 2; v += step) {
            g.setColor(new Color(225, 225, 225));
            g.drawLine(LEFT, y.at(v), RIGHT, y.at(v));
            g.setColor(Color.DARK_GRAY);
            String label =
                    v >= 10_000
                            ? String.format("%.0fk", v / 1000)
                            : v % 1 == 0 ? String.format("%.0f", v) : String.format("%.1f", v);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y.at(v) + 4);
        }
        double tick = niceStep(x.max / 10);
        for (double t = 0; t <= x.max; t += tick) {
            g.setColor(Color.DARK_GRAY);
            g.drawLine(x.at(t), top + height, x.at(t), top + height + 4);
            String clock = story.clockAt(t);
            g.drawString(
                    clock, x.at(t) - g.getFontMetrics().stringWidth(clock) / 2, top + height + 17);
        }
        marker(g, x, drainStart, top, height, 12, "drain starts beside the live job");
        marker(g, x, drainEnd, top, height, 26, "shed lane empty");
        g.setStroke(new BasicStroke(2.5f));
        for (Series se : series) {
            g.setColor(se.color());
            int px = -1;
            int py = -1;
            for (Sample s : samples) {
                double v = se.value().applyAsDouble(s);
                if (v < 0) { // no value this second (no event of the kind processed)
                    px = -1;
                    continue;
                }
                int cx = x.at(s.second());
                int cy = y.at(v / divisor);
                if (px >= 0) {
                    g.drawLine(px, py, cx, cy);
                }
                px = cx;
                py = cy;
            }
        }
        g.setStroke(new BasicStroke(1));
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, top, RIGHT - LEFT, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(yLabel, LEFT, top - 8);
        legend(g, series, top);
    }

    /** A dashed vertical line at {@code second} with its label; none where {@code second <= 0}. */
    private static void marker(
            Graphics2D g, Axis x, double second, int top, int height, int labelY, String label) {
        if (second <= 0) {
            return;
        }
        g.setColor(Color.GRAY);
        g.setStroke(
                new BasicStroke(
                        1,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        10,
                        new float[] {6, 4},
                        0));
        g.drawLine(x.at(second), top, x.at(second), top + height);
        int width = g.getFontMetrics().stringWidth(label);
        int at = x.at(second);
        // right of the line, or left of it where the label would leave the plot
        g.drawString(label, at + 4 + width > RIGHT ? at - 4 - width : at + 4, top + labelY);
    }

    private static void legend(Graphics2D g, List<Series> series, int top) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int x = RIGHT - 8;
        for (int i = series.size() - 1; i >= -1; i--) {
            String name = i < 0 ? "flood" : series.get(i).name();
            x -= g.getFontMetrics().stringWidth(name) + 30;
            g.setColor(i < 0 ? FLOOD : series.get(i).color());
            g.fillRect(x, top - 16, 18, 8);
            g.setColor(Color.BLACK);
            g.drawString(name, x + 22, top - 8);
        }
    }

    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / magnitude;
        return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
    }

    /** A linear map from values to pixels. */
    private record Axis(double min, double max, int from, int to) {
        int at(double v) {
            return (int) Math.round(from + (v - min) / (max - min) * (to - from));
        }
    }
}
