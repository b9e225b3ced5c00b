package dev.floodgate.job;

import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.Channel;
import dev.floodgate.model.OrderScope;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.shed.ChannelPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.util.ParameterTool;
import org.apache.flink.util.TimeUtils;

/**
 * The job options: key constants, typed getters, validation. Every value is checked at start; a
 * missing or malformed option stops the job with a message naming the option and the expected form.
 * The resolved values are registered as global job parameters, so the web UI shows what the job
 * runs with.
 */
public final class FloodgateOptions {

    /** One option: its key, the form it takes, its default (null = required) and what it is for. */
    public static final class Option<T> {
        public final String key;
        final String form;
        final String defaultValue;
        final String description;
        final Function<String, T> parser;

        Option(
                String key,
                String form,
                String defaultValue,
                String description,
                Function<String, T> parser) {
            this.key = key;
            this.form = form;
            this.defaultValue = defaultValue;
            this.description = description;
            this.parser = parser;
            ALL.put(key, this);
        }

        /**
         * Parses a value of this option alone (its default when {@code null}), for tools that take
         * a few of the job's options; a bad value is rejected with the same message, naming the
         * option, as in the jobs.
         */
        public T parse(String value) {
            String v = value == null ? defaultValue : value.trim();
            if (v == null || v.isEmpty() || JOB_DEFAULT.equals(v)) {
                throw new IllegalArgumentException(
                        "option --" + key + " is required: " + form + " (" + description + ")");
            }
            try {
                return parser.apply(v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "option --"
                                + key
                                + " has a bad value '"
                                + value
                                + "': expected "
                                + form
                                + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"),
                        e);
            }
        }
    }

    private static final Map<String, Option<?>> ALL = new LinkedHashMap<>();

    /** Marks a default that depends on the job (see {@link JobKind}). */
    private static final String JOB_DEFAULT = "<job>";

    public static final String NONE = "none";

    // Kafka
    public static final Option<String> BOOTSTRAP_SERVERS =
            text("bootstrap-servers", null, "Kafka bootstrap servers, host:port[,host:port]");
    public static final Option<String> INPUT_TOPIC =
            text("input-topic", "interactions", "the interaction log");
    public static final Option<String> PROCESSED_TOPIC =
            text("processed-topic", "interactions.processed", "where results go, exactly once");
    public static final Option<String> SHED_TOPIC =
            text(
                    "shed-topic",
                    "interactions.shed",
                    "the durable lane of events whose processing was shed");
    public static final Option<String> DLQ_TOPIC =
            text("dlq-topic", "interactions.dlq", "dead letters: original bytes, position, reason");
    public static final Option<String> GROUP_ID =
            text(
                    "group-id",
                    JOB_DEFAULT,
                    "Kafka consumer group (offsets are committed on checkpoints, for lag monitoring)");
    public static final Option<String> STARTING_OFFSETS =
            new Option<>(
                    "starting-offsets",
                    "committed|earliest|latest|timestamp:<epoch ms>",
                    "committed",
                    "where to start without restored state; committed falls back to earliest",
                    FloodgateOptions::offsets);
    public static final Option<String> TRANSACTIONAL_ID_PREFIX =
            text(
                    "transactional-id-prefix",
                    JOB_DEFAULT,
                    "prefix of the Kafka sinks' transactional ids; distinct per job");
    public static final Option<Duration> TRANSACTION_TIMEOUT =
            duration(
                    "transaction-timeout",
                    "10min",
                    "Kafka transaction timeout: above the longest checkpoint plus restart, at most the broker's "
                            + "transaction.max.timeout.ms (15min by default)");
    public static final Option<String> KAFKA_CONFIG =
            new Option<>(
                    "kafka-config",
                    "a path to a Kafka client properties file, or none",
                    NONE,
                    "client settings (security.protocol, sasl.*, ssl.*, config.providers) for every Kafka "
                            + "client of the job and the tools, read at start; secrets as ${env:NAME} or "
                            + "${file:path:key}, never shown or logged; 'none': plaintext",
                    // read at start (KafkaClientConfig), on the machine that starts the job: a
                    // manifest names a path of the pod, not of the machine that checks it
                    s -> s);

