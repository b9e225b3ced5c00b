package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live job as submitted in production ({@link FloodgateJob#submit}: real source, sinks and
 * broker lag monitor) on a local cluster with Flink's Prometheus reporter, scraped over HTTP: every
 * name of k8s/monitoring/metrics.txt (what the alerts and the dashboard may use) is served; the
 * brokerLag series come from one subtask, for both logs and every partition, with each topic's real
 * retention.ms (the shed topic's infinite: headroom +Inf), and the input's lag goes to zero once
 * the job has processed and checkpointed the events.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ExportedMetricsITCase {
    private static final Logger LOG = LoggerFactory.getLogger(ExportedMetricsITCase.class);
    private static final String LAG = "flink_taskmanager_job_task_operator_brokerLag_log_";

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @Test
    void theScrapeServesEveryListedMetricAndTheBrokerLagOfBothLogs() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        Topics.create(bootstrap, 2, Duration.ofDays(1), "em.interactions");
        Topics.create(bootstrap, 2, Duration.ofDays(14), "em.shed");
        keepForever(bootstrap, "em.shed");
        Topics.create(bootstrap, 2, Duration.ofDays(1), "em.processed", "em.dlq");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 40; i++) {
            records.add(
                    InteractionRecords.record(
                            "em.interactions",
                            InteractionRecords.event(
                                    "c" + (i % 8),
                                    i / 8 + 1,
                                    Channel.values()[i % 3],
                                    Priority.NORMAL,
                                    now)));
        }
        KafkaIO.produce(bootstrap, records);
        // the shed lane's backlog, as an earlier run left it (no drain ran since)
        List<ProducerRecord<byte[], byte[]>> shedBefore = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            shedBefore.add(
                    InteractionRecords.record(
                            "em.shed",
                            InteractionRecords.event(
                                    "s" + (i % 4), i / 4 + 1, Channel.VOICE, Priority.LOW, now)));
        }
        KafkaIO.produce(bootstrap, shedBefore);

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(1));
        FloodgateOptions options =
                FloodgateOptions.fromArgs(
                        ("--dry-run true --kafka-plaintext true --bootstrap-servers "
                                        + bootstrap
                                        + " --input-topic em.interactions --shed-topic em.shed"
                                        + " --processed-topic em.processed --dlq-topic em.dlq"
                                        + " --checkpoint-interval 500ms --parallelism 2"
                                        + " --lag-poll-interval 1s --hot-key-rate 0.1")
                                .split(" "),
                        JobKind.LIVE);
        try (LocalFlinkCluster flink =
                LocalFlinkCluster.startOnFreePorts(true, 2, new Configuration())) {
            JobClient job = FloodgateJob.submit(flink.environment(conf), options);
            try {
                // every customer above 0.1 events/s is hot, but no lane is a bottleneck (the
                // demand of one log instant is not even known): nothing is shed, and the shed
                // topic lags by the earlier run's events
                KAFKA.awaitCommitted(
                        records.size() + shedBefore.size(),
                        Duration.ofMinutes(2),
                        "em.processed",
                        "em.shed");
                assertThat(KafkaIO.readCommitted(bootstrap, "em.processed"))
                        .hasSize(records.size());
                int shed = KafkaIO.readCommitted(bootstrap, "em.shed").size();
                assertThat(shed).isEqualTo(shedBefore.size());
                Map<String, List<String>> scrape = awaitCaughtUp(flink.prometheusUrl(), shed);
                List<String> missing = new ArrayList<>();
                for (String name : listedMetrics()) {
                    if (!scrape.containsKey(name)) {
                        missing.add(name);
                    }
                }
                assertThat(missing).as("listed in metrics.txt but not served").isEmpty();

                for (String series : scrape.get(LAG + "partition_lagRecords")) {
                    assertThat(series).contains("subtask_index=\"0\"");
                }
                Map<String, Double> lag = values(scrape, LAG + "partition_lagRecords");
                LOG.info("lagRecords {} with {} shed events", lag, shed);
                assertThat(lag).containsOnlyKeys("input/0", "input/1", "shed/0", "shed/1");
                assertThat(lag.get("input/0") + lag.get("input/1")).isZero();
                // offsets: written without transactions, so no markers among them
                assertThat(lag.get("shed/0") + lag.get("shed/1")).isEqualTo(shed);
                assertThat(values(scrape, LAG + "partition_endOffset"))
                        .satisfies(
                                v ->
                                        assertThat(v.get("input/0") + v.get("input/1"))
                                                .isEqualTo(records.size()));
                assertThat(values(scrape, LAG + "retentionMs"))
                        .containsEntry("input", (double) Duration.ofDays(1).toMillis())
                        .containsEntry("shed", -1.0);
                assertThat(values(scrape, LAG + "partition_retentionHeadroomMs"))
                        .containsEntry("input/0", (double) Duration.ofDays(1).toMillis())
                        .containsEntry("input/1", (double) Duration.ofDays(1).toMillis())
                        // infinite retention: +Inf on the scrape
                        .containsEntry("shed/0", Double.POSITIVE_INFINITY)
                        .containsEntry("shed/1", Double.POSITIVE_INFINITY);
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    /**
     * Scrapes until the input's lag is 0 on both partitions (the events are checkpointed) and the
     * shed topic's at least its {@code shed} events.
     */
    private static Map<String, List<String>> awaitCaughtUp(String url, int shed) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        Map<String, List<String>> scrape = Map.of();
        while (System.nanoTime() < deadline) {
            scrape = scrape(url);
            Map<String, Double> lag = values(scrape, LAG + "partition_lagRecords");
            if (lag.containsKey("input/0")
                    && lag.containsKey("input/1")
                    && lag.get("input/0") == 0
                    && lag.get("input/1") == 0
                    && lag.getOrDefault("shed/0", -1.0) + lag.getOrDefault("shed/1", -1.0) >= shed
                    && scrape.containsKey(
                            "flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_committedOffset")) {
                return scrape;
            }
            Thread.sleep(500);
        }
        LOG.info("last brokerLag scrape: {}", scrape.get(LAG + "partition_lagRecords"));
        return scrape;
    }

    /** Series lines by metric name (a summary's quantile lines under the summary's name). */
    static Map<String, List<String>> scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(url)).build(),
                                HttpResponse.BodyHandlers.ofString());
        Map<String, List<String>> out = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("flink_")) {
                int end = line.indexOf('{');
                String name = line.substring(0, end < 0 ? line.indexOf(' ') : end);
                out.computeIfAbsent(name, k -> new ArrayList<>()).add(line);
            }
        }
        return out;
    }

    /** A brokerLag metric's values by "log/partition" (or "log" for per-log ones). */
    private static Map<String, Double> values(Map<String, List<String>> scrape, String name) {
        Map<String, Double> out = new HashMap<>();
        for (String line : scrape.getOrDefault(name, List.of())) {
            String key = label(line, "log");
            String partition = label(line, "partition");
            if (partition != null) {
                key += "/" + partition;
            }
            String value = line.substring(line.lastIndexOf(' ') + 1);
            out.put(
                    key,
                    value.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(value));
        }
        return out;
    }

    private static String label(String line, String label) {
        int i = line.indexOf("," + label + "=\"");
        if (i < 0) {
            i = line.indexOf("{" + label + "=\"");
        }
        if (i < 0) {
            return null;
        }
        int start = i + label.length() + 3;
        return line.substring(start, line.indexOf('"', start));
    }

    static List<String> listedMetrics() throws IOException {
        Path file = Path.of("..", "k8s", "monitoring", "metrics.txt");
        return Files.readAllLines(file).stream()
                .map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
    }

    /** retention.ms=-1: the shed topic keeps its events until they are drained. */
    private static void keepForever(String bootstrap, String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(
                        Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            org.apache.kafka.common.config.ConfigResource r =
                    new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(
                            Map.of(
                                    r,
                                    List.of(
                                            new org.apache.kafka.clients.admin.AlterConfigOp(
                                                    new org.apache.kafka.clients.admin.ConfigEntry(
                                                            "retention.ms", "-1"),
                                                    org.apache.kafka.clients.admin.AlterConfigOp
                                                            .OpType.SET))))
                    .all()
                    .get();
        }
    }
}
