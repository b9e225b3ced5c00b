package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sources.InteractionLogSource;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.runtime.partitioner.ForwardPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three graphs (live, drain, replay) as the jobs build them, with their real Kafka sources and
 * sinks (building them contacts no broker), turned into a StreamGraph and a JobGraph without
 * running: every operator carries an explicit uid (savepoints map state to operators by uid; an
 * operator without one gets a hash of the graph's shape, which any later change upstream would
 * alter, orphaning its state), the uids are exactly the constants of {@link Uids}, no retired uid
 * comes back, and every vertex has a name a person can read in the web UI and the metrics.
 */
class WorkflowGraphTest {
    /** Flink's sink v2 names its committer after the sink's uid. */
    private static final String COMMITTER_UID_PREFIX = "Sink Committer: ";

    /** What {@link Uids} documents as the backfill job's own: never in the live job. */
    private static final Set<String> BACKFILL_ONLY =
            Set.of(
                    Uids.SOURCE_SHED,
                    Uids.SOURCE_REPLAY,
                    Uids.RATE_LIMIT,
                    Uids.MARK_DRAIN_PROGRESS,
                    Uids.DRAIN_PROCESS_LANES,
                    Uids.SINK_DRAIN_OUTPUTS,
                    Uids.DRAIN_PROCESSED_OUT,
                    Uids.DRAIN_DEAD_LETTERS_OUT,
                    Uids.DRAIN_SHED_AGAIN_OUT,
                    Uids.DRAIN_MARKS_OUT,
                    Uids.BACKFILL_SHED_TO_DLQ,
                    Uids.SINK_BACKFILL_PROCESSED,
                    Uids.SINK_BACKFILL_DEAD_LETTERS);

    /** The live job's state the backfill must never restore: its source and transactions. */
    private static final Set<String> LIVE_EDGES =
            Set.of(
                    Uids.SOURCE_INTERACTIONS,
                    Uids.SINK_PROCESSED,
                    Uids.SINK_SHED,
                    Uids.SINK_DEAD_LETTERS,
                    Uids.SINK_ARCHIVE);

    /** Names Flink gives an operator nobody named. */
    private static final Set<String> DEFAULT_NAMES =
            Set.of(
                    "Map",
                    "Flat Map",
                    "Filter",
                    "Process",
                    "KeyedProcess",
                    "Co-Process",
                    "Co-Keyed-Process",
                    "Co-Map",
                    "Co-Flat Map",
                    "Sink",
                    "Unnamed",
                    "Custom Source",
                    "Custom Sink",
                    "Timestamps/Watermarks");

    @TempDir Path archive;

    @Test
    void theLiveJobUsesExactlyTheLiveUids() {
        StreamGraph live = live(true);
        assertEveryOperatorHasAUidAndAName(live);
        Set<String> expected = new TreeSet<>(uidConstants());
        expected.removeAll(BACKFILL_ONLY);
        assertThat(jobUids(live)).isEqualTo(expected);
    }

    @Test
    void withoutTheArchiveOnlyTheArchiveSinkIsMissing() {
        StreamGraph live = live(false);
        assertEveryOperatorHasAUidAndAName(live);
        Set<String> expected = new TreeSet<>(uidConstants());
        expected.removeAll(BACKFILL_ONLY);
        expected.remove(Uids.SINK_ARCHIVE);
        assertThat(jobUids(live)).isEqualTo(expected);
    }

