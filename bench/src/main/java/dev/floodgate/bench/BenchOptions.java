package dev.floodgate.bench;

import dev.floodgate.job.options.ArgLine;
import dev.floodgate.job.options.OptionSet;
import dev.floodgate.job.options.ParsedOptions;
import dev.floodgate.job.options.TypedOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.util.TimeUtils;

/**
 * Options of {@link Benchmarks}: which sections to run and their sizes, read with the jobs' {@link
 * ArgLine} and {@link OptionSet}. Defaults are the full benchmark of docs/benchmarks.md; the flag
 * {@code --smoke} changes the defaults to sizes that run every section in seconds (CI), and options
 * given beside it still win. A bad option stops the program with a message naming it.
 */
public final class BenchOptions {
    public static final List<String> SECTIONS =
            List.of(
                    "throughput",
                    "http",
                    "flood",
                    "recovery",
                    "state",
                    "backfill",
                    "reconcile",
                    "visible");

    /** Sections run only when named (not in {@code all}, nor in the smoke test). */
    public static final List<String> OPT_IN_SECTIONS = List.of("yield");

    static final OptionSet OPTIONS = new OptionSet();
    static final String SMOKE = "smoke";
    private static final String POSITIVE = "a positive integer";
    private static final String DURATION = "a duration such as 30s or 10min";

