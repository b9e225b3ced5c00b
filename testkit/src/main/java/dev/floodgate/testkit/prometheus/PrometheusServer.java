package dev.floodgate.testkit.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real {@code prometheus} process (Debian's package: the binary on the PATH) for tests: it
 * listens on 127.0.0.1 at the given port, keeps its data in its own folder, scrapes the given
 * targets every second and evaluates the given rule file every second. Its HTTP API is read as
 * users read it: {@code /api/v1/alerts}, {@code /api/v1/query}, {@code /api/v1/series}. {@link
 * #close} stops the process it started, by its pid, and nothing else.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Process process;
    private final String base;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.base = "http://127.0.0.1:" + port;
        this.log = log;
    }

    /**
     * Starts prometheus in {@code dir} (config, data and log there) scraping {@code targets}
     * (host:port of /metrics endpoints) and loading {@code rules}; returns once it answers ready.
     */
    public static PrometheusServer start(Path dir, int port, List<String> targets, Path rules)
            throws IOException, InterruptedException {
        return start(dir, port, "flink", targets, rules);
    }

    /**
     * As {@link #start(Path, int, List, Path)}, the targets' scrape job named {@code jobName}: the
     * {@code job} label of their series and of their {@code up} series (the Prometheus Operator
     * names a PodMonitor's "namespace/name").
     */
    public static PrometheusServer start(
            Path dir, int port, String jobName, List<String> targets, Path rules)
            throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("data"));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "global:",
                        "  scrape_interval: 1s",
                        "  scrape_timeout: 1s",
                        "  evaluation_interval: 1s",
                        "rule_files:",
                        "  - " + rules.toAbsolutePath(),
                        "scrape_configs:",
                        "  - job_name: '" + jobName + "'",
                        "    static_configs:",
                        "      - targets: ["
                                + targets.stream()
                                        .map(t -> "'" + t + "'")
                                        .collect(Collectors.joining(", "))
                                + "]",
                        ""));
        Path log = dir.resolve("prometheus.log");
        ProcessBuilder pb =
                new ProcessBuilder(
                                "prometheus",
                                "--config.file=" + config,
                                "--storage.tsdb.path=" + dir.resolve("data"),
                                "--web.listen-address=127.0.0.1:" + port)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(
                    "cannot run prometheus (Debian's prometheus package; scripts/install-test-tools installs it)",
                    e);
        }
        PrometheusServer server = new PrometheusServer(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!server.ready()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException(
                        "prometheus did not get ready in 30 s (exit "
                                + (p.isAlive() ? "none" : p.exitValue())
                                + "):\n"
                                + Files.readString(log));
            }
            Thread.sleep(200);
        }
        return server;
    }

    private boolean ready() {
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The active (pending or firing) alerts: {@code data.alerts} of {@code /api/v1/alerts}. */
    public JsonNode alerts() throws IOException, InterruptedException {
        return get("/api/v1/alerts").path("data").path("alerts");
    }

    /** An instant query at {@code timeSeconds} (epoch): {@code data.result}. */
    public JsonNode query(String promql, double timeSeconds)
            throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + encode(promql) + "&time=" + timeSeconds)
                .path("data")
                .path("result");
    }

    /** The series matching {@code selector} with samples between the times (epoch seconds). */
    public JsonNode series(String selector, double startSeconds, double endSeconds)
            throws IOException, InterruptedException {
        return get("/api/v1/series?match[]="
                        + encode(selector)
                        + "&start="
                        + startSeconds
                        + "&end="
                        + endSeconds)
                .path("data");
    }

    /** The scrape targets and their health: {@code data.activeTargets} of /api/v1/targets. */
    public JsonNode targets() throws IOException, InterruptedException {
        return get("/api/v1/targets").path("data").path("activeTargets");
    }

    public String url() {
        return base;
    }

    public Path log() {
        return log;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return MAPPER.readTree(r.body());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Stops the process by its pid: SIGTERM, then SIGKILL after 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