    @Test
    void theDrainHasItsOwnSourceLanesAndSinks() throws Exception {
        // a call whose service still fails goes back to the shed lane through the drain's own
        // sink, never the live job's (sink-shed) and never to the dead letters
        StreamGraph drain = drain();
        assertEveryOperatorHasAUidAndAName(drain);
        assertThat(jobUids(drain))
                .containsExactlyInAnyOrder(
                        Uids.SOURCE_SHED,
                        Uids.MARK_DRAIN_PROGRESS,
                        Uids.PARSE,
                        Uids.RATE_LIMIT,
                        Uids.DRAIN_PROCESS_LANES,
                        Uids.DRAIN_PROCESSED_OUT,
                        Uids.DRAIN_DEAD_LETTERS_OUT,
                        Uids.DRAIN_SHED_AGAIN_OUT,
                        Uids.DRAIN_MARKS_OUT,
                        Uids.SINK_DRAIN_OUTPUTS);
        // started from a live savepoint by mistake, it must not pick up the live job's admitted
        // events or ordering state
        assertThat(jobUids(drain))
                .doesNotContain(Uids.PROCESS_LANES, Uids.ORDER_PER_CUSTOMER)
                .doesNotContainAnyElementsOf(LIVE_EDGES);
    }

    @Test
    void theDrainsLanesAreChainedToItsSourceAndEachSubtaskHasOneSink() throws Exception {
        // issue 32: no network buffer of backlog before the lanes (a barrier would wait behind it
        // at the service's pace), and a subtask's marks and outputs in one sink subtask, so one
        // transaction
        StreamGraph g = drain();
        JobGraph job = g.getJobGraph();
        JobVertex head =
                java.util.stream.StreamSupport.stream(job.getVertices().spliterator(), false)
                        .filter(v -> v.getName().contains("shed lane"))
                        .findFirst()
                        .orElseThrow();
        assertThat(head.getName()).contains("drain marks", "rate limit", "process in lanes");
        StreamNode lanes = node(g, Uids.DRAIN_PROCESS_LANES);
        assertThat(lanes.getStateKeySerializer()).as("no keyed state").isNull();
        StreamNode sink = node(g, Uids.SINK_DRAIN_OUTPUTS);
        assertThat(sink.getInEdges())
                .hasSize(4)
                .extracting(StreamEdge::getPartitioner)
                .allSatisfy(p -> assertThat(p).isInstanceOf(ForwardPartitioner.class));
    }

    @Test
    void theReplayRestoresTheLiveOrderingAndLanesButNotItsEdges() {
        // the replay has no later lane: a call that still fails is a dead letter
        StreamGraph replay = replay();
        assertEveryOperatorHasAUidAndAName(replay);
        assertThat(jobUids(replay))
                .containsExactlyInAnyOrder(
                        Uids.SOURCE_REPLAY,
                        Uids.PARSE,
                        Uids.RATE_LIMIT,
                        Uids.ORDER_PER_CUSTOMER,
                        Uids.PROCESS_LANES,
                        Uids.BACKFILL_SHED_TO_DLQ,
                        Uids.SINK_BACKFILL_PROCESSED,
                        Uids.SINK_BACKFILL_DEAD_LETTERS)
                .doesNotContainAnyElementsOf(LIVE_EDGES);
    }

    @Test
    void everyUidConstantIsUsedAndTheBackfillOnesOnlyByTheBackfill() throws Exception {
        Set<String> live = jobUids(live(true));
        Set<String> backfill = new TreeSet<>(jobUids(drain()));
        backfill.addAll(jobUids(replay()));
        Set<String> used = new TreeSet<>(live);
        used.addAll(backfill);
        assertThat(used).as("no constant of Uids is dead").isEqualTo(uidConstants());
        assertThat(backfill).containsAll(BACKFILL_ONLY);
        assertThat(live).doesNotContainAnyElementsOf(BACKFILL_ONLY);
    }

    @Test
    void noRetiredUidIsUsedOrDeclaredAgain() throws Exception {
        assertThat(Uids.RETIRED)
                .doesNotHaveDuplicates()
                .doesNotContainAnyElementsOf(uidConstants());
        for (StreamGraph g : List.of(live(true), drain(), replay())) {
            assertThat(allUids(g)).as(g.getJobName()).doesNotContainAnyElementsOf(Uids.RETIRED);
        }
    }

    @Test
    void theUidConstantsAreDistinct() {
        List<String> values = uidConstantList();
        assertThat(values).doesNotHaveDuplicates().allSatisfy(v -> assertThat(v).isNotBlank());
    }

