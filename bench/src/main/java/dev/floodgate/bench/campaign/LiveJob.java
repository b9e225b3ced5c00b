package dev.floodgate.bench.campaign;

import dev.floodgate.job.FaultHookJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The campaign's live job across its savepoint restores: the current job id, parallelism and
 * processor version ({@code v1}, then {@code v2} after the first upgrade, ...), and the restarts of
 * all of them.
 */
final class LiveJob {
    private final ClusterControl cluster;
    private final Path faultJar;
    private final List<String> options;
    String id;
    int parallelism;
    int version = 1;

    LiveJob(ClusterControl cluster, Path faultJar, List<String> options) {
        this.cluster = cluster;
        this.faultJar = faultJar;
        this.options = options;
    }

    void submit(int parallelism, String savepoint) throws Exception {
        List<String> args = new ArrayList<>(options);
        args.addAll(
                List.of(
                        "--parallelism",
                        Integer.toString(parallelism),
                        "--processor-version",
                        processorVersion()));
        id = cluster.submit(faultJar, FaultHookJob.class.getName(), savepoint, args);
        if (!id.matches("[0-9a-f]{32}")) {
            throw new IllegalStateException("no job id from submit: " + id);
        }
        this.parallelism = parallelism;
    }

    /** The version the job's results name: {@code http-<version>} in their processor field. */
    String processorVersion() {
        return "v" + version;
    }

    /** Stops the job with a savepoint; returns the savepoint's path. */
    String stopWithSavepoint() throws Exception {
        return cluster.stopWithSavepoint(id);
    }

    /** Restarts of every live job of the campaign so far. */
    long restarts() throws Exception {
        return cluster.liveRestarts();
    }

    long completedCheckpoints() throws Exception {
        return cluster.rest.completedCheckpoints(id);
    }

    /** Blocks until the next checkpoint completes (at most {@code timeoutMillis}). */
    void awaitNextCheckpoint(long timeoutMillis) throws Exception {
        long before = completedCheckpoints();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (completedCheckpoints() == before) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(
                        "no checkpoint completed in " + timeoutMillis + " ms");
            }
            Thread.sleep(20);
        }
    }
}
