package dev.floodgate.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped monitoring files as a live test needs them: k8s/monitoring/rules.yaml (its alert
 * names and the series names its expressions use; a copy with shorter {@code for:} durations) and
 * k8s/monitoring/dashboard.json (every panel query, with Grafana's variables replaced by what a
 * user's dashboard would send, and the series names they use).
 */
final class ShippedMonitoring {
    private static final Pattern ALERT = Pattern.compile("(?m)^\\s*- alert: (\\S+)\\s*$");
    private static final Pattern FOR = Pattern.compile("(?m)^(\\s+)for: \\S+\\s*$");
    private static final Pattern SERIES = Pattern.compile("\\bflink_[A-Za-z0-9_]+");

    final Path rules;
    final Path dashboard;

    ShippedMonitoring(Path root) {
        this.rules = root.resolve("k8s/monitoring/rules.yaml");
        this.dashboard = root.resolve("k8s/monitoring/dashboard.json");
    }

    List<String> alertNames() throws IOException {
        List<String> names = new ArrayList<>();
        Matcher m = ALERT.matcher(Files.readString(rules));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * The rules with every {@code for:} set to {@code duration}; expressions and thresholds are
     * untouched (the lines of the file other than the for: lines stay byte for byte).
     */
    Path withForDurations(Path target, String duration) throws IOException {
        String text = Files.readString(rules);
        Matcher m = FOR.matcher(text);
        int count = 0;
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, m.group(1) + "for: " + duration);
            count++;
        }
        m.appendTail(out);
        if (count == 0) {
            throw new IllegalStateException("no for: line in " + rules);
        }
        Files.writeString(target, out.toString());
        return target;
    }

    /** The flink_* series names used by the alert expressions. */
    Set<String> ruleSeries() throws IOException {
        return series(Files.readString(rules));
    }

    /**
     * Every panel query, by "panel title #n", as Grafana sends it with the namespace variable on
     * All ({@code .*}) and {@code $__rate_interval} at 15 s (four scrape intervals of 1 s plus
     * margin, as Grafana computes it from the data source's scrape interval).
     */
    Map<String, String> panelQueries() throws IOException {
        JsonNode d = new ObjectMapper().readTree(dashboard.toFile());
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : d.path("panels")) {
            int n = 0;
            for (JsonNode t : panel.path("targets")) {
                String expr =
                        t.path("expr")
                                .asText()
                                .replace("$__rate_interval", "15s")
                                .replace("$namespace", ".*");
                queries.put(panel.path("title").asText() + " #" + (++n), expr);
            }
        }
        return queries;
    }

    /** The flink_* series names the dashboard's panel and variable queries use. */
    Set<String> dashboardSeries() throws IOException {
        Set<String> names = series(String.join("\n", panelQueries().values()));
        for (JsonNode variable :
                new ObjectMapper().readTree(dashboard.toFile()).path("templating").path("list")) {
            names.addAll(series(variable.path("query").asText()));
        }
        return names;
    }

    static Set<String> series(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = SERIES.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