    static final TypedOption<Set<String>> SECTIONS_OPTION =
            OPTIONS.parsed(
                    "sections",
                    "all or a list of "
                            + String.join(",", SECTIONS)
                            + " (and "
                            + String.join(",", OPT_IN_SECTIONS)
                            + ", only when named)",
                    "all",
                    "the sections to run",
                    BenchOptions::sections);
    static final TypedOption<Integer> EVENTS =
            positive("events", "2_000_000", "events in the benchmark's log");
    static final TypedOption<Integer> CUSTOMERS = positive("customers", "10000", "customers");
    static final TypedOption<Integer> EVENT_BYTES =
            positive("event-bytes", "300", "size of one event");
    static final TypedOption<Integer> PARALLELISM =
            positive("parallelism", "2", "the jobs' parallelism");
    static final TypedOption<Duration> CHECKPOINT_INTERVAL =
            duration("checkpoint-interval", "10s", "the jobs' checkpoint interval");
    static final TypedOption<Optional<Duration>> COMPARE_INTERVAL =
            OPTIONS.parsed(
                    "compare-interval",
                    "a duration or none",
                    "none",
                    "throughput: also run the job at this checkpoint interval in every round, for its "
                            + "ratios beside those at --checkpoint-interval",
                    v -> v.equals("none") ? Optional.empty() : Optional.of(positiveDuration(v)));
    static final TypedOption<Map<String, String>> COMPARE_CONF =
            OPTIONS.parsed(
                    "compare-conf",
                    "none or a list of Flink settings key=value",
                    "none",
                    "throughput: also run the job with these Flink settings in every round (at"
                            + " --compare-interval if given), e.g. state.backend.type=rocksdb,"
                            + "execution.checkpointing.incremental=true as flink-conf ships",
                    BenchOptions::flinkSettings);
    static final TypedOption<Integer> RAW_PIPE_THREADS =
            positive(
                    "raw-pipe-threads",
                    "1",
                    "throughput: threads of the raw Kafka copy the job is compared with");
    static final TypedOption<Integer> WARM_UP_PASSES =
            positive("warm-up-passes", "6", "throughput: passes before the measured rounds");
    static final TypedOption<Integer> REPEATS =
            positive(
                    "repeats",
                    "3",
                    "throughput: measured rounds, each the raw pipe then the job; medians are reported");
    static final TypedOption<Boolean> PROFILE =
            OPTIONS.bool(
                    "profile",
                    "true",
                    "throughput: record a JFR profile of the raw pipe and the job");
    static final TypedOption<Integer> HTTP_EVENTS =
            positive(
                    "http-events",
                    "300_000",
                    "http: events in its log, and calls of the HTTP path alone");
    static final TypedOption<Integer> HTTP_SERVICE_THREADS =
            OPTIONS.integer(
                    "http-service-threads",
                    "0 or a positive integer",
                    "2",
                    "http: handler threads of the service that answers at once (0: its dispatcher"
                            + " thread)",
                    v -> {
                        int n = Integer.parseInt(v);
                        if (n < 0) {
                            throw new IllegalArgumentException("below 0");
                        }
                        return n;
                    });
    static final TypedOption<Integer> HTTP_ALONE_IN_FLIGHT =
            positive(
                    "http-alone-in-flight",
                    "64",
                    "http: calls in flight when the HTTP path is measured alone");
    static final TypedOption<Integer> HTTP_BATCH_MAX =
            positive(
                    "http-batch-max",
                    "64",
                    "http: --processor-batch-max of the batching HTTP job and of the batched HTTP path"
                            + " alone");
    static final TypedOption<Integer> HTTP_REQUESTS_IN_FLIGHT =
            positive(
                    "http-requests-in-flight",
                    "4",
                    "http: --processor-requests-in-flight of the batching HTTP job (per channel and"
                            + " subtask) and of the batched HTTP path alone");
    static final TypedOption<Boolean> HTTP_PER_EVENT =
            OPTIONS.bool(
                    "http-per-event",
                    "true",
                    "http: also run the HTTP job with one request per event (--processor-batch-max 1)"
                            + " in each round, and the HTTP path alone per event");
    static final TypedOption<List<String>> HTTP_JOB_ARGS =
            OPTIONS.parsed(
                    "http-job-args",
                    "none or a list of job options key=value",
                    "none",
                    "http: job options added to both jobs, e.g. max-in-flight-chat=64",
                    BenchOptions::jobArgs);
    static final TypedOption<Duration> FLOOD_TIME =
            duration("flood-time", "30s", "flood: how long each run floods");
    static final TypedOption<List<String>> FLOOD_RUNS =
            OPTIONS.parsed(
                    "flood-runs",
                    "a list of shedding-on|off-unaligned|aligned",
                    "shedding-on-unaligned,shedding-off-unaligned,shedding-off-aligned",
                    "flood: the runs",
                    v ->
                            list(
                                    v,
                                    run ->
                                            check(
                                                    run,
                                                    run.matches(
                                                            "shedding-(on|off)-(unaligned|aligned)"))));
    static final TypedOption<Double> RECOVERY_RATE =
            OPTIONS.decimal(
                    "recovery-rate",
                    POSITIVE,
                    "5000",
                    "recovery: events per second",
                    v -> (double) positiveInt(v));
    static final TypedOption<Duration> RECOVERY_TIME =
            duration("recovery-time", "60s", "recovery: how long it runs");
    static final TypedOption<List<Integer>> STATE_CUSTOMERS =
            OPTIONS.parsed(
                    "state-customers",
                    "a list of positive integers",
                    "100000,1000000",
                    "state: the state sizes, in customers",
                    v -> list(v, BenchOptions::positiveInt));
    static final TypedOption<List<String>> STATE_BACKENDS =
            OPTIONS.parsed(
                    "state-backends",
                    "a list of hashmap|rocksdb",
                    "hashmap,rocksdb",
                    "state: the state backends",
                    v -> list(v, b -> check(b, b.equals("hashmap") || b.equals("rocksdb"))));
    static final TypedOption<List<Duration>> VISIBLE_INTERVALS =
            OPTIONS.parsed(
                    "visible-intervals",
                    "a list of durations",
                    "10s,1s",
                    "visible: the checkpoint intervals compared (10s: the jobs' default before issue 30)",
                    v -> list(v, BenchOptions::positiveDuration));
    static final TypedOption<Integer> VISIBLE_RATE =
            positive("visible-rate", "1000", "visible: events per second the log is filled at");
    static final TypedOption<Duration> VISIBLE_TIME =
            duration("visible-time", "60s", "visible: how long the log is filled, per interval");
    static final TypedOption<Duration> TIMEOUT =
            duration("timeout", "10min", "the longest one section may take");
    static final TypedOption<String> RECONCILE_HEAP =
            OPTIONS.text(
                    "reconcile-heap",
                    "a heap size such as 256m",
                    "256m",
                    "reconcile: the JVM heap (-Xmx)",
                    v -> check(v, v.matches("[1-9][0-9]*[mMgG]")));

