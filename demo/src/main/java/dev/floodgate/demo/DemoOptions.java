package dev.floodgate.demo;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.options.ArgLine;
import dev.floodgate.job.options.OptionSet;
import dev.floodgate.job.options.ParsedOptions;
import dev.floodgate.job.options.TypedOption;
import dev.floodgate.operators.process.RequestHeader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.TimeUtils;

/**
 * Options of the Monday flood demo ({@code --key value} or {@code --key=value}), read with the
 * jobs' {@link ArgLine} and {@link OptionSet}: a bad option stops the demo with a message naming it
 * and the form it expects. Rates are events per second of the whole stream; the processing capacity
 * is that of the bottleneck, speech-to-text, in voice calls per second.
 */
final class DemoOptions {
    static final OptionSet OPTIONS = new OptionSet();
    private static final String DURATION = "a duration above zero such as 20s or 2min";
    private static final String NUMBER = "a number above zero";
    private static final String EMBEDDED = "embedded";

    static final TypedOption<Duration> CALM =
            OPTIONS.duration(
                    "calm",
                    DURATION,
                    "30s",
                    "calm before the flood, at --calm-factor x capacity",
                    DemoOptions::duration);
    static final TypedOption<Duration> FLOOD =
            OPTIONS.duration(
                    "flood",
                    DURATION,
                    "120s",
                    "the flood, at --flood-factor x capacity",
                    DemoOptions::duration);
    static final TypedOption<Duration> CALM_AFTER =
            OPTIONS.duration(
                    "calm-after", DURATION, "30s", "calm after the flood", DemoOptions::duration);
    static final TypedOption<Double> CAPACITY =
            OPTIONS.decimal(
                    "capacity",
                    NUMBER,
                    "10",
                    "speech-to-text capacity, voice calls/s (the bottleneck; with 12% voice, 10 calls/s is "
                            + "about 83 events/s of the whole stream)",
                    DemoOptions::positive);
    static final TypedOption<Double> FLOOD_FACTOR =
            OPTIONS.decimal(
                    "flood-factor",
                    NUMBER,
                    "3",
                    "the flood's rate, x capacity",
                    DemoOptions::positive);
    static final TypedOption<Double> CALM_FACTOR =
            OPTIONS.decimal(
                    "calm-factor",
                    NUMBER,
                    "0.5",
                    "the calm's rate, x capacity",
                    DemoOptions::positive);
    static final TypedOption<String> SHED_VOICE =
            OPTIONS.text(
                    "shed-voice",
                    FloodgateOptions.SHED_VOICE.form(),
                    "5s/2s",
                    "the live job's --shed-voice (time-scaled)",
                    s -> checked(FloodgateOptions.SHED_VOICE, s));
    static final TypedOption<String> SHED_IMAGE =
            OPTIONS.text(
                    "shed-image",
                    FloodgateOptions.SHED_IMAGE.form(),
                    "10s/4s",
                    "the live job's --shed-image (time-scaled)",
                    s -> checked(FloodgateOptions.SHED_IMAGE, s));
    static final TypedOption<Boolean> SHEDDING =
            OPTIONS.bool(
                    "shedding", "true", "false: everything waits its turn (compare the high age)");
    static final TypedOption<Duration> VOICE_OUTAGE =
            OPTIONS.duration(
                    "voice-outage",
                    "a duration such as 30s; 0s: no outage",
                    "0s",
                    "the voice service answers 503 for this long, a third into the flood",
                    TimeUtils::parseDuration);
    static final TypedOption<String> ORDER_SCOPE =
            OPTIONS.text(
                    "order-scope",
                    FloodgateOptions.ORDER_SCOPE.form(),
                    "channel",
                    "the live job's --order-scope; customer: a customer's chat waits for its earlier call",
                    s -> checked(FloodgateOptions.ORDER_SCOPE, s));
    static final TypedOption<String> CHECKPOINT_INTERVAL =
            OPTIONS.text(
                    "checkpoint-interval",
                    FloodgateOptions.CHECKPOINT_INTERVAL.form(),
                    FloodgateOptions.FROM_CLUSTER,
                    "the live job's --checkpoint-interval, the cadence of the commits that make its results "
                            + "visible to read_committed readers; from-cluster: the job's default (the demo's cluster sets none)",
                    s -> checked(FloodgateOptions.CHECKPOINT_INTERVAL, s));
    static final TypedOption<String> DRAIN_PRIORITY_HEADER =
            OPTIONS.text(
                    "drain-priority-header",
                    "a header line 'Name: value', or none",
                    "Priority: u=7",
                    "the drain's --drain-priority-header: the demo's service serves by RFC 9218 priority,"
                            + " so live calls go first; none: the drain's calls queue with the live ones"
                            + " (FIFO), and only its yielding limit protects live freshness",
                    DemoOptions::headerLine);
    static final TypedOption<String> HIGH_PRIORITY_HEADER =
            OPTIONS.text(
                    "high-priority-header",
                    "a header line 'Name: value', or none",
                    "Priority: u=1",
                    "the live job's --high-priority-header: the demo's service serves by RFC 9218 priority,"
                            + " so the calls of high events (and of those a high event waits behind) go before"
                            + " the other live calls, and the lanes' second look expects the tail of the"
                            + " others' latency (at 6x: voice high p99 0.88 s, normal 2.05 s;"
                            + " docs/benchmarks.md, stop 43); none: they queue with them, and the lanes put"
                            + " them first within each subtask",
                    DemoOptions::headerLine);
    static final TypedOption<String> IN_FLIGHT_LIMIT =
            OPTIONS.text(
                    "in-flight-limit",
                    FloodgateOptions.IN_FLIGHT_LIMIT.form(),
                    "fixed",
                    "the live job's --in-flight-limit: fixed, the lanes' budgets are given from the service's "
                            + "slots, shared by the subtasks, plus one; adaptive: its lanes find the service's "
                            + "slots (under the job's default ceilings)",
                    s -> checked(FloodgateOptions.IN_FLIGHT_LIMIT, s));
    static final TypedOption<Integer> CUSTOMERS =
            OPTIONS.integer(
                    "customers",
                    "an integer of at least 1",
                    "2000",
                    "customers in the story",
                    DemoOptions::whole);
    static final TypedOption<Integer> PARALLELISM =
            OPTIONS.integer(
                    "parallelism",
                    "an integer of at least 1",
                    "2",
                    "the jobs' parallelism",
                    DemoOptions::whole);
    static final TypedOption<Integer> REST_PORT =
            OPTIONS.integer(
                    "rest-port",
                    "a port between 1 and 65535",
                    "8081",
                    "Flink web UI and REST on 127.0.0.1",
                    DemoOptions::port);
    static final TypedOption<Integer> PROMETHEUS_PORT =
            OPTIONS.integer(
                    "prometheus-port",
                    "a port between 1 and 65535",
                    "9249",
                    "Prometheus metrics endpoint",
                    DemoOptions::port);
    static final TypedOption<Long> SEED =
            OPTIONS.longInteger(
                    "seed", "an integer", "7", "the story's random seed", Long::parseLong);
    static final TypedOption<Path> OUTPUT =
            OPTIONS.parsed(
                    "output",
                    "a folder",
                    "target/demo-report",
                    "report folder: demo-chart.png, report.md, samples.csv",
                    Path::of);
    static final TypedOption<String> BOOTSTRAP_SERVERS =
            OPTIONS.text(
                    "bootstrap-servers",
                    "host:port[,host:port], or embedded",
                    EMBEDDED,
                    "an external Kafka broker instead of the embedded one",
                    s -> s);
    static final TypedOption<Boolean> GENERATE_ONLY =
            OPTIONS.bool(
                    "generate-only",
                    "false",
                    "with --bootstrap-servers: only write the story's stream (a load tool)");
    static final TypedOption<Boolean> KEEP_RUNNING =
            OPTIONS.bool(
                    "keep-running",
                    "false",
                    "after the report, restart the live job from its savepoint and keep everything up "
                            + "until Ctrl-C");

