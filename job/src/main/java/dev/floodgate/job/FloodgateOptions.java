package dev.floodgate.job;

import dev.floodgate.contract.RecordLimits;
import dev.floodgate.job.options.OptionSet;
import dev.floodgate.job.options.ParsedOptions;
import dev.floodgate.job.options.TypedOption;
import dev.floodgate.model.Channel;
import dev.floodgate.model.OrderScope;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.process.SecretReference;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.sources.StartingOffsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

/**
 * The job options: Flink {@link org.apache.flink.configuration.ConfigOption}s registered with the
 * form each takes and its parser ({@link TypedOption}), and the typed values of one run. Every
 * value is parsed once, at start, into its typed form (a duration, an enum, a {@link
 * ChannelPolicy}, a {@link StartingOffsets}); a missing or malformed option stops the job with a
 * message naming the option and the expected form. The resolved values are registered as global job
 * parameters, so the web UI shows what the job runs with.
 */
public final class FloodgateOptions {

    private static final OptionSet ALL = new OptionSet();

    /** Marks a default that depends on the job (see {@link JobKind}). */
    private static final String JOB_DEFAULT = "<job>";

    public static final String NONE = "none";

    // Kafka
    public static final TypedOption<String> BOOTSTRAP_SERVERS =
            text("bootstrap-servers", null, "Kafka bootstrap servers, host:port[,host:port]");
    public static final TypedOption<String> INPUT_TOPIC =
            text("input-topic", "interactions", "the interaction log");
    public static final TypedOption<String> PROCESSED_TOPIC =
            text("processed-topic", "interactions.processed", "where results go, exactly once");
    public static final TypedOption<String> SHED_TOPIC =
            text(
                    "shed-topic",
                    "interactions.shed",
                    "the durable lane of events whose processing was shed");
    public static final TypedOption<String> DLQ_TOPIC =
            text("dlq-topic", "interactions.dlq", "dead letters: original bytes, position, reason");
    public static final TypedOption<String> GROUP_ID =
            text(
                    "group-id",
                    JOB_DEFAULT,
                    "Kafka consumer group (offsets are committed on checkpoints, for lag monitoring)");
    public static final TypedOption<StartingOffsets> STARTING_OFFSETS =
            parsed(
                    "starting-offsets",
                    StartingOffsets.FORM,
                    "committed",
                    "where to start without restored state; committed falls back to earliest",
                    FloodgateOptions::startingOffsets);
    public static final TypedOption<String> TRANSACTIONAL_ID_PREFIX =
            text(
                    "transactional-id-prefix",
                    JOB_DEFAULT,
                    "prefix of the Kafka sinks' transactional ids; distinct per job");
    public static final TypedOption<Duration> TRANSACTION_TIMEOUT =
            duration(
                    "transaction-timeout",
                    "10min",
                    "Kafka transaction timeout: above the longest checkpoint plus restart, at most the broker's "
                            + "transaction.max.timeout.ms (15min by default)");
    public static final TypedOption<String> KAFKA_CONFIG =
            parsed(
                    "kafka-config",
                    "a path to a Kafka client properties file, or none",
                    NONE,
                    "client settings (security.protocol, sasl.*, ssl.*, config.providers) for every Kafka "
                            + "client of the job and the tools, read at start; secrets as ${env:NAME} or "
                            + "${file:path:key}, never shown or logged; 'none': plaintext",
                    // read at start (KafkaClientConfig), on the machine that starts the job: a
                    // manifest names a path of the pod, not of the machine that checks it
                    s -> s);

    public static final TypedOption<Boolean> KAFKA_PLAINTEXT =
            flag(
                    "kafka-plaintext",
                    "false",
                    "true: the jobs may reach Kafka without TLS (no --kafka-config, or security.protocol "
                            + "PLAINTEXT or SASL_PLAINTEXT in it), events and credentials in clear; only for a "
                            + "broker reached over a network you trust. false: such a job stops at start");
    public static final TypedOption<Boolean> KAFKA_SKIP_HOSTNAME_CHECK =
            flag(
                    "kafka-skip-hostname-check",
                    "false",
                    "true: --kafka-config may set ssl.endpoint.identification.algorithm empty (the broker's "
                            + "certificate trusted for any host name). false: such a job stops at start");

