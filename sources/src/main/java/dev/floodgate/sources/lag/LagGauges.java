package dev.floodgate.sources.lag;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The broker lag monitor's metrics, under group {@code brokerLag} and key/value groups the
 * Prometheus reporter turns into labels ({@code
 * flink_taskmanager_job_task_operator_brokerLag_...}):
 *
 * <ul>
 *   <li>{@code log=<name>,partition=<p>}: gauges {@code lagRecords}, {@code lagMs}, {@code
 *       retentionHeadroomMs} (+Inf for infinite retention), {@code agedOutRecords} (see {@link
 *       PartitionLag}), {@code endOffset} and {@code committedOffset} (their rates: arrivals and
 *       what the group processes);
 *   <li>{@code log=<name>}: gauges {@code retentionMs} (the topic's, -1 infinite) and {@code
 *       measurementAgeMs} (since the last successful measurement; -1 before the first);
 *   <li>counter {@code pollFailures}: measurements that failed.
 * </ul>
 *
 * A partition's gauges appear with its first measurement (a partition added later appears then).
 * Updated by the poller thread, read by the reporter.
 */
final class LagGauges {
    private final MetricGroup group;
    private final Counter failures;
    private final Map<String, LogLag> latest = new ConcurrentHashMap<>();
    private final Map<String, MetricGroup> logGroups = new ConcurrentHashMap<>();
    private final Map<String, Boolean> registered = new ConcurrentHashMap<>();

    LagGauges(MetricGroup operatorGroup, Iterable<MonitoredLog> logs) {
        this.group = operatorGroup.addGroup("brokerLag");
        this.failures = group.counter("pollFailures");
        for (MonitoredLog log : logs) {
            MetricGroup g = group.addGroup("log", log.name());
            logGroups.put(log.name(), g);
            g.gauge(
                    "retentionMs",
                    () -> {
                        LogLag l = latest.get(log.name());
                        return l == null ? -1L : l.retentionMs();
                    });
            g.gauge(
                    "measurementAgeMs",
                    () -> {
                        LogLag l = latest.get(log.name());
                        return l == null ? -1L : System.currentTimeMillis() - l.measuredAtMs();
                    });
        }
    }

    void failed() {
        failures.inc();
    }

    void update(LogLag lag) {
        String name = lag.log().name();
        latest.put(name, lag);
        for (int p : lag.partitions().keySet()) {
            if (registered.putIfAbsent(name + "/" + p, Boolean.TRUE) == null) {
                register(name, p);
            }
        }
    }

    private void register(String name, int partition) {
        MetricGroup g = logGroups.get(name).addGroup("partition", Integer.toString(partition));
        g.gauge("lagRecords", () -> value(name, partition).lagRecords());
        g.gauge("lagMs", () -> value(name, partition).lagMs());
        g.gauge("retentionHeadroomMs", () -> value(name, partition).retentionHeadroomMs());
        g.gauge("agedOutRecords", () -> value(name, partition).agedOutRecords());
        g.gauge("endOffset", () -> value(name, partition).endOffset());
        g.gauge("committedOffset", () -> value(name, partition).committedOffset());
    }

    /** The partition's last measure (NaN headroom for a partition no longer in the topic). */
    private PartitionLag value(String name, int partition) {
        PartitionLag p = latest.get(name).partitions().get(partition);
        return p != null ? p : new PartitionLag(partition, 0, 0, Double.NaN, 0, -1, -1);
    }
}