    Duration calm;
    Duration flood;
    Duration calmAfter;
    double voiceCapacity;
    double floodFactor;
    double calmFactor;
    String shedVoice;
    String shedImage;
    boolean shedding;
    String orderScope;
    String checkpointInterval;
    String inFlightLimit;
    String drainPriorityHeader;
    String highPriorityHeader;

    /** How long the voice service is down, from a third into the flood; zero: no outage. */
    Duration voiceOutage;

    int customers;
    int parallelism;
    int restPort;
    int prometheusPort;
    long seed;
    Path output;

    /** An external broker; {@code null}: the embedded one. */
    String bootstrapServers;

    boolean generateOnly;
    boolean keepRunning;
    boolean help;

    /**
     * A header line the drain will send, checked as the backfill job checks it, so a bad one stops
     * the demo at start instead of at the drain, minutes later; {@code none} as is.
     */
    private static String headerLine(String s) {
        if (!s.equals("none")) {
            RequestHeader.parse(s);
        }
        return s;
    }

    static DemoOptions parse(String[] given) {
        // Maven passes -Ddemo.args="--flood 60s --keep-running" as one argument: split it
        List<String> args = new ArrayList<>(ArgLine.splitBlanks(given));
        DemoOptions o = new DemoOptions();
        o.help = args.removeIf(a -> a.equals("--help") || a.equals("-h"));
        ParsedOptions p = OPTIONS.parseArgs(args, TypedOption::defaultText);
        o.calm = p.get(CALM);
        o.flood = p.get(FLOOD);
        o.calmAfter = p.get(CALM_AFTER);
        o.voiceCapacity = p.get(CAPACITY);
        o.floodFactor = p.get(FLOOD_FACTOR);
        o.calmFactor = p.get(CALM_FACTOR);
        o.shedVoice = p.get(SHED_VOICE);
        o.shedImage = p.get(SHED_IMAGE);
        o.shedding = p.get(SHEDDING);
        o.voiceOutage = p.get(VOICE_OUTAGE);
        o.orderScope = p.get(ORDER_SCOPE);
        o.checkpointInterval = p.get(CHECKPOINT_INTERVAL);
        o.inFlightLimit = p.get(IN_FLIGHT_LIMIT);
        o.drainPriorityHeader = p.get(DRAIN_PRIORITY_HEADER);
        o.highPriorityHeader = p.get(HIGH_PRIORITY_HEADER);
        o.customers = p.get(CUSTOMERS);
        o.parallelism = p.get(PARALLELISM);
        o.restPort = p.get(REST_PORT);
        o.prometheusPort = p.get(PROMETHEUS_PORT);
        o.seed = p.get(SEED);
        o.output = p.get(OUTPUT);
        String bootstrap = p.get(BOOTSTRAP_SERVERS);
        o.bootstrapServers = bootstrap.equals(EMBEDDED) ? null : bootstrap;
        o.generateOnly = p.get(GENERATE_ONLY);
        o.keepRunning = p.get(KEEP_RUNNING);
        if (o.generateOnly && o.bootstrapServers == null) {
            throw new IllegalArgumentException(
                    "option --generate-only needs --bootstrap-servers: it writes the "
                            + "story to an external broker and starts nothing else");
        }
        return o;
    }