    @Test
    void everyGraphBecomesAJobGraph() throws Exception {
        // the JobGraph is where Flink hashes the uids into operator ids and refuses duplicates
        for (StreamGraph g : List.of(live(true), live(false), drain(), replay())) {
            assertThatCode(g::getJobGraph).as(g.getJobName()).doesNotThrowAnyException();
        }
    }

    @Test
    void noTypeFallsBackToKryo() throws Exception {
        // pipeline.generic-types: false is set by the jobs; the graph's edges and keyed state
        // serializers are made while building it, so a generic type would have thrown above
        for (StreamGraph g : List.of(live(true), drain(), replay())) {
            assertThat(g.getExecutionConfig().getSerializerConfig().hasGenericTypesDisabled())
                    .as(g.getJobName())
                    .isTrue();
            for (StreamNode n : g.getStreamNodes()) {
                assertThat(n.getTypeSerializersIn())
                        .as(n.getOperatorName())
                        .noneMatch(t -> t instanceof KryoSerializer);
                assertThat(n.getTypeSerializerOut())
                        .as(n.getOperatorName())
                        .isNotInstanceOf(KryoSerializer.class);
            }
        }
    }

    @Test
    void theLanesFollowTheOrderingWithoutAShuffle() {
        // ordering and lanes are keyed by customer; the lanes reuse the ordering's partitioning
        // (reinterpretAsKeyedStream), so one customer's events stay in one subtask, in order
        for (StreamGraph g : List.of(live(true), replay())) {
            StreamNode lanes = node(g, Uids.PROCESS_LANES);
            assertThat(lanes.getStateKeySerializer()).as("keyed state").isNotNull();
            assertThat(lanes.getInEdges())
                    .extracting(StreamEdge::getPartitioner)
                    .allSatisfy(p -> assertThat(p).isInstanceOf(ForwardPartitioner.class));
            assertThat(lanes.getInEdges())
                    .extracting(e -> g.getStreamNode(e.getSourceId()).getTransformationUID())
                    .containsOnly(Uids.ORDER_PER_CUSTOMER);
        }
    }

    // --- the graphs ----------------------------------------------------------------------------

    private StreamGraph live(boolean withArchive) {
        Map<String, String> args =
                new HashMap<>(Map.of("bootstrap-servers", "localhost:9", "dry-run", "true"));
        if (withArchive) {
            args.put("archive-path", archive.toUri().toString());
        }
        FloodgateOptions o = FloodgateOptions.fromMap(args, JobKind.LIVE);
        StreamExecutionEnvironment env = shippedEnvironment();
        // what FloodgateJob.main and submit build, without executing
        FloodgateJob.configure(env, o);
        FloodgateJob.defineWorkflow(
                env,
                FloodgateJob.source(o),
                FloodgateJob.sinks(o),
                Pipeline.from(o),
                FloodgateJob.lagMonitor(o));
        StreamGraph g = env.getStreamGraph();
        g.setJobName("live" + (withArchive ? "" : " (no archive)"));
        return g;
    }

    private static StreamGraph drain() throws Exception {
        FloodgateOptions o =
                FloodgateOptions.fromMap(
                        Map.of(
                                "bootstrap-servers",
                                "localhost:9",
                                "mode",
                                "drain",
                                "dry-run",
                                "true"),
                        JobKind.BACKFILL);
        StreamExecutionEnvironment env = shippedEnvironment();
        BackfillJob.buildDrain(env, o, Map.of()); // build reads the marks from the broker first
        StreamGraph g = env.getStreamGraph();
        g.setJobName("drain");
        return g;
    }

