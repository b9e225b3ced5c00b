package dev.floodgate.job;

import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.Channel;
import dev.floodgate.operators.ordering.OrderingConfig;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.LanesConfig;
import dev.floodgate.operators.process.PassThroughProcessor;
import dev.floodgate.operators.process.ProcessingConfig;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.operators.shed.HotKeyPolicy;
import dev.floodgate.operators.shed.ShedPolicy;
import java.io.Serializable;
import java.time.Duration;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of the graph between the edges: validation, ordering, admission and the processing
 * lanes. Built from {@link FloodgateOptions} by the jobs, or directly by tests.
 */
public record Pipeline(
        int maxRecordBytes,
        OrderingConfig ordering,
        AdmissionPolicy shedPolicy,
        EventProcessor processor,
        LanesConfig lanes)
        implements Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    /** The sinks fit every valid event only up to a limit (see {@link RecordLimits}). */
    public Pipeline {
        String problem = RecordLimits.maxRecordBytesProblem(maxRecordBytes);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    public static Pipeline from(FloodgateOptions o) {
        ProcessingConfig processing =
                ProcessingConfig.defaults()
                        .withTotalTimeout(o.get(FloodgateOptions.PROCESSING_TIMEOUT))
                        .withRetries(
                                o.get(FloodgateOptions.RETRIES),
                                Duration.ofMillis(200),
                                Duration.ofSeconds(5));
        LanesConfig lanes =
                LanesConfig.defaults()
                        .withMaxInFlight(Channel.VOICE, o.get(FloodgateOptions.MAX_IN_FLIGHT_VOICE))
                        .withMaxInFlight(Channel.IMAGE, o.get(FloodgateOptions.MAX_IN_FLIGHT_IMAGE))
                        .withMaxInFlight(Channel.CHAT, o.get(FloodgateOptions.MAX_IN_FLIGHT_CHAT))
                        .withLimitPolicy(o.get(FloodgateOptions.IN_FLIGHT_LIMIT).policy())
                        .withMaxQueued(o.get(FloodgateOptions.LANE_QUEUE))
                        .withMaxQueuedPerCustomer(o.get(FloodgateOptions.LANE_CUSTOMER_QUEUE))
                        .withCircuit(
                                o.get(FloodgateOptions.CIRCUIT_FAILURES),
                                o.get(FloodgateOptions.CIRCUIT_OPEN_FOR))
                        .withOrderScope(o.get(FloodgateOptions.ORDER_SCOPE))
                        .withProcessing(processing);
        OrderingConfig ordering =
                OrderingConfig.defaults()
                        .withMaxWait(o.get(FloodgateOptions.ORDERING_MAX_WAIT))
                        .withMaxBuffered(o.get(FloodgateOptions.ORDERING_MAX_BUFFERED))
                        .withMaxSeqJump(o.get(FloodgateOptions.ORDERING_MAX_SEQ_JUMP))
                        .withStateTtl(o.get(FloodgateOptions.ORDERING_STATE_TTL))
                        .withDedupeHorizon(o.get(FloodgateOptions.DEDUPE_HORIZON));
        return new Pipeline(
                o.get(FloodgateOptions.MAX_RECORD_BYTES),
                ordering,
                shedPolicy(o),
                processor(o),
                lanes);
    }

    static EventProcessor processor(FloodgateOptions o) {
        requireProcessorOrDryRun(o);
        if (o.get(FloodgateOptions.DRY_RUN)) {
            LOG.warn(
                    "--{} is true: events pass through unprocessed, their bodies written as results",
                    FloodgateOptions.DRY_RUN.key);
            return new PassThroughProcessor(o.get(FloodgateOptions.PROCESSOR_VERSION));
        }
        return ProcessorService.processor(o);
    }

    /**
     * A job without a processing service would write every event's raw body as its "result" into
     * the processed topic, where readers take it for the service's output: it runs so only when the
     * user says so with {@code --dry-run}. Checked at start, before anything is built.
     */
    public static void requireProcessorOrDryRun(FloodgateOptions o) {
        boolean url = o.isSet(FloodgateOptions.PROCESSOR_URL);
        boolean dryRun = o.get(FloodgateOptions.DRY_RUN);
        if (!url && !dryRun) {
            throw new IllegalArgumentException(
                    "--"
                            + FloodgateOptions.PROCESSOR_URL.key
                            + " is missing: the processing service's base URL; --"
                            + FloodgateOptions.DRY_RUN.key
                            + " true runs the job without one, events passing through unprocessed");
        }
        if (url && dryRun) {
            throw new IllegalArgumentException(
                    "--"
                            + FloodgateOptions.DRY_RUN.key
                            + " true and --"
                            + FloodgateOptions.PROCESSOR_URL.key
                            + " exclude each other: a dry run calls no service");
        }
    }

    static ShedPolicy shedPolicy(FloodgateOptions o) {
        if (!o.get(FloodgateOptions.SHEDDING)) {
            // shedding off, the freshness SLOs stay: the lanes still count results against them
            return ShedPolicy.none()
                    .withChannel(
                            Channel.VOICE, o.get(FloodgateOptions.SHED_VOICE).withoutShedding())
                    .withChannel(
                            Channel.IMAGE, o.get(FloodgateOptions.SHED_IMAGE).withoutShedding())
                    .withChannel(Channel.CHAT, o.get(FloodgateOptions.SHED_CHAT).withoutShedding());
        }
        OptionalDouble hot = o.get(FloodgateOptions.HOT_KEY_RATE);
        return ShedPolicy.none()
                .withChannel(Channel.VOICE, o.get(FloodgateOptions.SHED_VOICE))
                .withChannel(Channel.IMAGE, o.get(FloodgateOptions.SHED_IMAGE))
                .withChannel(Channel.CHAT, o.get(FloodgateOptions.SHED_CHAT))
                .withHotKey(
                        hot.isEmpty()
                                ? HotKeyPolicy.disabled()
                                : HotKeyPolicy.of(hot.getAsDouble(), Duration.ofSeconds(10))
                                        .withLogCustomerIds(
                                                o.get(FloodgateOptions.LOG_CUSTOMER_IDS)));
    }

    /** Defaults for tests: pass-through processing, default shedding and lanes. */
    public static Pipeline defaults() {
        return new Pipeline(
                RecordLimits.DEFAULT_MAX_RECORD_BYTES,
                OrderingConfig.defaults(),
                ShedPolicy.defaults(),
                new PassThroughProcessor(),
                LanesConfig.defaults());
    }

    public Pipeline withProcessor(EventProcessor p) {
        return new Pipeline(maxRecordBytes, ordering, shedPolicy, p, lanes);
    }

    public Pipeline withShedPolicy(AdmissionPolicy policy) {
        return new Pipeline(maxRecordBytes, ordering, policy, processor, lanes);
    }

    public Pipeline withOrdering(OrderingConfig config) {
        return new Pipeline(maxRecordBytes, config, shedPolicy, processor, lanes);
    }

    public Pipeline withLanes(LanesConfig config) {
        return new Pipeline(maxRecordBytes, ordering, shedPolicy, processor, config);
    }

    /** Timeouts and retries of the processing calls. */
    public Pipeline withProcessing(ProcessingConfig config) {
        return withLanes(lanes.withProcessing(config));
    }

    public Pipeline withMaxRecordBytes(int bytes) {
        return new Pipeline(bytes, ordering, shedPolicy, processor, lanes);
    }
}
