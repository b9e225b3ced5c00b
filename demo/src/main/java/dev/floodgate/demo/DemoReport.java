package dev.floodgate.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the report folder: {@code demo-chart.png} (see {@link DemoChart}), {@code samples.csv}
 * (one line a second, the chart's data) and {@code report.md} (the story's settings, the counts,
 * the shedding moments, the reconcile verdict, the chart embedded).
 */
final class DemoReport {
    static final String CHART = "demo-chart.png";
    static final String MARKDOWN = "report.md";
    static final String CSV = "samples.csv";

    private DemoReport() {}

    static Path write(
            Path folder,
            DemoOptions o,
            Story story,
            Progress progress,
            LiveDrain drain,
            DemoSummary s,
            com.fasterxml.jackson.databind.JsonNode perChannel)
            throws IOException {
        Files.createDirectories(folder);
        DemoChart.write(
                progress.samples(),
                story,
                drain.startSecond(),
                drain.endSecond(),
                String.format(
                        "The Monday flood: %.0f events/s at %.0fx capacity, shedding %s",
                        story.phases().get(1).eventsPerSecond(),
                        o.floodFactor,
                        o.shedding ? "on" : "off"),
                folder.resolve(CHART));
        List<String> csv = new ArrayList<>();
        csv.add(Sample.CSV_HEADER);
        progress.samples().forEach(x -> csv.add(x.csv()));
        Files.write(folder.resolve(CSV), csv);
        Files.writeString(folder.resolve(MARKDOWN), markdown(o, story, progress, s, perChannel));
        return folder.toAbsolutePath();
    }

    private static String markdown(
            DemoOptions o,
            Story story,
            Progress progress,
            DemoSummary s,
            com.fasterxml.jackson.databind.JsonNode perChannel) {
        StringBuilder md = new StringBuilder();
        md.append("# The Monday flood: report\n\n");
        md.append(
                String.format(
                        "Verdict: **reconcile %s**. Run time %s.%n%n",
                        s.reconcile().passed() ? "PASSED" : "FAILED",
                        DemoSummary.human(s.runTime())));
        md.append(
                String.format(
                        "Story: calm %s at %.0f events/s, flood %s at %.0f events/s (%.1fx the capacity of "
                                + "%.0f events/s: speech-to-text %.0f calls/s, %.0f%% voice), calm %s; one demo second stands for "
                                + "one minute. Shedding %s (voice %s, image %s; chat never; high never). Then the drain beside "
                                + "the live job, under calm live traffic, on the same service's spare capacity.%n%n",
                        o.calm,
                        story.phases().get(0).eventsPerSecond(),
                        o.flood,
                        story.phases().get(1).eventsPerSecond(),
                        o.floodFactor,
                        story.capacity(),
                        o.voiceCapacity,
                        story.profile().voiceShare() * 100,
                        o.calmAfter,
                        o.shedding ? "on" : "off",
                        o.shedVoice,
                        o.shedImage));
        md.append("![arrivals, processed, backlog, shed and age over time](")
                .append(CHART)
                .append(")\n\n");
        md.append("| what | count |\n|---|---|\n");
        row(md, "records written to the interaction log", s.recordsSent());
        row(md, "distinct valid events", s.sentValid());
        row(md, "poison records", s.sentPoison());
        row(md, "processed exactly once (reconcile)", s.reconcile().processedOnce());
        row(md, "  of which live lane", s.processedBy("live"));
        row(md, "  of which backfill lane (the drain)", s.processedBy("backfill"));
        row(md, "shed to the durable lane", s.shed());
        row(md, "dead letters " + s.deadLettersByReason(), s.deadLetters());
        row(md, "archived raw (exactly once, redeliveries included)", s.archived());
        row(
                md,
                "missing / duplicated (reconcile)",
                s.reconcile().missing().count() + s.reconcile().duplicated().count());
        row(md, "largest backlog (consumer lag, events)", s.maxBacklog());
        row(
                md,
                "live job checkpoints completed / failed",
                s.checkpoints().completed() + " / " + s.checkpoints().failed());
        md.append(
                String.format(
                        "| p99 age at processing, live lane, voice: high / normal + low | %s / %s |%n",
                        Progress.seconds(s.p99HighMillis()), Progress.seconds(s.p99OtherMillis())));
        md.append(
                String.format(
                        "| p99 age at processing, backfill lane (the shed events, after the flood) | %s |%n",
                        Progress.seconds(s.p99BackfillMillis())));
        md.append(
                String.format(
                        "| drain of the shed lane, beside the live job | %s |%n%n",
                        DemoSummary.human(s.drainTime())));
        freshness(md, perChannel);
        drain(md, perChannel);
        md.append("## Shedding\n\n");
        if (progress.moments().isEmpty()) {
            md.append("No channel shed.\n");
        }
        progress.moments()
                .forEach(
                        m ->
                                md.append("- ")
                                        .append(m.clock())
                                        .append(" ")
                                        .append(m.text())
                                        .append('\n'));
        md.append("\n## Reconcile\n\n```\n").append(s.reconcile().render()).append("```\n\n");
        md.append("Savepoint of the live job: `")
                .append(s.savepoint())
                .append("`. The data of the chart: `")
                .append(CSV)
                .append("`.\n");
        return md.toString();
    }