    /**
     * Deprecated: the brokerLag metrics read each topic's real {@code retention.ms} from the
     * broker. Still accepted (deployments that pass it keep starting) and still feeding the
     * deserializer's deprecated {@code retentionHeadroomMs}, which no alert uses any more.
     */
    public static final Option<Duration> LOG_RETENTION =
            duration(
                    "log-retention",
                    "7d",
                    "deprecated: only the source's deprecated deserializer_partition_retentionHeadroomMs uses "
                            + "it; the brokerLag metrics read the topics' real retention.ms from the broker");

    public static final Option<Duration> LAG_POLL_INTERVAL =
            duration(
                    "lag-poll-interval",
                    "15s",
                    "live job only: how often it reads from the broker its consumer lag on the input topic, "
                            + "the drain's on the shed topic and their retention.ms (the brokerLag metrics)");
    public static final Option<String> DRAIN_GROUP_ID =
            text(
                    "drain-group-id",
                    JobKind.BACKFILL.defaultIdentity,
                    "live job only: the drain's consumer group (the backfill job's --group-id), whose committed "
                            + "offsets on the shed topic are what has been drained, for the shed topic's brokerLag "
                            + "metrics");

    // Flink
    public static final Option<Duration> CHECKPOINT_INTERVAL =
            duration(
                    "checkpoint-interval",
                    "10s",
                    "exactly-once checkpoint interval; output becomes visible to read_committed readers on each one");
    public static final Option<Integer> PARALLELISM =
            new Option<>(
                    "parallelism",
                    "a positive integer or 'default'",
                    "default",
                    "job parallelism",
                    s -> s.equals("default") ? -1 : positiveInt(s));

    // Records
    public static final Option<Integer> MAX_RECORD_BYTES =
            new Option<>(
                    "max-record-bytes",
                    "a positive integer, at most " + RecordLimits.MAX_RECORD_BYTES_LIMIT,
                    Integer.toString(RecordLimits.DEFAULT_MAX_RECORD_BYTES),
                    "records whose key and value together are larger are dead letters (reason oversized)",
                    FloodgateOptions::maxRecordBytes);
    public static final Option<String> ARCHIVE_PATH =
            text(
                    "archive-path",
                    NONE,
                    "file system URI of the raw archive of every valid event (exactly once); 'none' disables it");

    // Processing
    public static final Option<String> PROCESSOR_URL =
            text(
                    "processor-url",
                    NONE,
                    "base URL of the processing service (POST <url>/voice, /chat, /image); 'none' processes nothing "
                            + "(pass-through, for dry runs)");
    public static final Option<String> PROCESSOR_VERSION =
            text(
                    "processor-version",
                    "v1",
                    "version written into every result as processor http-<version>");
    public static final Option<Duration> REQUEST_TIMEOUT =
            duration("request-timeout", "10s", "timeout of one request to the processing service");
    public static final Option<Integer> MAX_IN_FLIGHT_VOICE = laneBudget(Channel.VOICE, "8");
    public static final Option<Integer> MAX_IN_FLIGHT_IMAGE = laneBudget(Channel.IMAGE, "16");
    public static final Option<Integer> MAX_IN_FLIGHT_CHAT = laneBudget(Channel.CHAT, "32");
    public static final Option<Integer> LANE_QUEUE =
            integer(
                    "lane-queue",
                    "64",
                    "admitted events waiting per lane and subtask; a full lane stops the input (backpressure): "
                            + "keep it above target wait x the lane's calls per second, or admission never sheds");
    public static final Option<OrderScope> ORDER_SCOPE =
            new Option<>(
                    "order-scope",
                    "channel|customer",
                    "channel",
                    "channel: a customer's events are processed in seq order within each channel's lane; "
                            + "customer: also across channels (a chat waits for the customer's earlier call)",
                    s ->
                            switch (s) {
                                case "channel" -> OrderScope.CHANNEL;
                                case "customer" -> OrderScope.CUSTOMER;
                                default ->
                                        throw new IllegalArgumentException(
                                                "neither channel nor customer");
                            });
    public static final Option<Integer> RETRIES =
            new Option<>(
                    "retries",
                    "an integer >= 0",
                    "3",
                    "retries of a failed request, with exponential backoff, before it becomes a dead letter",
                    s -> {
                        int v = Integer.parseInt(s);
                        if (v < 0) {
                            throw new IllegalArgumentException("must be at least 0");
                        }
                        return v;
                    });
    public static final Option<Duration> PROCESSING_TIMEOUT =
            duration(
                    "processing-timeout",
                    "60s",
                    "all attempts of one event together; then it becomes a dead letter");

