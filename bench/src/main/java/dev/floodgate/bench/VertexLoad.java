package dev.floodgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.testkit.flink.FlinkRest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Samples, every two seconds while a job runs, how busy and how backpressured each of its vertices
 * (operator chains) is, from the REST API's subtask metrics (average over subtasks), and prints the
 * means: the chain that is busy while the others are backpressured is the bottleneck.
 */
final class VertexLoad implements AutoCloseable {
    private final Map<String, double[]> sums =
            new LinkedHashMap<>(); // busy, backpressured, samples
    private final Thread sampler;
    private volatile boolean running = true;

    VertexLoad(FlinkRest rest, String jobId) {
        sampler =
                new Thread(
                        () -> {
                            while (running) {
                                try {
                                    sample(rest, jobId);
                                    Thread.sleep(2000);
                                } catch (InterruptedException e) {
                                    return;
                                } catch (Exception e) {
                                    // the job may be finishing; a missed sample is no error
                                }
                            }
                        },
                        "vertex-load");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample(FlinkRest rest, String jobId) throws Exception {
        for (JsonNode v : rest.get("/jobs/" + jobId).path("vertices")) {
            JsonNode m =
                    rest.get(
                            "/jobs/"
                                    + jobId
                                    + "/vertices/"
                                    + v.path("id").asText()
                                    + "/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond&agg=avg");
            double busy = Double.NaN;
            double backpressured = Double.NaN;
            for (JsonNode metric : m) {
                if (metric.path("id").asText().equals("busyTimeMsPerSecond")) {
                    busy = metric.path("avg").asDouble();
                } else {
                    backpressured = metric.path("avg").asDouble();
                }
            }
            if (!Double.isNaN(busy) && !Double.isNaN(backpressured)) {
                synchronized (sums) {
                    double[] s = sums.computeIfAbsent(v.path("name").asText(), k -> new double[3]);
                    s[0] += busy;
                    s[1] += backpressured;
                    s[2]++;
                }
            }
        }
    }

    /**
     * Stops sampling and prints each vertex's mean busy and backpressured time, in ms per second.
     */
    void report(BenchResults results, String section) throws InterruptedException {
        close();
        synchronized (sums) {
            sums.forEach(
                    (name, s) ->
                            results.note(
                                    section,
                                    String.format(
                                            "busy %4.0f ms/s, backpressured %4.0f ms/s"
                                                    + " (mean of %.0f samples): %s",
                                            s[0] / s[2],
                                            s[1] / s[2],
                                            s[2],
                                            name.length() > 90
                                                    ? name.substring(0, 90) + "..."
                                                    : name)));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join();
    }
}