    /**
     * Events per second of the whole stream that the processing keeps up with: voice is the
     * bottleneck.
     */
    double capacityEventsPerSecond(double voiceShare) {
        return voiceCapacity / voiceShare;
    }

    /** The demo's value of a job option, checked with the job's own parser. */
    private static String checked(TypedOption<?> jobOption, String value) {
        try {
            jobOption.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    e.getCause() == null ? null : e.getCause().getMessage(), e);
        }
        return value;
    }

    private static Duration duration(String v) {
        Duration d = TimeUtils.parseDuration(v);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("not above zero");
        }
        return d;
    }

    private static double positive(String v) {
        double d = Double.parseDouble(v);
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("not above zero");
        }
        return d;
    }

    private static int whole(String v) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException("below 1");
        }
        return n;
    }

    private static int port(String v) {
        long n = Long.parseLong(v);
        if (n < 1 || n > 65535) {
            throw new IllegalArgumentException("not a port");
        }
        return (int) n;
    }

    static String usage() {
        return "Usage: FloodDemo [options]   (through Maven: -Ddemo.args=\"--flood 60s --keep-running\")\n"
                + "The story: one demo second stands for one minute of the Monday.\n\n"
                + OPTIONS.usage(TypedOption::defaultText);
    }

    /** The options as a Markdown table, for docs/options.md. */
    static String markdownTable() {
        return OPTIONS.markdownTable(o -> "`" + o.defaultText() + "`");
    }
}
