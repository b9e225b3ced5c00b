package dev.floodgate.bench;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * How many records the sink writers of a job have handed to their Kafka producers, read in-process:
 * a Flink metric reporter (registered on the benchmark's MiniCluster, which runs in this JVM) that
 * keeps a reference to every sink writer's {@code numRecordsSend} counter. Reading them costs
 * nothing, unlike the REST API, whose metric fetcher collects every metric of the TaskManager on
 * each update. The counters of a job are dropped when it ends.
 */
public final class SinkProgress implements MetricReporter {
    static final String NAME = "bench-sink-progress";
    private static final String SENT = "numRecordsSend";

    /** job id -> metric identifier -> the writer's operator name and counter. */
    private static final Map<String, Map<String, Sent>> SENT_BY_JOB = new ConcurrentHashMap<>();

    private record Sent(String operator, Counter counter) {}

    /**
     * Records sent by the writers of job {@code jobId} whose operator name starts with one of
     * {@code sinks}.
     */
    static long sent(String jobId, String... sinks) {
        long sum = 0;
        for (Sent s : SENT_BY_JOB.getOrDefault(jobId, Map.of()).values()) {
            for (String sink : sinks) {
                if (s.operator().startsWith(sink)) {
                    sum += s.counter().getCount();
                    break;
                }
            }
        }
        return sum;
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        Map<String, String> variables = group.getAllVariables();
        String job = variables.get("<job_id>");
        String operator = variables.get("<operator_name>");
        if (name.equals(SENT) && metric instanceof Counter c && job != null && operator != null) {
            // in one step with the removal below: a restarted task's counter must not land in a
            // dropped map
            SENT_BY_JOB.compute(
                    job,
                    (k, counters) -> {
                        Map<String, Sent> m =
                                counters != null ? counters : new ConcurrentHashMap<>();
                        m.put(group.getMetricIdentifier(name), new Sent(operator, c));
                        return m;
                    });
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        String job = group.getAllVariables().get("<job_id>");
        if (name.equals(SENT) && job != null) {
            SENT_BY_JOB.computeIfPresent(
                    job,
                    (k, counters) -> {
                        counters.remove(group.getMetricIdentifier(name));
                        return counters.isEmpty() ? null : counters;
                    });
        }
    }

    /** Named in the cluster configuration: {@code metrics.reporter.<NAME>.factory.class}. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new SinkProgress();
        }
    }
}