    /**
     * Deprecated: the brokerLag metrics read each topic's real {@code retention.ms} from the
     * broker. Still accepted (deployments that pass it keep starting) and still feeding the
     * deserializer's deprecated {@code retentionHeadroomMs}, which no alert uses any more.
     */
    public static final TypedOption<Duration> LOG_RETENTION =
            duration(
                    "log-retention",
                    "7d",
                    "deprecated: only the source's deprecated deserializer_partition_retentionHeadroomMs uses "
                            + "it; the brokerLag metrics read the topics' real retention.ms from the broker");

    public static final TypedOption<Duration> LAG_POLL_INTERVAL =
            duration(
                    "lag-poll-interval",
                    "15s",
                    "live job only: how often it reads from the broker its consumer lag on the input topic, "
                            + "the drain's on the shed topic and their retention.ms (the brokerLag metrics)");
    public static final TypedOption<String> DRAIN_GROUP_ID =
            text(
                    "drain-group-id",
                    JobKind.BACKFILL.defaultIdentity,
                    "live job only: the drain's consumer group (the backfill job's --group-id), whose committed "
                            + "offsets on the shed topic are what has been drained, for the shed topic's brokerLag "
                            + "metrics");

    // Flink
    /** The value of an option that leaves the setting to the cluster's configuration. */
    public static final String FROM_CLUSTER = "from-cluster";

    /**
     * Empty: the cluster's {@code execution.checkpointing.interval} (see {@link Checkpointing}).
     */
    public static final TypedOption<Optional<Duration>> CHECKPOINT_INTERVAL =
            parsed(
                    "checkpoint-interval",
                    "a duration such as 500ms, 10s, 5min, or " + FROM_CLUSTER,
                    FROM_CLUSTER,
                    "exactly-once checkpoint interval; output becomes visible to read_committed readers on each one. "
                            + FROM_CLUSTER
                            + ": the cluster's execution.checkpointing.interval (flink-conf, a manifest's "
                            + "flinkConfiguration, -D), "
                            + Checkpointing.DEFAULT_INTERVAL.toSeconds()
                            + "s"
                            + " where it sets none; a value given here overrides the cluster's",
                    s ->
                            s.equals(FROM_CLUSTER)
                                    ? Optional.empty()
                                    : Optional.of(positiveDuration(s)));

    public static final TypedOption<Integer> PARALLELISM =
            parsed(
                    "parallelism",
                    "a positive integer or 'default'",
                    "default",
                    "job parallelism",
                    s -> s.equals("default") ? -1 : positiveInt(s));

    // Records
    public static final TypedOption<Integer> MAX_RECORD_BYTES =
            intOption(
                    "max-record-bytes",
                    "a positive integer, at most " + RecordLimits.MAX_RECORD_BYTES_LIMIT,
                    Integer.toString(RecordLimits.DEFAULT_MAX_RECORD_BYTES),
                    "records whose key and value together are larger are dead letters (reason oversized)",
                    FloodgateOptions::maxRecordBytes);
    public static final TypedOption<String> ARCHIVE_PATH =
            text(
                    "archive-path",
                    NONE,
                    "file system URI of the raw archive of every valid event (exactly once); 'none' disables it");

    // Processing
    public static final TypedOption<String> PROCESSOR_URL =
            text(
                    "processor-url",
                    NONE,
                    "base URL of the processing service (POST <url>/voice, /chat, /image): https:// (http:// only "
                            + "with --processor-allow-plaintext), no user info, query or fragment (a credential goes in "
                            + "--processor-auth-secret); the jobs refuse to start without it unless --dry-run is true");
    public static final TypedOption<Boolean> DRY_RUN =
            flag(
                    "dry-run",
                    "false",
                    "process nothing: every event passes through, its body written as its result; for trying "
                            + "the job without a processing service (excludes --processor-url)");
    public static final TypedOption<String> PROCESSOR_VERSION =
            text(
                    "processor-version",
                    "v1",
                    "version written into every result as processor http-<version>");
    public static final TypedOption<Duration> REQUEST_TIMEOUT =
            duration("request-timeout", "10s", "timeout of one request to the processing service");

    /** The most events in one request of the batch endpoint: bounds a request's body. */
    static final int MAX_BATCH = 1000;