    // Ordering
    public static final Option<Duration> ORDERING_MAX_WAIT =
            duration(
                    "ordering-max-wait",
                    "2s",
                    "how long (in log time) an early event waits for a missing seq before the gap is skipped and reported");
    public static final Option<Integer> ORDERING_MAX_BUFFERED =
            integer(
                    "ordering-max-buffered",
                    "256",
                    "events held per customer while waiting; overflow releases the oldest run with a gap record");
    public static final Option<Integer> ORDERING_MAX_SEQ_JUMP =
            integer(
                    "max-seq-jump",
                    "100000",
                    "an event this many seqs or more ahead of its customer's next expected seq goes to the shed lane (late) until the next event confirms the jump");
    public static final Option<Duration> ORDERING_STATE_TTL =
            duration(
                    "ordering-state-ttl",
                    "7d",
                    "idle customers' ordering state expires after this; keep it equal between live job and replay");

    // Shedding
    public static final Option<Boolean> SHEDDING =
            flag(
                    "shedding",
                    "true",
                    "shed low-priority processing of stale events to the shed topic; false: everything waits its turn");
    public static final Option<ChannelPolicy> SHED_VOICE = shedChannel("shed-voice", "30s/10s");
    public static final Option<ChannelPolicy> SHED_IMAGE = shedChannel("shed-image", "60s/20s");
    public static final Option<ChannelPolicy> SHED_CHAT = shedChannel("shed-chat", "off");
    public static final Option<String> HOT_KEY_RATE =
            new Option<>(
                    "hot-key-rate",
                    "events per second, or off",
                    "10",
                    "a customer above this rate has its low and normal events shed regardless of age",
                    s -> {
                        if (!s.equals("off") && !(Double.parseDouble(s) > 0)) {
                            throw new IllegalArgumentException("must be above 0");
                        }
                        return s;
                    });

    public static final Option<Boolean> LOG_CUSTOMER_IDS =
            flag(
                    "log-customer-ids",
                    "true",
                    "the hot-key log line names the customer by its id; false: by a pseudonym (# and 12 hex "
                            + "digits of the id's SHA-256), for logs that must not hold customer ids");

    // Backfill job
    public static final Option<String> MODE =
            new Option<>(
                    "mode",
                    "drain|replay",
                    "drain",
                    "backfill job only: drain the shed lane, or replay the log from a savepoint of the live job",
                    s -> {
                        if (!s.equals("drain") && !s.equals("replay")) {
                            throw new IllegalArgumentException("neither drain nor replay");
                        }
                        return s;
                    });
    public static final Option<Double> MAX_RATE =
            decimal(
                    "max-rate",
                    "500",
                    "backfill job only: events per second, all subtasks together, so the live job keeps its capacity");
    public static final Option<String> DRAIN_PROGRESS_TOPIC =
            text(
                    "drain-progress-topic",
                    "interactions.shed.progress",
                    "drain only: the compacted topic of the drain's marks, committed with its checkpoints; "
                            + "a run starts where the last committed marks of its group say");
    public static final Option<String> UNTIL =
            new Option<>(
                    "until",
                    "end|<ISO-8601 instant>",
                    "end",
                    "replay only: stop at the end offsets found at start, or at the first record logged at or after a time",
                    s -> {
                        if (!s.equals("end")) {
                            java.time.Instant.parse(s);
                        }
                        return s;
                    });
    public static final Option<String> REPLAY_TOPIC =
            text(
                    "replay-topic",
                    "interactions.processed",
                    "replay only: where the replay lane is written");
    public static final Option<String> SAVEPOINT =
            text(
                    "savepoint",
                    "from-cluster",
                    "replay only: the live job's savepoint; by default the path the job is restored from "
                            + "(flink run -s, execution.state-recovery.path, initialSavepointPath)");

