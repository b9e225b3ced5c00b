package dev.floodgate.job;

import java.time.Duration;
import java.util.Locale;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;

/**
 * How long a Kafka transaction of the sinks may have to live, and the check that {@code
 * --transaction-timeout} outlives it. A transaction opened after checkpoint N-1 is pre-committed at
 * checkpoint N and committed only when a checkpoint completes: up to one interval, then up to
 * {@code tolerable-failed-checkpoints + 1} checkpoints each running to its timeout, then, when the
 * job fails over, the restart delay before the restored committer commits it. If the broker aborts
 * the transaction first (its timeout passed), the committer finds the producer fenced and drops the
 * committable while the source has moved on: the events are lost. So the job refuses to start when
 * the timeout does not exceed that bound (issue 16, section 1).
 */
public final class TransactionBudget {
    private TransactionBudget() {}

    /**
     * The longest a transaction can wait for its commit under {@code conf} (the cluster's and the
     * job's Flink configuration) with checkpoints every {@code interval}.
     */
    public static Duration longestUncommitted(ReadableConfig conf, Duration interval) {
        Duration timeout = conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT);
        int tolerable = conf.getOptional(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER).orElse(0);
        return interval.plus(timeout.multipliedBy(Math.max(0, tolerable) + 1L))
                .plus(restartAllowance(conf));
    }

    /** The longest delay before a failed-over job runs again, by the restart strategy. */
    static Duration restartAllowance(ReadableConfig conf) {
        String strategy =
                conf.getOptional(RestartStrategyOptions.RESTART_STRATEGY)
                        .orElse("exponential-delay") // Flink's default with checkpointing on
                        .toLowerCase(Locale.ROOT);
        switch (strategy) {
            case "none":
            case "off":
            case "disable":
                return Duration.ZERO;
            case "fixed-delay":
            case "fixeddelay":
                return conf.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY);
            case "failure-rate":
            case "failurerate":
                return conf.get(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY);
            default:
                Duration max =
                        conf.get(
                                RestartStrategyOptions
                                        .RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF);
                double jitter =
                        conf.get(
                                RestartStrategyOptions
                                        .RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR);
                return Duration.ofMillis((long) Math.ceil(max.toMillis() * (1 + jitter)));
        }
    }

    /**
     * Refuses a transaction timeout that a transaction can outlive before its commit; the message
     * names every option involved.
     */
    public static void check(ReadableConfig conf, Duration interval, Duration transactionTimeout) {
        Duration longest = longestUncommitted(conf, interval);
        if (transactionTimeout.compareTo(longest) <= 0) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "Invalid options:%noption --%s (%s) must exceed how long a transaction can"
                                    + " wait for its commit, %s: the checkpoint interval (--%s, else %s) (%s) + %s (%s) x (%s (%d) + 1)"
                                    + " + the restart delay of %s (%s). Otherwise the broker aborts"
                                    + " it and its events are lost. Raise --%s (at most the broker's"
                                    + " transaction.max.timeout.ms) or lower the checkpoint timeout,"
                                    + " the tolerated failures or the restart delay.",
                            FloodgateOptions.TRANSACTION_TIMEOUT.key,
                            transactionTimeout,
                            longest,
                            FloodgateOptions.CHECKPOINT_INTERVAL.key,
                            CheckpointingOptions.CHECKPOINTING_INTERVAL.key(),
                            interval,
                            CheckpointingOptions.CHECKPOINTING_TIMEOUT.key(),
                            conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT),
                            CheckpointingOptions.TOLERABLE_FAILURE_NUMBER.key(),
                            conf.getOptional(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)
                                    .orElse(0),
                            RestartStrategyOptions.RESTART_STRATEGY.key(),
                            restartAllowance(conf),
                            FloodgateOptions.TRANSACTION_TIMEOUT.key));
        }
    }
}