    public static final TypedOption<Integer> PROCESSOR_BATCH_MAX =
            intOption(
                    "processor-batch-max",
                    "an integer from 1 to " + MAX_BATCH,
                    "1",
                    "events per request to the processing service. 1: one POST <url>/<channel> per event. "
                            + "Above 1: an event is sent at once, alone, while fewer than "
                            + "--processor-requests-in-flight requests of its channel are in flight; the events "
                            + "that arrive meanwhile go together, up to this many, in one POST "
                            + "<url>/<channel>/batch as soon as a request ends (no added wait; the service must "
                            + "answer the batch endpoint: docs/contracts.md)",
                    s -> boundedInt(s, MAX_BATCH));
    public static final TypedOption<Integer> PROCESSOR_REQUESTS_IN_FLIGHT =
            intOption(
                    "processor-requests-in-flight",
                    "an integer from 1 to 1000",
                    "4",
                    "with --processor-batch-max above 1: requests in flight to each channel's service per "
                            + "subtask (the lanes' --max-in-flight-<channel> still bounds the events); with "
                            + "batches of k events costing k service times, keep it at least the service's "
                            + "concurrency divided by the subtasks",
                    s -> boundedInt(s, 1000));
    // Processing service security (checked together at start: ProcessorService)
    public static final TypedOption<Boolean> PROCESSOR_ALLOW_PLAINTEXT =
            flag(
                    "processor-allow-plaintext",
                    "false",
                    "accept an http:// --processor-url: customer text in clear, the service unverified; only for a "
                            + "service on the same host or a test setup. Without it only https:// is accepted");
    public static final TypedOption<String> PROCESSOR_TRUSTSTORE =
            text(
                    "processor-truststore",
                    NONE,
                    "the CA certificates the processing service's certificate must chain to: a PKCS12 file or a "
                            + "PEM file of certificates, at the same path on the JobManager and every TaskManager; "
                            + "'none': the JVM's default trust");
    public static final TypedOption<String> PROCESSOR_TRUSTSTORE_PASSWORD =
            text(
                    "processor-truststore-password",
                    NONE,
                    "the PKCS12 truststore's password as "
                            + SecretReference.FORM
                            + " (a literal is refused)");
    public static final TypedOption<String> PROCESSOR_KEYSTORE =
            text(
                    "processor-keystore",
                    NONE,
                    "for a service that wants mutual TLS: the client's key and certificate chain, a PKCS12 file "
                            + "(the key's password is the store's); 'none': no client certificate");
    public static final TypedOption<String> PROCESSOR_KEYSTORE_PASSWORD =
            text(
                    "processor-keystore-password",
                    NONE,
                    "the client keystore's password as "
                            + SecretReference.FORM
                            + " (a literal is refused)");
    public static final TypedOption<String> PROCESSOR_AUTH_HEADER =
            text(
                    "processor-auth-header",
                    NONE,
                    "the header that carries the service's credential on every call, such as Authorization; "
                            + "its value is --processor-auth-secret");
    public static final TypedOption<String> PROCESSOR_AUTH_SECRET =
            text(
                    "processor-auth-secret",
                    NONE,
                    "the whole value of --processor-auth-header (say 'Bearer <token>') as "
                            + SecretReference.FORM
                            + ", read where the HTTP client is built (JobManager at start, each TaskManager); "
                            + "a literal is refused: only the reference is a job parameter");

