package dev.floodgate.job;

/**
 * Operator ids, in one place. Savepoints map state to operators by these ids: never change one of a
 * stateful operator or sink without a state migration. The backfill job and the savepoint tools use
 * the same constants.
 */
public final class Uids {
    public static final String SOURCE_INTERACTIONS = "source-interactions";

    /**
     * The broker lag monitor (stateless pass-through after the source): a savepoint taken before it
     * existed restores into a job with it, since it has no state to map.
     */
    public static final String BROKER_LAG_MONITOR = "broker-lag-monitor";

    public static final String PARSE = "parse";
    public static final String SINK_ARCHIVE = "sink-archive";
    public static final String ORDER_PER_CUSTOMER = "order-per-customer";

    /**
     * Admission and the per-channel processing lanes ({@code ProcessInLanes}): keyed state of the
     * admitted events. Replaces {@code shed} + {@code process} + {@code split-outcomes} of
     * savepoints before the lanes (see docs/operating.md: an upgrade from those needs {@code flink
     * stop --drain}).
     */
    public static final String PROCESS_LANES = "process-lanes";

    /** Mapping the ordering operator's late events onto the shed lane (stateless). */
    public static final String LATE_TO_SHED = "late-to-shed";

    public static final String SINK_PROCESSED = "sink-processed";
    public static final String SINK_SHED = "sink-shed";
    public static final String SINK_DEAD_LETTERS = "sink-dlq";

    /**
     * Backfill-only operators: never in the live job, so a live savepoint has no state for them.
     */
    public static final String SOURCE_SHED = "source-shed";

    public static final String SOURCE_REPLAY = "source-replay";
    public static final String RATE_LIMIT = "rate-limit";

    /** The drain's progress marks (stateless). */
    public static final String MARK_DRAIN_PROGRESS = "mark-drain-progress";

    /** The drain's lanes: settled at every checkpoint, no state (since issue 32). */
    public static final String DRAIN_PROCESS_LANES = "drain-process-lanes";

    /**
     * The drain's one transactional sink (results, dead letters, events shed again, marks) and the
     * stateless maps onto its record type.
     */
    public static final String SINK_DRAIN_OUTPUTS = "sink-drain-outputs";

    public static final String DRAIN_PROCESSED_OUT = "drain-processed-out";
    public static final String DRAIN_DEAD_LETTERS_OUT = "drain-dlq-out";
    public static final String DRAIN_SHED_AGAIN_OUT = "drain-shed-again-out";
    public static final String DRAIN_MARKS_OUT = "drain-marks-out";

    /** The replay's calls whose service still fails become dead letters (stateless). */
    public static final String BACKFILL_SHED_TO_DLQ = "backfill-shed-to-dlq";

    /**
     * Ids of earlier versions, never to be reused: their savepoint state has another form. {@code
     * process} held Flink async I/O's in-flight list state; {@code sink-drain-progress} and {@code
     * sink-backfill-shed} were the drain's separate marks and shed-again sinks (issue 32: one
     * sink).
     */
    public static final java.util.List<String> RETIRED =
            java.util.List.of(
                    "shed",
                    "process",
                    "split-outcomes",
                    "drain-process",
                    "drain-split-outcomes",
                    "sink-drain-progress",
                    "sink-backfill-shed");

    /**
     * The backfill's own sinks: never the live sinks' ids, so a replay never restores the live
     * transactions.
     */
    public static final String SINK_BACKFILL_PROCESSED = "sink-backfill-processed";

    public static final String SINK_BACKFILL_DEAD_LETTERS = "sink-backfill-dlq";

    private Uids() {}
}
