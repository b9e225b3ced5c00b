package dev.floodgate.sources.lag;

import dev.floodgate.model.RawRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Hosts the broker lag monitor in a job, so that Flink's metric reporters export its metrics
 * ({@link LagGauges}): a stateless pass-through of the log's records (they are not looked at) whose
 * subtask 0 alone runs a {@link LagPoller} on a daemon thread, from {@code open} to {@code close};
 * the other subtasks only pass records on. One subtask, so each partition is one series and the
 * broker is asked once per interval whatever the parallelism.
 *
 * <p>Lag is measured from what the group has committed, which the Kafka source does on each
 * completed checkpoint: what the job has processed and made durable. Not what the source has
 * fetched: under backpressure the source is at the end of the log while the backlog sits in its
 * buffers and the operators' queues.
 */
public final class BrokerLagMonitor extends RichMapFunction<RawRecord, RawRecord> {
    private static final long serialVersionUID = 1L;

    private final HashMap<String, String> clientProperties;
    private final List<MonitoredLog> logs;
    private final Duration interval;
    private transient LagPoller poller;

    /**
     * @param clientProperties settings of every Kafka client, with {@code bootstrap.servers}
     * @param logs the topics and the groups that read them
     * @param interval between two measurements of all logs
     */
    public BrokerLagMonitor(
            Map<String, String> clientProperties, List<MonitoredLog> logs, Duration interval) {
        if (!clientProperties.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("the lag monitor needs bootstrap.servers");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the lag poll interval must be above zero");
        }
        this.clientProperties = new HashMap<>(clientProperties);
        this.logs = List.copyOf(logs);
        this.interval = interval;
    }

    public List<MonitoredLog> logs() {
        return logs;
    }

    @Override
    public void open(OpenContext context) {
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            return;
        }
        LagGauges gauges = new LagGauges(getRuntimeContext().getMetricGroup(), logs);
        String clientId =
                "floodgate-lag-" + getRuntimeContext().getJobInfo().getJobId().toHexString();
        poller =
                new LagPoller(
                                clientProperties,
                                clientId,
                                logs,
                                interval,
                                gauges::update,
                                gauges::failed)
                        .start();
    }

    @Override
    public RawRecord map(RawRecord record) {
        return record;
    }

    @Override
    public void close() throws Exception {
        if (poller != null) {
            poller.close();
            poller = null;
        }
    }
}
