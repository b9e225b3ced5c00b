package dev.floodgate.job.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * A job's state on {@code s3://} as the manifests keep it: RocksDB with incremental checkpoints,
 * checkpoints and savepoints under one base path, every state file an object of its own (none
 * inline in the checkpoint's metadata); and reading it back through Flink's file systems (the
 * {@link S3Server}'s keys must be registered with {@code FileSystem.initialize}).
 */
public final class S3State {
    private S3State() {}

    /** The job settings: {@code <base>/checkpoints} and {@code <base>/savepoints}. */
    public static Configuration jobSettings(String base) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, base + "/checkpoints");
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, base + "/savepoints");
        conf.set(CheckpointingOptions.FS_SMALL_FILE_THRESHOLD, MemorySize.ZERO);
        return conf;
    }

    /**
     * Waits (up to 20 s) for a completed incremental checkpoint of job {@code jobId} under {@code
     * base}: its metadata in a chk-N folder and the RocksDB files in shared/. Checkpoints are
     * subsumed while the job runs, so the listing is retried until it catches the latest.
     */
    public static void awaitCheckpoint(String base, String jobId) throws Exception {
        Path jobDir = new Path(base + "/checkpoints/" + jobId);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> files = List.of();
        while (System.nanoTime() < deadline) {
            try {
                files = listFiles(jobDir).stream().map(p -> p.toUri().getPath()).toList();
            } catch (IOException subsumedWhileListing) {
                files = List.of();
            }
            boolean metadata = files.stream().anyMatch(f -> f.matches(".*/chk-\\d+/_metadata"));
            boolean shared = files.stream().anyMatch(f -> f.contains("/shared/"));
            if (metadata && shared) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(files)
                .as("a completed incremental checkpoint under %s", jobDir)
                .anyMatch(f -> f.matches(".*/chk-\\d+/_metadata"))
                .anyMatch(f -> f.contains("/shared/"));
    }

    /** Whether a savepoint's {@code _metadata} object exists. */
    public static boolean savepointExists(String savepoint) throws IOException {
        Path metadata = new Path(savepoint, "_metadata");
        return metadata.getFileSystem().exists(metadata);
    }

    /** Every file under {@code dir}, recursively. */
    public static List<Path> listFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        FileStatus[] children = dir.getFileSystem().listStatus(dir);
        if (children == null) {
            return files;
        }
        for (FileStatus child : children) {
            if (child.isDir()) {
                files.addAll(listFiles(child.getPath()));
            } else {
                files.add(child.getPath());
            }
        }
        return files;
    }
}