    /** The defaults {@code --smoke} gives: every section in seconds. */
    static final Map<String, String> SMOKE_DEFAULTS =
            Map.ofEntries(
                    Map.entry(EVENTS.key, "10000"),
                    Map.entry(CUSTOMERS.key, "500"),
                    Map.entry(CHECKPOINT_INTERVAL.key, "1s"),
                    Map.entry(PROFILE.key, "false"),
                    Map.entry(WARM_UP_PASSES.key, "1"),
                    Map.entry(REPEATS.key, "1"),
                    Map.entry(FLOOD_TIME.key, "4s"),
                    Map.entry(HTTP_EVENTS.key, "2000"),
                    Map.entry(FLOOD_RUNS.key, "shedding-on-unaligned,shedding-off-aligned"),
                    Map.entry(RECOVERY_RATE.key, "1000"),
                    Map.entry(RECOVERY_TIME.key, "5s"),
                    Map.entry(STATE_CUSTOMERS.key, "1000"),
                    Map.entry(VISIBLE_INTERVALS.key, "1s"),
                    Map.entry(VISIBLE_RATE.key, "200"),
                    Map.entry(VISIBLE_TIME.key, "3s"),
                    Map.entry(TIMEOUT.key, "2min"));

    Set<String> sections;
    int events;
    int customers;
    int eventBytes;
    int parallelism;
    Duration checkpointInterval;
    Optional<Duration> compareInterval;
    Map<String, String> compareConf;
    List<Duration> visibleIntervals;
    int visibleRate;
    Duration visibleTime;
    int rawPipeThreads;
    int warmUpPasses;

    /**
     * Measured rounds of the throughput section, each the raw pipe then the job: medians are
     * reported.
     */
    int repeats;

    boolean profile;
    int httpEvents;
    int httpServiceThreads;
    int httpAloneInFlight;
    List<String> httpJobArgs;
    int httpBatchMax;
    int httpRequestsInFlight;
    boolean httpPerEvent;
    Duration floodTime;
    List<String> floodRuns;
    double recoveryRate;
    Duration recoveryTime;
    List<Integer> stateCustomers;
    List<String> stateBackends;
    Duration timeout;

    /** The reconcile section's JVM heap ({@code -Xmx}). */
    String reconcileHeap;

    /** Tiny sizes: every section in seconds, for the smoke test. */
    public static BenchOptions smoke() {
        return parse("--smoke");
    }

    public static BenchOptions parse(String... raw) {
        // exec passes -Dbench.args as one argument: split it
        ArgLine line =
                ArgLine.parse(ArgLine.splitBlanks(raw), Set.of(SMOKE), OPTIONS.keys(), false);
        boolean smoke = line.flag(SMOKE);
        ParsedOptions p;
        try {
            p =
                    OPTIONS.parse(
                            line,
                            o ->
                                    smoke
                                            ? SMOKE_DEFAULTS.getOrDefault(o.key, o.defaultText())
                                            : o.defaultText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "\n" + usage(), e);
        }
        BenchOptions o = new BenchOptions();
        o.sections = p.get(SECTIONS_OPTION);
        o.events = p.get(EVENTS);
        o.customers = p.get(CUSTOMERS);
        o.eventBytes = p.get(EVENT_BYTES);
        o.parallelism = p.get(PARALLELISM);
        o.checkpointInterval = p.get(CHECKPOINT_INTERVAL);
        o.compareInterval = p.get(COMPARE_INTERVAL);
        o.compareConf = p.get(COMPARE_CONF);
        o.rawPipeThreads = p.get(RAW_PIPE_THREADS);
        o.warmUpPasses = p.get(WARM_UP_PASSES);
        o.repeats = p.get(REPEATS);
        o.profile = p.get(PROFILE);
        o.httpEvents = p.get(HTTP_EVENTS);
        o.httpServiceThreads = p.get(HTTP_SERVICE_THREADS);
        o.httpAloneInFlight = p.get(HTTP_ALONE_IN_FLIGHT);
        o.httpJobArgs = p.get(HTTP_JOB_ARGS);
        o.httpBatchMax = p.get(HTTP_BATCH_MAX);
        o.httpRequestsInFlight = p.get(HTTP_REQUESTS_IN_FLIGHT);
        o.httpPerEvent = p.get(HTTP_PER_EVENT);
        o.floodTime = p.get(FLOOD_TIME);
        o.floodRuns = p.get(FLOOD_RUNS);
        o.recoveryRate = p.get(RECOVERY_RATE);
        o.recoveryTime = p.get(RECOVERY_TIME);
        o.stateCustomers = p.get(STATE_CUSTOMERS);
        o.stateBackends = p.get(STATE_BACKENDS);
        o.visibleIntervals = p.get(VISIBLE_INTERVALS);
        o.visibleRate = p.get(VISIBLE_RATE);
        o.visibleTime = p.get(VISIBLE_TIME);
        o.timeout = p.get(TIMEOUT);
        o.reconcileHeap = p.get(RECONCILE_HEAP);
        return o;
    }