    /**
     * The replay as {@link BackfillJob#build} makes it, but from positions given here: build itself
     * reads them from a savepoint.
     */
    private static StreamGraph replay() {
        FloodgateOptions o =
                FloodgateOptions.fromMap(
                        Map.of(
                                "bootstrap-servers",
                                "localhost:9",
                                "mode",
                                "replay",
                                "dry-run",
                                "true"),
                        JobKind.BACKFILL);
        StreamExecutionEnvironment env = shippedEnvironment();
        FloodgateJob.configure(env, o);
        ExactlyOnceKafkaSinks kafka =
                new ExactlyOnceKafkaSinks(
                        "localhost:9", "floodgate-backfill-replay", Duration.ofMinutes(10));
        BackfillJob.defineReplay(
                env,
                InteractionLogSource.bounded(
                        "localhost:9",
                        "interactions",
                        "floodgate-backfill",
                        Map.of(new TopicPartition("interactions", 0), 42L),
                        -1,
                        Duration.ofDays(7)),
                kafka.processed("interactions.processed"),
                kafka.deadLetters("interactions.dlq", "replay"),
                Pipeline.from(o),
                o.get(FloodgateOptions.MAX_RATE));
        StreamGraph g = env.getStreamGraph();
        g.setJobName("replay");
        return g;
    }

    /**
     * An environment with the shipped flink-conf's checkpoint timeout and restart backoff: with
     * Flink's defaults (a 10 min checkpoint timeout) the jobs refuse the default transaction
     * timeout ({@link TransactionBudget}).
     */
    private static StreamExecutionEnvironment shippedEnvironment() {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(2));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                Duration.ofMinutes(1));
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }

    // --- checks --------------------------------------------------------------------------------

    private static void assertEveryOperatorHasAUidAndAName(StreamGraph g) {
        for (StreamNode n : g.getStreamNodes()) {
            assertThat(n.getTransformationUID())
                    .as("uid of '%s' in %s", n.getOperatorName(), g.getJobName())
                    .isNotBlank();
            String name = baseName(n.getOperatorName());
            assertThat(name)
                    .as(
                            "name of the operator with uid %s in %s",
                            n.getTransformationUID(), g.getJobName())
                    .isNotBlank()
                    .doesNotContain("$Lambda")
                    .isNotIn(DEFAULT_NAMES);
        }
    }

    /**
     * A node's name without what Flink adds: "Source: " before, ": Writer" or ": Committer" after.
     */
    private static String baseName(String name) {
        String n = name.startsWith("Source: ") ? name.substring("Source: ".length()) : name;
        for (String suffix : List.of(": Writer", ": Committer")) {
            if (n.endsWith(suffix)) {
                n = n.substring(0, n.length() - suffix.length());
            }
        }
        return n.trim();
    }

    /**
     * Every node's uid, the committers' as Flink derives them ({@link
     * #assertEveryOperatorHasAUidAndAName} reports a missing one).
     */
    private static Set<String> allUids(StreamGraph g) {
        return g.getStreamNodes().stream()
                .map(StreamNode::getTransformationUID)
                .filter(Objects::nonNull)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * The uids the job set: every node's but the sink committers', each of which must be named
     * after a sink writer's uid.
     */
    private static Set<String> jobUids(StreamGraph g) {
        Set<String> all = allUids(g);
        Set<String> own =
                all.stream()
                        .filter(u -> !u.startsWith(COMMITTER_UID_PREFIX))
                        .collect(Collectors.toCollection(TreeSet::new));
        all.stream()
                .filter(u -> u.startsWith(COMMITTER_UID_PREFIX))
                .forEach(
                        u ->
                                assertThat(own)
                                        .as("the sink of committer %s", u)
                                        .contains(u.substring(COMMITTER_UID_PREFIX.length())));
        return own;
    }

    private static StreamNode node(StreamGraph g, String uid) {
        List<StreamNode> found =
                g.getStreamNodes().stream()
                        .filter(n -> uid.equals(n.getTransformationUID()))
                        .toList();
        assertThat(found).as("%s in %s", uid, g.getJobName()).hasSize(1);
        return found.get(0);
    }

    /** The values of {@link Uids}' public static String fields. */
    private static Set<String> uidConstants() {
        return new TreeSet<>(uidConstantList());
    }

    private static List<String> uidConstantList() {
        return Arrays.stream(Uids.class.getFields())
                .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
                .map(WorkflowGraphTest::value)
                .toList();
    }

    private static String value(Field f) {
        try {
            return (String) f.get(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }
}
