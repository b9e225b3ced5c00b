package dev.floodgate.job.tools;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.job.kafka.KafkaAcls;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.kafka.KafkaPreflight;
import dev.floodgate.job.options.TypedOption;
import dev.floodgate.model.Lane;
import dev.floodgate.sources.TopicScan;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@code reconcile --bootstrap-servers host:port [topic options] [--lanes live,backfill]
 * [--idle-timeout 60s] [--json]}: runs {@link Reconcile}, prints its report to standard output and
 * progress lines (every ~5 s on long runs) to standard error. Exit status {@link Tools#OK} when
 * every valid event was processed exactly once across the counted lanes and every invalid record is
 * a dead letter; {@link Tools#FAILED} on any loss, duplicate, id shared by different events,
 * processed record that disagrees with its event, or invalid record not dead-lettered; {@link
 * Tools#NOT_PROCESSED} when nothing of that but valid events ended as processing dead letters.
 * Topics that do not exist, or one that stops advancing for the idle time, are {@link
 * ToolArgs.Unreadable}, not an empty (passing) reconcile.
 */
final class ReconcileCommand {

    /**
     * The job options reconcile reads: the broker, the four topics, and what counts as a valid
     * record.
     */
    static final List<TypedOption<?>> OPTIONS =
            List.of(
                    FloodgateOptions.BOOTSTRAP_SERVERS,
                    FloodgateOptions.KAFKA_CONFIG,
                    FloodgateOptions.INPUT_TOPIC,
                    FloodgateOptions.PROCESSED_TOPIC,
                    FloodgateOptions.SHED_TOPIC,
                    FloodgateOptions.DLQ_TOPIC,
                    FloodgateOptions.MAX_RECORD_BYTES);

    static final String USAGE =
            "reconcile --bootstrap-servers host:port [--kafka-config client.properties] "
                    + "[--input-topic interactions] "
                    + "[--processed-topic interactions.processed] [--shed-topic interactions.shed] [--dlq-topic interactions.dlq] "
                    + "[--max-record-bytes 1048576] [--lanes "
                    + ToolOptions.LANES.defaultText()
                    + "] [--idle-timeout 60s] [--json]";
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(20);

    private ReconcileCommand() {}

    /** What the arguments ask for, validated. */
    record Request(FloodgateOptions options, Set<Lane> lanes, Duration idleTimeout, boolean json) {}

    static Request parse(List<String> args) {
        Set<String> keys =
                OPTIONS.stream()
                        .map(o -> o.key)
                        .collect(Collectors.toCollection(LinkedHashSet::new));
        keys.add(ToolOptions.LANES.key);
        keys.add(ToolOptions.IDLE_TIMEOUT.key);
        ToolArgs a = ToolArgs.parse(args, Set.of(Tools.JSON), keys);
        if (!a.positionals().isEmpty()) {
            throw new ToolArgs.BadArguments(
                    "unexpected argument '"
                            + a.positionals().get(0)
                            + "': reconcile takes options only");
        }
        Set<Lane> lanes =
                ToolOptions.get(ToolOptions.LANES, a.options().remove(ToolOptions.LANES.key));
        Duration idle =
                ToolOptions.get(
                        ToolOptions.IDLE_TIMEOUT, a.options().remove(ToolOptions.IDLE_TIMEOUT.key));
        try {
            return new Request(
                    FloodgateOptions.fromMap(a.options(), JobKind.LIVE),
                    lanes,
                    idle,
                    a.flag(Tools.JSON));
        } catch (IllegalArgumentException e) {
            throw new ToolArgs.BadArguments(e.getMessage());
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        Request r = parse(args);
        FloodgateOptions o = r.options();
        String bootstrap = o.get(FloodgateOptions.BOOTSTRAP_SERVERS);
        ReconcileReport report;
        try {
            List<String> missing =
                    KafkaPreflight.checkAccess(
                            bootstrap,
                            KafkaClientConfig.from(o),
                            METADATA_TIMEOUT,
                            KafkaAcls.reconcile(o));
            if (!missing.isEmpty()) {
                throw new ToolArgs.Unreadable(
                        "no such topic on " + bootstrap + ": " + missing, null);
            }
            report = Reconcile.run(o, r.lanes(), r.idleTimeout(), err::println);
        } catch (ToolArgs.Unreadable e) {
            throw e;
        } catch (TopicScan.Stalled e) {
            throw new ToolArgs.Unreadable(
                    e.getMessage()
                            + " (--"
                            + ToolOptions.IDLE_TIMEOUT.key
                            + " "
                            + r.idleTimeout().toSeconds()
                            + "s)",
                    e);
        } catch (KafkaPreflight.Failure e) {
            // names authentication, TLS trust or the connection, and the option; never a secret
            throw new ToolArgs.Unreadable(e.getMessage(), e);
        } catch (Exception e) {
            Throwable cause =
                    e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException
                    || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new ToolArgs.Unreadable(
                        "no answer from Kafka at "
                                + bootstrap
                                + " within "
                                + METADATA_TIMEOUT.toSeconds()
                                + " s (--"
                                + FloodgateOptions.BOOTSTRAP_SERVERS.key
                                + ")",
                        e);
            }
            throw new ToolArgs.Unreadable(
                    "cannot reconcile the topics on "
                            + bootstrap
                            + ": "
                            + KafkaClientConfig.from(o).redact(String.valueOf(cause)),
                    e);
        }
        out.print(r.json() ? report.toJson() + System.lineSeparator() : report.render());
        return switch (report.verdict()) {
            case PASSED -> Tools.OK;
            case NOT_PROCESSED -> Tools.NOT_PROCESSED;
            case FAILED -> Tools.FAILED;
        };
    }
}