    // ceilings of the adaptive limit: high enough that a fast service is never held back by them
    // (10,000 calls/s at 5 ms each is 50 in flight), low enough to bound a service's queue if its
    // latency says nothing of its load
    public static final TypedOption<Integer> MAX_IN_FLIGHT_VOICE = laneBudget(Channel.VOICE, "64");
    public static final TypedOption<Integer> MAX_IN_FLIGHT_IMAGE = laneBudget(Channel.IMAGE, "64");
    public static final TypedOption<Integer> MAX_IN_FLIGHT_CHAT = laneBudget(Channel.CHAT, "128");
    public static final TypedOption<InFlightLimit> IN_FLIGHT_LIMIT =
            enumOption(
                    InFlightLimit.class,
                    "in-flight-limit",
                    "adaptive|fixed",
                    "adaptive",
                    "adaptive: each lane finds its service's concurrency from the answers' latency and "
                            + "failures (it grows while answers are about as fast as without load, backs "
                            + "off when they slow down or fail), at most --max-in-flight-<channel>, at "
                            + "least 1; subtasks sharing one service share its slots; fixed: always "
                            + "--max-in-flight-<channel>, tuned by hand to the service's slots",
                    InFlightLimit::parse);
    public static final TypedOption<Integer> LANE_QUEUE =
            integer(
                    "lane-queue",
                    "64",
                    "admitted events ready to be called (their customers' next) waiting per lane and subtask; a "
                            + "full lane stops the input (backpressure): keep it above target wait x the lane's calls "
                            + "per second, or admission never sheds");
    public static final TypedOption<Integer> LANE_CUSTOMER_QUEUE =
            integer(
                    "lane-customer-queue",
                    "16",
                    "events of one customer per lane and subtask, queued and in flight; a customer sending "
                            + "faster than its calls complete has the excess shed (customer_backlog), so its "
                            + "backlog never fills the lane for everyone else");
    public static final TypedOption<Integer> CIRCUIT_FAILURES =
            integer(
                    "circuit-failures",
                    "5",
                    "failed attempts in a row (timeouts, refused connections, 5xx, 429, 401/403/404) that open a "
                            + "lane's circuit: its events go to the shed lane until a probe call is answered");
    public static final TypedOption<Duration> CIRCUIT_OPEN_FOR =
            duration(
                    "circuit-open-for",
                    "10s",
                    "how long a lane's circuit stays open before a probe call; doubles while probes fail "
                            + "(at most 8x)");
    public static final TypedOption<OrderScope> ORDER_SCOPE =
            enumOption(
                    OrderScope.class,
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
    public static final TypedOption<Integer> RETRIES =
            intOption(
                    "retries",
                    "an integer >= 0",
                    "3",
                    "retries of a request that failed for a transient reason (timeout, refused, 5xx, 408, 429), with "
                            + "exponential backoff and jitter; then the event is shed (service_unavailable)",
                    s -> {
                        int v = Integer.parseInt(s);
                        if (v < 0) {
                            throw new IllegalArgumentException("must be at least 0");
                        }
                        return v;
                    });
    public static final TypedOption<Duration> PROCESSING_TIMEOUT =
            duration(
                    "processing-timeout",
                    "60s",
                    "all attempts of one event together; then it is shed (service_unavailable)");

    // Ordering
    public static final TypedOption<Duration> ORDERING_MAX_WAIT =
            duration(
                    "ordering-max-wait",
                    "2s",
                    "how long (in log time) an early event waits for a missing seq before the gap is skipped and reported");
    public static final TypedOption<Integer> ORDERING_MAX_BUFFERED =
            integer(
                    "ordering-max-buffered",
                    "256",
                    "events held per customer while waiting; overflow releases the oldest run with a gap record");
    public static final TypedOption<Integer> ORDERING_MAX_SEQ_JUMP =
            integer(
                    "max-seq-jump",
                    "100000",
                    "an event this many seqs or more ahead of its customer's next expected seq goes to the shed lane (late) until the next event confirms the jump");
    public static final TypedOption<Duration> ORDERING_STATE_TTL =
            duration(
                    "ordering-state-ttl",
                    "7d",
                    "idle customers' ordering state expires after this; keep it equal between live job and replay");
    public static final TypedOption<Duration> DEDUPE_HORIZON =
            duration(
                    "dedupe-horizon",
                    "7d",
                    "how long (in log time) each event id is remembered: a redelivered copy logged within it after the original is dropped, a later one is processed again; at least the interaction log's retention; keep it equal between live job and replay");

    // Shedding
    public static final TypedOption<Boolean> SHEDDING =
            flag(
                    "shedding",
                    "true",
                    "shed low-priority processing of stale events to the shed topic; false: everything waits its turn");
    public static final TypedOption<ChannelPolicy> SHED_VOICE =
            shedChannel("shed-voice", "30s/10s");
    public static final TypedOption<ChannelPolicy> SHED_IMAGE =
            shedChannel("shed-image", "60s/20s");
    public static final TypedOption<ChannelPolicy> SHED_CHAT = shedChannel("shed-chat", "10s/off");

    /** Empty: off, no customer is shed for its rate. */
    public static final TypedOption<OptionalDouble> HOT_KEY_RATE =
            parsed(
                    "hot-key-rate",
                    "events per second, or off",
                    "10",
                    "a customer above this rate has its low and normal events shed, regardless of age, while "
                            + "its channel's service is the bottleneck",
                    s -> {
                        if (s.equals("off")) {
                            return OptionalDouble.empty();
                        }
                        double rate = Double.parseDouble(s);
                        if (!(rate > 0)) {
                            throw new IllegalArgumentException("must be above 0");
                        }
                        return OptionalDouble.of(rate);
                    });

    public static final TypedOption<Boolean> LOG_CUSTOMER_IDS =
            flag(
                    "log-customer-ids",
                    "false",
                    "log lines (the hot-key line) name a customer by its id; false: by a pseudonym, # and "
                            + "12 hex digits of the id's HmacSHA256 under a random key drawn at each job "
                            + "start (comparable within one run only), so logs hold no customer ids");

    // Backfill job
    public static final TypedOption<BackfillMode> MODE =
            enumOption(
                    BackfillMode.class,
                    "mode",
                    "drain|replay",
                    "drain",
                    "backfill job only: drain the shed lane, or replay the log from a savepoint of the live job",
                    BackfillMode::parse);
    public static final TypedOption<Double> MAX_RATE =
            decimal(
                    "max-rate",
                    "500",
                    "backfill job only: events per second, all subtasks together, so the live job keeps its capacity");
    public static final TypedOption<Boolean> YIELD_TO_LIVE =
            flag(
                    "yield-to-live",
                    "true",
                    "backfill job only: take only the services' spare capacity (a delay-based limit per "
                            + "lane, LEDBAT-style: calls in flight grow while the service answers near its "
                            + "base latency and halve down to a pause when live traffic queues there); "
                            + "false: always --max-in-flight-<channel> calls, at most --max-rate");
    public static final TypedOption<Double> YIELD_TARGET =
            decimal(
                    "yield-target",
                    "0.5",
                    "backfill job only, with --yield-to-live: the queueing delay at the service, as a "
                            + "fraction of its base latency, above which the backfill backs off; higher uses "
                            + "more spare capacity and delays live calls more");
    public static final TypedOption<Duration> YIELD_MAX_PAUSE =
            duration(
                    "yield-max-pause",
                    "10s",
                    "backfill job only, with --yield-to-live: the longest pause between probe calls of a "
                            + "backfill that yielded (1 s at first, doubling while live traffic fills the "
                            + "service): what it takes at most while paused, and how soon it sees the flood end");
    public static final TypedOption<String> DRAIN_PRIORITY_HEADER =
            text(
                    "drain-priority-header",
                    NONE,
                    "backfill job only (drain and replay): a header line 'Name: value' sent with every "
                            + "processing call, by which a service that serves by priority lets live calls go "
                            + "first, such as 'Priority: u=7' (RFC 9218 urgency 7, the lowest; the live job "
                            + "never sends it). Visible ASCII; credential headers are refused (use "
                            + "--processor-auth-header). 'none': no header. Either way the backfill takes "
                            + "a 429 (or 503 with Retry-After) as the service's \"not now\": it backs off "
                            + "and calls the event again later, never sheds it again for that");
    public static final TypedOption<String> HIGH_PRIORITY_HEADER =
            text(
                    "high-priority-header",
                    NONE,
                    "live job only: a header line 'Name: value' sent with the processing calls of high "
                            + "events and of the events a high event of their customer waits behind, by which "
                            + "a service that serves by priority serves them before the other live calls, "
                            + "such as 'Priority: u=1' (RFC 9218 urgency 1; a call without the header has "
                            + "urgency 3). Batched (--processor-batch-max), they go in requests of their own, "
                            + "with --processor-requests-in-flight of their own. The lanes then expect the "
                            + "other calls' latency tail, not its mean, when they look at an event about to be "
                            + "called (urgent calls overtake them at the service). "
                            + "Visible ASCII; credential headers are refused (use --processor-auth-header). "
                            + "'none': no header");
    public static final TypedOption<Duration> DRAIN_SETTLE_TIMEOUT =
            duration(
                    "drain-settle-timeout",
                    "15s",
                    "drain only: the longest a checkpoint barrier waits for the outcomes of the events the "
                            + "drain admitted (and its input for room, since a barrier may wait behind it); "
                            + "then each one still without an outcome (its call unanswered, waiting after a "
                            + "\"not now\", or queued) is shed again (service_unavailable, in its customer's "
                            + "order) for a later drain, and the barrier passes. Above a normal settle (a few "
                            + "calls' time: at most 11.5 s measured), above --yield-max-pause when yielding (a "
                            + "paused lane's input waits that long) and below the checkpoint timeout (both "
                            + "checked at start)");
    public static final TypedOption<Boolean> FOLLOW =
            flag(
                    "follow",
                    "false",
                    "drain only: keep draining shed events as they appear (unbounded; stop it with a "
                            + "savepoint); false: drain to the end offsets found at start and finish");
    public static final TypedOption<String> DRAIN_PROGRESS_TOPIC =
            text(
                    "drain-progress-topic",
                    "interactions.shed.progress",
                    "drain only: the compacted topic of the drain's marks, committed with its checkpoints; "
                            + "a run starts where the last committed marks of its group say");

    /** Empty: the end offsets found at start. */
    public static final TypedOption<Optional<Instant>> UNTIL =
            parsed(
                    "until",
                    "end|<ISO-8601 instant>",
                    "end",
                    "replay only: stop at the end offsets found at start, or at the first record logged at or after a time",
                    s -> s.equals("end") ? Optional.empty() : Optional.of(Instant.parse(s)));

    public static final TypedOption<String> REPLAY_TOPIC =
            text(
                    "replay-topic",
                    "interactions.processed",
                    "replay only: where the replay lane is written");
    public static final TypedOption<String> SAVEPOINT =
            text(
                    "savepoint",
                    "from-cluster",
                    "replay only: the live job's savepoint; by default the path the job is restored from "
                            + "(flink run -s, execution.state-recovery.path, initialSavepointPath)");

    private final ParsedOptions values;

    private FloodgateOptions(ParsedOptions values) {
        this.values = values;
        // options that only make sense together (plaintext, stores, credential) refuse to start
        ProcessorService.checkOptions(this);
    }

    /** Parses and validates arguments ({@code --key value} or {@code --key=value}) for a job. */
    public static FloodgateOptions fromArgs(String[] args, JobKind kind) {
        return new FloodgateOptions(ALL.parseArgs(List.of(args), o -> defaultFor(o, kind)));
    }

    /** Validates a map of option values (missing keys take their defaults). */
    public static FloodgateOptions fromMap(Map<String, String> given, JobKind kind) {
        return new FloodgateOptions(ALL.parse(given, o -> defaultFor(o, kind)));
    }

    private static String defaultFor(TypedOption<?> o, JobKind kind) {
        return JOB_DEFAULT.equals(o.defaultText()) ? kind.defaultIdentity : o.defaultText();
    }

    /** Every job option, in declaration order. */
    public static OptionSet all() {
        return ALL;
    }

    public <T> T get(TypedOption<T> option) {
        return values.get(option);
    }

    public boolean isSet(TypedOption<String> option) {
        return !NONE.equals(values.get(option));
    }

    /** All resolved values, as registered in the web UI. */
    public Map<String, String> asMap() {
        return values.asMap();
    }

    /**
     * The resolved values as a Flink configuration, registered as the global job parameters (the
     * web UI shows them; {@code --kafka-config} is the path, never the file's contents).
     */
    public Configuration asGlobalJobParameters() {
        return values.configuration();
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
        return "Usage: "
                + command
                + " --bootstrap-servers host:port [options]\n\n"
                + ALL.usage(o -> defaultFor(o, kind));
    }

    /**
     * The options as a Markdown table, in declaration order: what {@code docs/options.md} holds
     * (generated from the options themselves; {@code OptionsDocTest} checks it is complete).
     */
    public static String markdownTable() {
        return ALL.markdownTable(
                o ->
                        o.defaultText() == null
                                ? null
                                : JOB_DEFAULT.equals(o.defaultText())
                                        ? "`"
                                                + JobKind.LIVE.defaultIdentity
                                                + "` (live), `"
                                                + JobKind.BACKFILL.defaultIdentity
                                                + "` (backfill)"
                                        : "`" + o.defaultText() + "`");
    }

    static final String TEXT_FORM = "a non-empty string";
    static final String DURATION_FORM = "a duration such as 500ms, 10s, 5min, 2h, 7d";

    private static ConfigOption<String> stringOption(String key, String defaultValue) {
        var builder = ConfigOptions.key(key).stringType();
        return defaultValue == null || JOB_DEFAULT.equals(defaultValue)
                ? builder.noDefaultValue()
                : builder.defaultValue(defaultValue);
    }

    static TypedOption<String> text(String key, String defaultValue, String description) {
        return ALL.add(
                TypedOption.of(
                        stringOption(key, defaultValue),
                        TEXT_FORM,
                        defaultValue,
                        description,
                        s -> s));
    }

    /** An option Flink keeps as text, parsed here into its typed value. */
    static <T> TypedOption<T> parsed(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, T> parser) {
        return ALL.add(
                TypedOption.parsed(
                        stringOption(key, defaultValue), form, defaultValue, description, parser));
    }

    static TypedOption<Duration> duration(String key, String defaultValue, String description) {
        return ALL.duration(
                key, DURATION_FORM, defaultValue, description, FloodgateOptions::positiveDuration);
    }

    static TypedOption<Integer> intOption(
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, Integer> parser) {
        return ALL.integer(key, form, defaultValue, description, parser);
    }

    static <E extends Enum<E>> TypedOption<E> enumOption(
            Class<E> type,
            String key,
            String form,
            String defaultValue,
            String description,
            Function<String, E> parser) {
        return ALL.enumeration(type, key, form, defaultValue, description, parser);
    }

    static TypedOption<ChannelPolicy> shedChannel(String key, String defaultValue) {
        return parsed(
                key,
                "<age SLO>/<target wait> such as 30s/10s, <age SLO>/off, or off",
                defaultValue,
                "the channel's low and normal events are shed when their age plus the predicted wait in the "
                        + "lane would exceed the target (at most the SLO); high is never shed. The SLO is "
                        + "the age (log append to result) the freshness alerts measure, also with "
                        + "--shedding false; <age SLO>/off: measured, never shed; off: neither",
                FloodgateOptions::channelPolicy);
    }

    static ChannelPolicy channelPolicy(String s) {
        if (s.equals("off")) {
            return ChannelPolicy.never();
        }
        String[] parts = s.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not two durations separated by /");
        }
        Duration slo = positiveDuration(parts[0]);
        if (parts[1].equals("off")) {
            return ChannelPolicy.measureOnly(slo);
        }
        Duration target = positiveDuration(parts[1]);
        if (target.compareTo(slo) > 0) {
            throw new IllegalArgumentException("the target wait is above the SLO");
        }
        return ChannelPolicy.shed(slo, target, Priority.LOW, Priority.NORMAL);
    }