    private final Map<String, String> values;

    private FloodgateOptions(Map<String, String> values) {
        this.values = values;
    }

    /** Parses and validates arguments ({@code --key value} or {@code --key=value}) for a job. */
    public static FloodgateOptions fromArgs(String[] args, JobKind kind) {
        Map<String, String> given = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                errors.add("unexpected argument '" + a + "': options take the form --key value");
                continue;
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "";
            }
            given.put(key, value);
        }
        return from(given, kind, errors);
    }

    /** Validates a map of option values (missing keys take their defaults). */
    public static FloodgateOptions fromMap(Map<String, String> given, JobKind kind) {
        return from(new LinkedHashMap<>(given), kind, new ArrayList<>());
    }

    private static FloodgateOptions from(
            Map<String, String> given, JobKind kind, List<String> errors) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (String key : given.keySet()) {
            if (!ALL.containsKey(key)) {
                errors.add("unknown option --" + key + " (--help lists the options)");
            }
        }
        for (Option<?> o : ALL.values()) {
            String v = given.get(o.key);
            if (v == null) {
                v = JOB_DEFAULT.equals(o.defaultValue) ? kind.defaultIdentity : o.defaultValue;
            }
            try {
                o.parse(v == null ? "" : v);
                resolved.put(o.key, v.trim());
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        return new FloodgateOptions(resolved);
    }

    public <T> T get(Option<T> option) {
        return option.parser.apply(values.get(option.key));
    }

    public boolean isSet(Option<String> option) {
        return !NONE.equals(values.get(option.key));
    }

    /** All resolved values, as registered in the web UI. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    public ParameterTool asGlobalJobParameters() {
        return ParameterTool.fromMap(values);
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** The option list, for {@code --help}. */
    public static String usage(String command, JobKind kind) {
        StringBuilder sb =
                new StringBuilder("Usage: ")
                        .append(command)
                        .append(" --bootstrap-servers host:port [options]\n\n");
        for (Option<?> o : ALL.values()) {
            String def = JOB_DEFAULT.equals(o.defaultValue) ? kind.defaultIdentity : o.defaultValue;
            sb.append(
                    String.format(
                            "  --%-28s %s%n  %-30s %s%n",
                            o.key,
                            o.form,
                            "",
                            o.description
                                    + (def == null ? " (required)" : " (default: " + def + ")")));
        }
        return sb.toString();
    }

    /**
     * The options as a Markdown table, in declaration order: what {@code docs/options.md} holds
     * (generated from the options themselves; {@code OptionsDocTest} checks it is complete).
     */
    public static String markdownTable() {
        StringBuilder sb =
                new StringBuilder(
                        "| option | form | default | what it is for |\n|---|---|---|---|\n");
        for (Option<?> o : ALL.values()) {
            String def =
                    o.defaultValue == null
                            ? "(required)"
                            : JOB_DEFAULT.equals(o.defaultValue)
                                    ? "`"
                                            + JobKind.LIVE.defaultIdentity
                                            + "` (live), `"
                                            + JobKind.BACKFILL.defaultIdentity
                                            + "` (backfill)"
                                    : "`" + o.defaultValue + "`";
            sb.append("| `--")
                    .append(o.key)
                    .append("` | ")
                    .append(o.form.replace("|", "\\|"))
                    .append(" | ")
                    .append(def.replace("|", "\\|"))
                    .append(" | ")
                    .append(o.description.replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    static Option<String> text(String key, String defaultValue, String description) {
        return new Option<>(key, "a non-empty string", defaultValue, description, s -> s);
    }

    static Option<Duration> duration(String key, String defaultValue, String description) {
        return new Option<>(
                key,
                "a duration such as 500ms, 10s, 5min, 2h, 7d",
                defaultValue,
                description,
                FloodgateOptions::positiveDuration);
    }

    static Option<ChannelPolicy> shedChannel(String key, String defaultValue) {
        return new Option<>(
                key,
                "<age SLO>/<target wait> such as 30s/10s, or off",
                defaultValue,
                "the channel's low and normal events are shed when their age plus the predicted wait in the "
                        + "lane would exceed the target (at most the SLO); high is never shed",
                s -> {
                    if (s.equals("off")) {
                        return ChannelPolicy.never();
                    }
                    String[] parts = s.split("/");
                    if (parts.length != 2) {
                        throw new IllegalArgumentException("not two durations separated by /");
                    }
                    Duration slo = positiveDuration(parts[0]);
                    Duration target = positiveDuration(parts[1]);
                    if (target.compareTo(slo) > 0) {
                        throw new IllegalArgumentException("the target wait is above the SLO");
                    }
                    return ChannelPolicy.shed(slo, target, Priority.LOW, Priority.NORMAL);
                });
    }

    static Option<Integer> laneBudget(Channel channel, String defaultValue) {
        return integer(
                "max-in-flight-" + channel.wireName(),
                defaultValue,
                "calls in flight per subtask to the "
                        + channel.wireName()
                        + " service; keep it near the service's own concurrency (beyond it calls queue "
                        + "in the service, where high cannot go first)");
    }

    static Option<Integer> integer(String key, String defaultValue, String description) {
        return new Option<>(
                key,
                "a positive integer",
                defaultValue,
                description,
                FloodgateOptions::positiveInt);
    }

    static Option<Double> decimal(String key, String defaultValue, String description) {
        return new Option<>(
                key,
                "a positive number",
                defaultValue,
                description,
                s -> {
                    double d = Double.parseDouble(s);
                    if (!(d > 0) || Double.isInfinite(d)) {
                        throw new IllegalArgumentException("must be above 0");
                    }
                    return d;
                });
    }

    static Option<Boolean> flag(String key, String defaultValue, String description) {
        return new Option<>(
                key,
                "true|false",
                defaultValue,
                description,
                s -> {
                    if (s.equals("true") || s.isEmpty()) {
                        return true;
                    }
                    if (s.equals("false")) {
                        return false;
                    }
                    throw new IllegalArgumentException("not true or false");
                });
    }

    static int positiveInt(String s) {
        int v = Integer.parseInt(s);
        if (v < 1) {
            throw new IllegalArgumentException("must be at least 1");
        }
        return v;
    }

    /**
     * A valid event is written again whole (shed lane, pass-through result) by producers whose
     * max.request.size is fixed: a larger limit would let one record fail a sink at every restart.
     */
    static int maxRecordBytes(String s) {
        int v = positiveInt(s);
        if (v > RecordLimits.MAX_RECORD_BYTES_LIMIT) {
            throw new IllegalArgumentException(RecordLimits.maxRecordBytesProblem(v));
        }
        return v;
    }

    static Duration positiveDuration(String s) {
        Duration d = TimeUtils.parseDuration(s);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("must be above zero");
        }
        return d;
    }

    static String offsets(String s) {
        if (s.equals("committed") || s.equals("earliest") || s.equals("latest")) {
            return s;
        }
        if (s.startsWith("timestamp:")) {
            // Kafka reads a negative time as a sentinel (-1 latest, -2 earliest, ...): refused, so
            // that timestamp:-1 cannot silently start at the end of the log
            if (Long.parseLong(s.substring("timestamp:".length())) < 0) {
                throw new IllegalArgumentException("the timestamp is negative");
            }
            return s;
        }
        throw new IllegalArgumentException("unknown starting position");
    }
}