    private static TypedOption<Integer> positive(
            String key, String defaultValue, String description) {
        return OPTIONS.integer(key, POSITIVE, defaultValue, description, BenchOptions::positiveInt);
    }

    private static TypedOption<Duration> duration(
            String key, String defaultValue, String description) {
        return OPTIONS.duration(key, DURATION, defaultValue, description, TimeUtils::parseDuration);
    }

    private static Set<String> sections(String v) {
        Set<String> sections = new LinkedHashSet<>();
        for (String s : v.split(",")) {
            if (s.equals("all")) {
                sections.addAll(SECTIONS);
            } else if (SECTIONS.contains(s) || OPT_IN_SECTIONS.contains(s)) {
                sections.add(s);
            } else {
                throw new IllegalArgumentException("unknown section " + s);
            }
        }
        return sections;
    }

    private static Duration positiveDuration(String v) {
        Duration d = TimeUtils.parseDuration(v);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("not above zero: " + v);
        }
        return d;
    }

    private static <T> List<T> list(String v, Function<String, T> item) {
        List<T> items = new ArrayList<>();
        for (String s : v.split(",")) {
            items.add(item.apply(s));
        }
        return List.copyOf(items);
    }

    /** {@code key=value,...} as job arguments {@code --key value ...}. */
    private static List<String> jobArgs(String v) {
        List<String> args = new ArrayList<>();
        if (!v.equals("none")) {
            for (String kv : v.split(",")) {
                int eq = kv.indexOf('=');
                check(kv, eq > 0 && eq < kv.length() - 1);
                args.add("--" + kv.substring(0, eq));
                args.add(kv.substring(eq + 1));
            }
        }
        return List.copyOf(args);
    }

    private static Map<String, String> flinkSettings(String v) {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        if (!v.equals("none")) {
            for (String kv : v.split(",")) {
                int eq = kv.indexOf('=');
                check(kv, eq > 0 && eq < kv.length() - 1);
                settings.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return java.util.Collections.unmodifiableMap(settings);
    }

    private static String check(String v, boolean ok) {
        if (!ok) {
            throw new IllegalArgumentException("was " + v);
        }
        return v;
    }

    private static int positiveInt(String v) {
        int n = Integer.parseInt(v.replace("_", ""));
        if (n < 1) {
            throw new IllegalArgumentException("below 1");
        }
        return n;
    }

    public static String usage() {
        return "Usage: Benchmarks [--smoke] [options]\n"
                + "  --smoke                        tiny sizes: every section in seconds\n"
                + OPTIONS.usage(TypedOption::defaultText);
    }

    /** The options as a Markdown table, for docs/options.md. */
    static String markdownTable() {
        return OPTIONS.markdownTable(o -> "`" + o.defaultText() + "`");
    }
}
