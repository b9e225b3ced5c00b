package dev.floodgate.job;

/**
 * Operator ids, in one place. Savepoints map state to operators by these ids: never change one of a
 * stateful operator or sink without a state migration. The backfill job and the savepoint tools use
 * the same constants.
 */
public final class Uids {
    public static final String SOURCE_INTERACTIONS = "source-interactions";
    public static final String PARSE = "parse";
    public static final String SINK_ARCHIVE = "sink-archive";
    public static final String ORDER_PER_CUSTOMER = "order-per-customer";
    public static final String SHED = "shed";
    public static final String PROCESS = "process";
    public static final String SPLIT_OUTCOMES = "split-outcomes";
    public static final String SINK_PROCESSED = "sink-processed";
    public static final String SINK_SHED = "sink-shed";
    public static final String SINK_DEAD_LETTERS = "sink-dlq";

    /**
     * Backfill-only operators: never in the live job, so a live savepoint has no state for them.
     */
    public static final String SOURCE_SHED = "source-shed";

    public static final String SOURCE_REPLAY = "source-replay";
    public static final String RATE_LIMIT = "rate-limit";
    public static final String DRAIN_PROCESS = "drain-process";
    public static final String DRAIN_SPLIT_OUTCOMES = "drain-split-outcomes";

    /**
     * The backfill's own sinks: never the live sinks' ids, so a replay never restores the live
     * transactions.
     */
    public static final String SINK_BACKFILL_PROCESSED = "sink-backfill-processed";

    public static final String SINK_BACKFILL_DEAD_LETTERS = "sink-backfill-dlq";

    private Uids() {}
}