    static TypedOption<Integer> laneBudget(Channel channel, String defaultValue) {
        return integer(
                "max-in-flight-" + channel.wireName(),
                defaultValue,
                "the most calls in flight per subtask to the "
                        + channel.wireName()
                        + " service: the ceiling of the adaptive limit; with --in-flight-limit fixed, "
                        + "the number in flight: keep it near the service's own concurrency shared by "
                        + "the subtasks (beyond it calls queue in the service, where high cannot go first)");
    }

    static TypedOption<Integer> integer(String key, String defaultValue, String description) {
        return intOption(
                key,
                "a positive integer",
                defaultValue,
                description,
                FloodgateOptions::positiveInt);
    }

    static TypedOption<Double> decimal(String key, String defaultValue, String description) {
        return ALL.decimal(
                key,
                "a positive number",
                defaultValue,
                description,
                FloodgateOptions::positiveDecimal);
    }

    static double positiveDecimal(String s) {
        double d = Double.parseDouble(s);
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("must be above 0");
        }
        return d;
    }

    static TypedOption<Boolean> flag(String key, String defaultValue, String description) {
        return ALL.bool(key, defaultValue, description);
    }

    static int boundedInt(String s, int max) {
        int v = positiveInt(s);
        if (v > max) {
            throw new IllegalArgumentException("must be at most " + max);
        }
        return v;
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

    static StartingOffsets startingOffsets(String s) {
        try {
            return StartingOffsets.parse(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the timestamp is not a whole number", e);
        }
    }
}