    /** The drain beside the live job, from {@code summary.json}. */
    static void drain(StringBuilder md, com.fasterxml.jackson.databind.JsonNode f) {
        md.append("## The drain beside the live job\n\n")
                .append(
                        String.format(
                                java.util.Locale.ROOT,
                                "The shed lane (%d events, %d of them voice calls) emptied in %.1f s beside the "
                                        + "live job; ideal %.1f s: the drain's voice calls / the speech-to-text "
                                        + "service's spare capacity (%.1f calls/s: capacity %.1f less %.2f live "
                                        + "voice calls/s during the drain). Live events shed during the drain: "
                                        + "%d.%n%n",
                                f.path("drain_events").asLong(),
                                f.path("drain_voice_events").asLong(),
                                f.path("drain_s").asDouble(),
                                f.path("drain_ideal_s").asDouble(),
                                f.path("drain_spare_voice_per_s").asDouble(),
                                f.path("capacity_per_s").path("voice").asDouble(),
                                f.path("drain_live_voice_per_s").asDouble(),
                                f.path("drain_live_shed").asLong()))
                .append(
                        "Live lane p99 age at processing, during the drain and in the calm after the "
                                + "flood without a drain:\n\n")
                .append(
                        "| channel | during the drain: high | normal | low | calm, no drain: high | normal | low |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (String c : new String[] {"voice", "image", "chat"}) {
            md.append("| ").append(c);
            for (String window : new String[] {"drain_live_p99_age_s", "calm_live_p99_age_s"}) {
                for (String p : new String[] {"high", "normal", "low"}) {
                    com.fasterxml.jackson.databind.JsonNode v = f.path(window).path(c).path(p);
                    md.append(" | ")
                            .append(
                                    v.isNumber()
                                            ? String.format(
                                                    java.util.Locale.ROOT, "%.2f s", v.asDouble())
                                            : "-");
                }
            }
            md.append(" |\n");
        }
        md.append('\n');
    }

    private static void row(StringBuilder md, String what, Object count) {
        md.append("| ")
                .append(what)
                .append(" | ")
                .append(count instanceof Number n ? String.format("%,d", n.longValue()) : count)
                .append(" |\n");
    }

    /** The flood's freshness per channel and priority, from {@code summary.json}. */
    static void freshness(StringBuilder md, com.fasterxml.jackson.databind.JsonNode f) {
        md.append("## Freshness per channel during the flood\n\n")
                .append("After the first 10 s of the flood; the age is log append to result.\n\n")
                .append(
                        "| channel | p99 age high | normal | low | live /s | capacity /s | shed |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (String c : new String[] {"voice", "image", "chat"}) {
            com.fasterxml.jackson.databind.JsonNode ages = f.path("p99_age_s").path(c);
            md.append(
                    String.format(
                            java.util.Locale.ROOT,
                            "| %s | %.2f s | %.2f s | %.2f s | %.1f | %.1f | %.1f%% |%n",
                            c,
                            ages.path("high").asDouble(),
                            ages.path("normal").asDouble(),
                            ages.path("low").asDouble(),
                            f.path("live_per_s").path(c).asDouble(),
                            f.path("capacity_per_s").path(c).asDouble(),
                            100 * f.path("shed_fraction").path(c).asDouble()));
        }
        md.append('\n');
        visible(md, f);
    }

    /**
     * The same events' p99 age when a {@code read_committed} reader saw them: the commit of their
     * checkpoint.
     */
    private static void visible(StringBuilder md, com.fasterxml.jackson.databind.JsonNode f) {
        md.append(
                        String.format(
                                java.util.Locale.ROOT,
                                "Visible to a `read_committed` reader (checkpoints every %.1f s):"
                                        + " log append to the reader's clock at receipt.%n%n",
                                f.path("checkpoint_interval_s").asDouble()))
                .append("| channel | visible p99 age high | normal | low |\n")
                .append("|---|---|---|---|\n");
        for (String c : new String[] {"voice", "image", "chat"}) {
            com.fasterxml.jackson.databind.JsonNode ages = f.path("visible_p99_age_s").path(c);
            md.append(
                    String.format(
                            java.util.Locale.ROOT,
                            "| %s | %.2f s | %.2f s | %.2f s |%n",
                            c,
                            ages.path("high").asDouble(),
                            ages.path("normal").asDouble(),
                            ages.path("low").asDouble()));
        }
        md.append('\n');
    }
}
