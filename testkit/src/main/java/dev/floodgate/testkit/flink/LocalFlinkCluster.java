package dev.floodgate.testkit.flink;

import dev.floodgate.testkit.net.FreePorts;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.RemoteStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A local Flink cluster with the web UI, for the embedded default: one JobManager and one
 * TaskManager in this process, REST on 127.0.0.1, the Prometheus reporter, buffer debloating as in
 * {@code flink-conf/}, and a 1 s metrics fetch for the backpressure tab and the demo's live view.
 * Jobs are submitted through REST, as to any cluster, so several jobs (live job, backfill) can run
 * on it one after another.
 */
public final class LocalFlinkCluster implements AutoCloseable {
    private final MiniCluster cluster;
    private final int restPort;
    private final int prometheusPort;

    private LocalFlinkCluster(MiniCluster cluster, int restPort, int prometheusPort) {
        this.cluster = cluster;
        this.restPort = restPort;
        this.prometheusPort = prometheusPort;
    }

    static final int START_ATTEMPTS = 3;

    /** Starts the cluster; {@code prometheusPort} 0 leaves the Prometheus reporter out. */
    public static LocalFlinkCluster start(
            int restPort, int prometheusPort, int slots, Configuration extra) throws Exception {
        requireFree(restPort, "--rest-port", "Flink cluster");
        Configuration conf = new Configuration(extra);
        if (prometheusPort > 0) {
            requireFree(prometheusPort, "--prometheus-port", "Flink cluster's Prometheus endpoint");
            // the reporter binds all interfaces: it has no host option
            conf.setString(
                    "metrics.reporter.prom.factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", Integer.toString(prometheusPort));
        }
        conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
        // the web UI's backpressure tab and the demo's live view read metrics through REST: fetch
        // them each second
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, restPort);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(slots)
                                .build());
        try {
            cluster.start();
        } catch (Exception e) {
            cluster.closeAsync().get();
            throw e;
        }
        return new LocalFlinkCluster(cluster, restPort, prometheusPort);
    }

    /**
     * {@link #start} on ports {@link FreePorts} picks (the Prometheus reporter only with {@code
     * prometheus}), started again on new ones, at most {@value #START_ATTEMPTS} times, when a port
     * was taken between the pick and the bind (another process may bind any port meanwhile).
     */
    public static LocalFlinkCluster startOnFreePorts(
            boolean prometheus, int slots, Configuration extra) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int[] ports = FreePorts.several(2);
            try {
                return start(ports[0], prometheus ? ports[1] : 0, slots, extra);
            } catch (Exception e) {
                if (attempt >= START_ATTEMPTS || !portTaken(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean portTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t instanceof IllegalArgumentException
                            && t.getMessage() != null
                            && t.getMessage().contains("already in use"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fails early, naming the port and the option to choose another, when something already listens
     * there.
     */
    public static void requireFree(int port, String option, String what) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "port "
                            + port
                            + " on 127.0.0.1 is already in use (is another "
                            + what
                            + " or demo running?): stop it, or choose another port with "
                            + option);
        }
    }

    /** The Prometheus endpoint, or null without the reporter. */
    public String prometheusUrl() {
        return prometheusPort > 0 ? "http://localhost:" + prometheusPort + "/metrics" : null;
    }

    /** How many Flink series the Prometheus endpoint serves now (0 if it does not answer). */
    public long prometheusSeries() {
        try {
            java.net.http.HttpResponse<java.util.stream.Stream<String>> r =
                    java.net.http.HttpClient.newHttpClient()
                            .send(
                                    java.net.http.HttpRequest.newBuilder(
                                                    java.net.URI.create(prometheusUrl()))
                                            .build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofLines());
            try (java.util.stream.Stream<String> lines = r.body()) {
                return lines.filter(l -> l.startsWith("flink_")).count();
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    public String webUrl() {
        return "http://localhost:" + restPort;
    }

    public int restPort() {
        return restPort;
    }

    /**
     * The cluster itself, for tools that stop and start TaskManagers (the benchmark's recovery
     * run).
     */
    public MiniCluster miniCluster() {
        return cluster;
    }

    /**
     * An environment whose jobs go to this cluster. A savepoint to start from is taken from {@code
     * jobConf}'s {@code execution.state-recovery.*} keys, all of them: the remote environment
     * otherwise resets {@code ignore-unclaimed-state} to false while keeping the path.
     */
    public StreamExecutionEnvironment environment(Configuration jobConf) {
        return new RemoteStreamEnvironment(
                "127.0.0.1",
                restPort,
                jobConf,
                new String[0],
                null,
                SavepointRestoreSettings.fromConfiguration(jobConf));
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
