package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard: k8s/monitoring/dashboard.json, provisioned by the ConfigMap
 * k8s/grafana-dashboard.yaml (which embeds it byte for byte, written by embed-dashboard.sh). It
 * shows what the issue asks for, and every query uses only metric names the live job exports
 * (k8s/monitoring/metrics.txt, checked against a real scrape by ExportedMetricsITCase); promtool
 * parses every query in PrometheusRulesITCase.
 */
class DashboardTest {
    private static final Pattern METRIC = Pattern.compile("\\bflink_[A-Za-z0-9_:]+");

    static Path dashboardFile() {
        return Manifests.k8s("monitoring").resolve("dashboard.json");
    }

    static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(Files.readString(dashboardFile()));
    }

    /** Every panel's queries, in order. */
    static List<String> queries() throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            panel.path("targets").forEach(t -> out.add(t.path("expr").asText()));
        }
        return out;
    }

    /** A query with Grafana's variables replaced, as Prometheus receives it. */
    static String asSent(String query) {
        return query.replace("$__rate_interval", "1m").replace("$namespace", ".*");
    }

    @Test
    void theConfigMapProvisionsTheDashboardByteForByte() throws IOException {
        JsonNode cm = Manifests.document(Manifests.k8s("grafana-dashboard.yaml"));
        assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText())
                .isEqualTo("1");
        assertThat(cm.path("data").path("floodgate.json").asText())
                .as(
                        "k8s/grafana-dashboard.yaml differs from k8s/monitoring/dashboard.json: run"
                                + " k8s/monitoring/embed-dashboard.sh")
                .isEqualTo(Files.readString(dashboardFile()));
    }

    @Test
    void itShowsTheFlowTheLagTheAgesTheSheddingTheCheckpointsTheHeadroomAndTheBackpressure()
            throws IOException {
        JsonNode d = dashboard();
        assertThat(d.path("uid").asText()).isEqualTo("floodgate");
        List<String> titles = new ArrayList<>();
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : d.path("panels")) {
            titles.add(panel.path("title").asText());
            ids.add(panel.path("id").asInt());
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            assertThat(panel.path("description").asText()).isNotBlank();
        }
        assertThat(ids).as("panel ids are distinct").hasSize(titles.size());
        assertThat(titles)
                .contains(
                        "Arrivals vs processed",
                        "Lag per partition (records)",
                        "Lag per partition (time)",
                        "Age at processing per channel and priority (p99)",
                        "Shed fraction per channel",
                        "Checkpoints",
                        "Retention headroom",
                        "Backpressure and busy per vertex",
                        "Consumer group lag (Kafka Exporter)",
                        "Freshness SLO compliance per channel");
    }

    /**
     * Queries of the job's metrics select the live job of the chosen namespaces; those of the Kafka
     * Exporter (measured outside the job, in the Kafka cluster's namespace) select a consumer group
     * of the jobs' manifests by name.
     */
    @Test
    void everyQueryUsesOnlyExportedMetricNamesOfTheLiveJob() throws IOException {
        Set<String> unknown = new TreeSet<>();
        Set<String> groups =
                Set.of(
                        MonitoringManifestsTest.groupId("live-job.yaml"),
                        MonitoringManifestsTest.groupId("backfill-job.yaml"));
        int external = 0;
        for (String q : queries()) {
            Matcher e = MonitoringManifestsTest.EXPORTER_METRIC.matcher(q);
            if (e.find()) {
                external++;
                e.reset();
                while (e.find()) {
                    if (!MonitoringManifestsTest.EXTERNAL_METRICS.contains(e.group())) {
                        unknown.add(e.group());
                    }
                }
                Matcher g = MonitoringManifestsTest.CONSUMER_GROUP.matcher(q);
                assertThat(g.find()).as("selects a consumer group: " + q).isTrue();
                assertThat(g.group(1)).as("a consumer group of the jobs: " + q).isIn(groups);
                assertThat(METRIC.matcher(q).find()).as("no job metric in " + q).isFalse();
                continue;
            }
            Matcher m = METRIC.matcher(q);
            assertThat(m.find()).as("a metric in " + q).isTrue();
            m.reset();
            while (m.find()) {
                if (!MonitoringManifestsTest.KNOWN_METRICS.contains(m.group())) {
                    unknown.add(m.group());
                }
            }
            assertThat(q)
                    .as("selects the live job of the chosen namespaces")
                    .contains("job_name=\"floodgate_live\",namespace=~\"$namespace\"");
        }
        assertThat(unknown)
                .as("not in k8s/monitoring/metrics.txt or external-metrics.txt")
                .isEmpty();
        assertThat(external).as("queries of the Kafka Exporter's consumer group lag").isPositive();
    }
}
