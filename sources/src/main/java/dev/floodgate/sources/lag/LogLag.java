package dev.floodgate.sources.lag;

import java.util.Map;

/**
 * One topic's lag for one consumer group, measured at {@code measuredAtMs}.
 *
 * @param log what was measured
 * @param retentionMs the topic's {@code retention.ms} as the broker reports it (-1: infinite)
 * @param partitions per partition number
 * @param measuredAtMs wall-clock time of the measurement
 */
public record LogLag(
        MonitoredLog log,
        long retentionMs,
        Map<Integer, PartitionLag> partitions,
        long measuredAtMs) {
    public LogLag {
        partitions = Map.copyOf(partitions);
    }
}
