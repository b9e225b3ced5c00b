package dev.floodgate.job.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A local Flink cluster with the web UI, for the embedded default: one JobManager and one TaskManager in this
 * process, REST on 127.0.0.1. Jobs are submitted through REST, as to any cluster, so several jobs (live job,
 * backfill) can run on it one after another.
 */
public final class LocalFlinkCluster implements AutoCloseable {
    private final MiniCluster cluster;
    private final int restPort;

    private LocalFlinkCluster(MiniCluster cluster, int restPort) {
        this.cluster = cluster;
        this.restPort = restPort;
    }

    public static LocalFlinkCluster start(int restPort, int slots, Configuration extra) throws Exception {
        requireFree(restPort);
        Configuration conf = new Configuration(extra);
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, restPort);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
        cluster.start();
        return new LocalFlinkCluster(cluster, restPort);
    }

    /** Fails early, naming the port and the option to choose another, when something already listens there. */
    static void requireFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new IllegalArgumentException("port " + port + " on 127.0.0.1 is already in use (is another "
                    + "Flink cluster or demo running?): stop it, or choose another port with --rest-port");
        }
    }

    public String webUrl() {
        return "http://localhost:" + restPort;
    }

    public int restPort() {
        return restPort;
    }

    /** The cluster itself, for tools that stop and start TaskManagers (the benchmark's recovery run). */
    public MiniCluster miniCluster() {
        return cluster;
    }

    /** An environment whose jobs go to this cluster. */
    public StreamExecutionEnvironment environment(Configuration jobConf) {
        return StreamExecutionEnvironment.createRemoteEnvironment("127.0.0.1", restPort, jobConf);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
