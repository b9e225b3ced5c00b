package dev.floodgate.job.cluster;

import dev.floodgate.testkit.cluster.ClusterSh;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples, every {@code periodMillis}, the processing lanes' gauges and shed counters on the
 * Prometheus endpoint of each live TaskManager process of a cluster test (the metrics {@code
 * LaneMetrics} exports with a {@code channel} label): calls in flight and the lane's limit, queued
 * events, the completion rate, the predicted wait and the events shed for {@code predicted_wait},
 * per subtask. A test prints the timeline of a channel when something was shed, so that the cause
 * is in the failure's log and not guessed: which of the limit, the completion rate and the queue
 * made the predicted wait long.
 */
final class LaneSampler implements AutoCloseable {
    private static final Pattern SAMPLE =
            Pattern.compile(
                    "^flink_taskmanager_job_task_operator_channel_(?:reason_)?(inFlight|inFlightLimit|queued|completionRate|predictedWaitMs|shedByReason)\\{(.*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final List<String> COLUMNS =
            List.of(
                    "inFlight",
                    "inFlightLimit",
                    "queued",
                    "completionRate",
                    "predictedWaitMs",
                    "shedByReason");

    private final ClusterSh cluster;
    private final long start;
    private final Thread thread;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String[]> rows = new ArrayList<>(); // {channel, line}
    private volatile boolean running = true;

    LaneSampler(ClusterSh cluster, long start, long periodMillis) {
        this.cluster = cluster;
        this.start = start;
        thread =
                new Thread(
                        () -> {
                            while (running) {
                                sample();
                                try {
                                    Thread.sleep(periodMillis);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "lane-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        long t = System.currentTimeMillis() - start;
        List<String> names;
        try {
            names = cluster.liveProcesses();
        } catch (Exception e) {
            return;
        }
        for (String tm : names) {
            if (!tm.startsWith("taskmanager")) {
                continue;
            }
            String body;
            try {
                int port = cluster.reporterPort(tm);
                body =
                        http.send(
                                        HttpRequest.newBuilder(
                                                        URI.create(
                                                                "http://127.0.0.1:"
                                                                        + port
                                                                        + "/metrics"))
                                                .timeout(Duration.ofSeconds(3))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body();
            } catch (Exception e) {
                continue; // not up yet, or killed
            }
            // channel -> subtask -> column -> value
            Map<String, Map<String, Map<String, String>>> values = new TreeMap<>();
            for (String line : body.split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                Map<String, String> labels = new TreeMap<>();
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
                if (m.group(1).equals("shedByReason")
                        && !"predicted_wait".equals(labels.get("reason"))) {
                    continue;
                }
                values.computeIfAbsent(labels.getOrDefault("channel", "?"), k -> new TreeMap<>())
                        .computeIfAbsent(
                                labels.getOrDefault("subtask_index", "?"), k -> new TreeMap<>())
                        .put(m.group(1), m.group(3));
            }
            synchronized (this) {
                values.forEach(
                        (channel, bySubtask) ->
                                bySubtask.forEach(
                                        (subtask, v) -> {
                                            StringBuilder sb =
                                                    new StringBuilder(
                                                            String.format(
                                                                    Locale.ROOT,
                                                                    "+%6.1f s %s/%s",
                                                                    t / 1000.0,
                                                                    tm,
                                                                    subtask));
                                            for (String c : COLUMNS) {
                                                sb.append(' ')
                                                        .append(c)
                                                        .append(' ')
                                                        .append(v.getOrDefault(c, "-"));
                                            }
                                            rows.add(new String[] {channel, sb.toString()});
                                        }));
            }
        }
    }

    /** The samples of one channel, a line each, in time order. */
    synchronized String timeline(String channel) {
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            if (r[0].equals(channel)) {
                sb.append("\n  ").append(r[1]);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
