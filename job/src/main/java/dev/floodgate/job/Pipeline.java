package dev.floodgate.job;

import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.ordering.OrderingConfig;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.operators.process.PassThroughProcessor;
import dev.floodgate.operators.process.ProcessingConfig;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.operators.shed.HotKeyPolicy;
import dev.floodgate.operators.shed.ShedPolicy;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import org.apache.flink.util.TimeUtils;

/**
 * The settings of the graph between the edges: validation, shedding and processing. Built from
 * {@link FloodgateOptions} by the jobs, or directly by tests.
 */
public record Pipeline(
        int maxRecordBytes,
        OrderingConfig ordering,
        ShedPolicy shedPolicy,
        EventProcessor processor,
        ProcessingConfig processing)
        implements Serializable {

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
                        .withMaxInFlight(o.get(FloodgateOptions.MAX_IN_FLIGHT))
                        .withTotalTimeout(o.get(FloodgateOptions.PROCESSING_TIMEOUT))
                        .withRetries(
                                o.get(FloodgateOptions.RETRIES),
                                Duration.ofMillis(200),
                                Duration.ofSeconds(5));
        OrderingConfig ordering =
                OrderingConfig.defaults()
                        .withMaxWait(o.get(FloodgateOptions.ORDERING_MAX_WAIT))
                        .withMaxBuffered(o.get(FloodgateOptions.ORDERING_MAX_BUFFERED))
                        .withStateTtl(o.get(FloodgateOptions.ORDERING_STATE_TTL));
        return new Pipeline(
                o.get(FloodgateOptions.MAX_RECORD_BYTES),
                ordering,
                shedPolicy(o),
                processor(o),
                processing);
    }

    static EventProcessor processor(FloodgateOptions o) {
        if (!o.isSet(FloodgateOptions.PROCESSOR_URL)) {
            return new PassThroughProcessor(o.get(FloodgateOptions.PROCESSOR_VERSION));
        }
        return HttpEventProcessor.forBaseUri(
                URI.create(o.get(FloodgateOptions.PROCESSOR_URL)),
                o.get(FloodgateOptions.REQUEST_TIMEOUT),
                o.get(FloodgateOptions.PROCESSOR_VERSION));
    }

    static ShedPolicy shedPolicy(FloodgateOptions o) {
        if (!o.get(FloodgateOptions.SHEDDING)) {
            return ShedPolicy.none();
        }
        String hot = o.get(FloodgateOptions.HOT_KEY_RATE);
        return ShedPolicy.none()
                .withChannel(Channel.VOICE, channel(o.get(FloodgateOptions.SHED_VOICE)))
                .withChannel(Channel.IMAGE, channel(o.get(FloodgateOptions.SHED_IMAGE)))
                .withChannel(Channel.CHAT, channel(o.get(FloodgateOptions.SHED_CHAT)))
                .withHotKey(
                        hot.equals("off")
                                ? HotKeyPolicy.disabled()
                                : HotKeyPolicy.of(Double.parseDouble(hot), Duration.ofSeconds(10)));
    }

    private static ChannelPolicy channel(String spec) {
        if (spec.equals("off")) {
            return ChannelPolicy.never();
        }
        String[] parts = spec.split("/");
        return ChannelPolicy.shed(
                TimeUtils.parseDuration(parts[0]),
                TimeUtils.parseDuration(parts[1]),
                Priority.LOW,
                Priority.NORMAL);
    }

    /** Defaults for tests: pass-through processing, default shedding. */
    public static Pipeline defaults() {
        return new Pipeline(
                RecordLimits.DEFAULT_MAX_RECORD_BYTES,
                OrderingConfig.defaults(),
                ShedPolicy.defaults(),
                new PassThroughProcessor(),
                ProcessingConfig.defaults());
    }

    public Pipeline withProcessor(EventProcessor p) {
        return new Pipeline(maxRecordBytes, ordering, shedPolicy, p, processing);
    }

    public Pipeline withShedPolicy(ShedPolicy policy) {
        return new Pipeline(maxRecordBytes, ordering, policy, processor, processing);
    }

    public Pipeline withOrdering(OrderingConfig config) {
        return new Pipeline(maxRecordBytes, config, shedPolicy, processor, processing);
    }

    public Pipeline withProcessing(ProcessingConfig config) {
        return new Pipeline(maxRecordBytes, ordering, shedPolicy, processor, config);
    }

    public Pipeline withMaxRecordBytes(int bytes) {
        return new Pipeline(bytes, ordering, shedPolicy, processor, processing);
    }
}
