package dev.floodgate.job;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs' checkpointing: one source of truth for each setting, and no reliance on a cluster's
 * defaults for liveness (issue 33, item 4; the table is in docs/operating.md, "Checkpointing: who
 * sets what").
 *
 * <ul>
 *   <li>The <b>interval</b>: {@code --checkpoint-interval} when given, else the cluster's {@code
 *       execution.checkpointing.interval} (the configuration the job is submitted with: {@code
 *       flink-conf/config.yaml}, a manifest's {@code flinkConfiguration}, {@code -D}), else {@link
 *       #DEFAULT_INTERVAL}. The mode is always exactly once: the Kafka sinks commit on checkpoints.
 *   <li>The <b>liveness settings</b> the design needs (the timeout, the tolerated failures and, for
 *       the live job and the replay, unaligned checkpoints after an aligned timeout) are set by the
 *       job unless the cluster configured them explicitly: a stock session cluster has a 10 min
 *       timeout that outlives the transactions, fails the job over at the first failed checkpoint
 *       and keeps barriers behind a backpressured lane's buffers. The drain forces aligned
 *       checkpoints ({@link BackfillJob#defineDrain}).
 *   <li><b>Buffer debloating</b> is a TaskManager setting a job cannot set for its tasks: the job
 *       only warns, naming the key, when the configuration it was submitted with does not enable
 *       it.
 * </ul>
 */
public final class Checkpointing {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointing.class);

    private Checkpointing() {}

    /**
     * The interval when neither {@code --checkpoint-interval} nor the cluster sets one. Output is
     * committed, and so visible to {@code read_committed} readers, only when a checkpoint
     * completes: a result waits up to one interval plus the checkpoint's duration after it was
     * processed. 1 s keeps chat visible within 2 s and voice {@code high} within 3 s of its log
     * time during a 3x flood (issue 30; 10 s before: 10.2 s and 10.7 s), at a cost of ten times the
     * transactions and transactional ids of 10 s (docs/operating.md, "Transactional ids").
     */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    /**
     * The checkpoint timeout when the cluster sets none: Flink's default (10 min) alone outlasts
     * the default transaction timeout.
     */
    public static final Duration TIMEOUT = Duration.ofMinutes(2);

    /**
     * Failed checkpoints in a row the jobs tolerate before failing over, when the cluster sets
     * none: Flink's default (0) restarts the job at the first checkpoint that expires (a slow
     * object store, a long GC, a checkpoint behind a slow service), and a restart re-reads and
     * re-sends everything since the last completed one.
     */
    public static final int TOLERABLE_FAILED_CHECKPOINTS = 3;

    /**
     * How long a checkpoint stays aligned before its barriers overtake the in-flight data, when the
     * cluster sets none (live job and replay). Under backpressure an aligned barrier waits behind
     * the buffered input, and every result of the job waits with it for its commit: 1 s bounds that
     * wait to about one interval (docs/benchmarks.md, section 2: unaligned after 1 s, every
     * checkpoint within 1.3 s under full backpressure); without backpressure a checkpoint aligns
     * well within it and carries no in-flight data.
     */
    public static final Duration ALIGNED_CHECKPOINT_TIMEOUT = Duration.ofSeconds(1);

    /**
     * The checkpoint interval the job runs with: {@code --checkpoint-interval}, else the cluster's
     * {@code execution.checkpointing.interval}, else {@link #DEFAULT_INTERVAL}.
     */
    public static Duration interval(ReadableConfig cluster, FloodgateOptions options) {
        return options.get(FloodgateOptions.CHECKPOINT_INTERVAL)
                .or(() -> cluster.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .orElse(DEFAULT_INTERVAL);
    }

    /** Where {@link #interval} comes from, for the start log and the budget's message. */
    static String intervalSource(ReadableConfig cluster, FloodgateOptions options) {
        if (options.get(FloodgateOptions.CHECKPOINT_INTERVAL).isPresent()) {
            return "--" + FloodgateOptions.CHECKPOINT_INTERVAL.key;
        }
        if (cluster.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isPresent()) {
            return "the cluster's " + CheckpointingOptions.CHECKPOINTING_INTERVAL.key();
        }
        return "the job's default";
    }

    /**
     * Applies the checkpointing of Floodgate's jobs to {@code env}, whose configuration is the
     * cluster's as submitted; returns the interval. {@code unaligned}: unaligned checkpoints after
     * {@link #ALIGNED_CHECKPOINT_TIMEOUT} unless the cluster chose (the live job and the replay;
     * the drain turns them off itself).
     */
    static Duration configure(
            StreamExecutionEnvironment env, FloodgateOptions options, boolean unaligned) {
        ReadableConfig cluster = env.getConfiguration();
        String source = intervalSource(cluster, options);
        Duration interval = interval(cluster, options);
        boolean clusterTimeout =
                cluster.getOptional(CheckpointingOptions.CHECKPOINTING_TIMEOUT).isPresent();
        boolean clusterTolerable =
                cluster.getOptional(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER).isPresent();
        boolean clusterUnaligned =
                cluster.getOptional(CheckpointingOptions.ENABLE_UNALIGNED).isPresent();
        boolean clusterAlignedTimeout =
                cluster.getOptional(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT).isPresent();

        env.enableCheckpointing(interval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        CheckpointConfig c = env.getCheckpointConfig();
        if (!clusterTimeout) {
            c.setCheckpointTimeout(TIMEOUT.toMillis());
        }
        if (!clusterTolerable) {
            c.setTolerableCheckpointFailureNumber(TOLERABLE_FAILED_CHECKPOINTS);
        } else if (c.getTolerableCheckpointFailureNumber() == 0) {
            LOG.warn(
                    "{} is 0 in the cluster's configuration: the first checkpoint that fails or "
                            + "expires fails the job over (the job's own value, {}, applies only "
                            + "where the cluster sets none)",
                    CheckpointingOptions.TOLERABLE_FAILURE_NUMBER.key(),
                    TOLERABLE_FAILED_CHECKPOINTS);
        }
        if (unaligned) {
            if (!clusterUnaligned) {
                c.enableUnalignedCheckpoints(true);
            } else if (!c.isUnalignedCheckpointsEnabled()) {
                LOG.warn(
                        "{} is false in the cluster's configuration: under backpressure the "
                                + "checkpoints' barriers wait behind the lanes' buffered input and "
                                + "can expire",
                        CheckpointingOptions.ENABLE_UNALIGNED.key());
            }
            if (!clusterAlignedTimeout) {
                c.setAlignedCheckpointTimeout(ALIGNED_CHECKPOINT_TIMEOUT);
            }
        }
        if (!cluster.getOptional(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED).orElse(false)) {
            LOG.warn(
                    "{} is not enabled in the configuration this job was submitted with: it is a "
                            + "TaskManager setting the job cannot set; without it, network "
                            + "buffers hold more in-flight data under backpressure and unaligned "
                            + "checkpoints carry it (flink-conf/config.yaml enables it)",
                    TaskManagerOptions.BUFFER_DEBLOAT_ENABLED.key());
        }
        LOG.info(
                "checkpointing: exactly once every {} ({}), timeout {} ({}), {} tolerated failures"
                        + " ({}), unaligned {} after {} ({})",
                interval,
                source,
                Duration.ofMillis(c.getCheckpointTimeout()),
                clusterTimeout ? "cluster" : "job",
                c.getTolerableCheckpointFailureNumber(),
                clusterTolerable ? "cluster" : "job",
                c.isUnalignedCheckpointsEnabled(),
                c.getAlignedCheckpointTimeout(),
                unaligned && !(clusterUnaligned && clusterAlignedTimeout) ? "job" : "cluster");
        return interval;
    }
}
