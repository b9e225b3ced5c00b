package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * k8s/monitoring.yaml: a PodMonitor that finds the Flink pods' metrics port, and the alerts
 * Floodgate needs, whose rules are k8s/monitoring/rules.yaml (evaluated by promtool in
 * PrometheusRulesITCase).
 */
class MonitoringManifestsTest {
    /**
     * Metric names as Flink's Prometheus reporter exposes them: k8s/monitoring/metrics.txt, which
     * ExportedMetricsITCase checks against a real scrape of the live job.
     */
    static final Set<String> KNOWN_METRICS = knownMetrics();

    /**
     * Metric names from outside the job (Prometheus's {@code up}, Strimzi's Kafka Exporter):
     * k8s/monitoring/external-metrics.txt. They stay when the job or its metrics are gone, which is
     * what the alerts on a gone job need.
     */
    static final Set<String> EXTERNAL_METRICS = names("external-metrics.txt");

    static Set<String> knownMetrics() {
        return names("metrics.txt");
    }

    private static Set<String> names(String file) {
        try {
            Set<String> names = new TreeSet<>();
            for (String line : Files.readAllLines(Manifests.k8s("monitoring").resolve(file))) {
                String l = line.trim();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    names.add(l);
                }
            }
            return names;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static final Set<String> REQUIRED_ALERTS =
            Set.of(
                    "FloodgateConsumerLagGrowing",
                    "FloodgateConsumerLagTime",
                    "FloodgateRetentionHeadroomLow",
                    "FloodgateRetentionHeadroomCritical",
                    "FloodgateDeadLetters",
                    "FloodgateCheckpointsFailing",
                    "FloodgateSheddingTooLong",
                    "FloodgateProcessingServiceRejects",
                    "FloodgateProcessingServiceDown",
                    "FloodgateJobGone",
                    "FloodgateScrapeDown",
                    "FloodgateScrapeGone",
                    "FloodgateConsumerGroupLagGrowing",
                    "FloodgateFreshnessBudgetBurnFast",
                    "FloodgateFreshnessBudgetBurnSlow");

    /** The freshness SLO's compliance per channel, over the burn-rate alerts' windows. */
    static final Set<String> SLO_RECORDS =
            Set.of(
                    "floodgate:slo_compliance:ratio_rate5m",
                    "floodgate:slo_compliance:ratio_rate30m",
                    "floodgate:slo_compliance:ratio_rate1h",
                    "floodgate:slo_compliance:ratio_rate6h");

    /** Prometheus's naming convention for recorded series: level:metric:operations. */
    static final Pattern RECORD_NAME = Pattern.compile("[a-z_]+:[a-z_]+:[a-z0-9_]+");

    private static final Pattern METRIC = Pattern.compile("\\bflink_[A-Za-z0-9_:]+");

    /** The Kafka Exporter's names (kafka_*), and Prometheus's up with its selector. */
    static final Pattern EXPORTER_METRIC = Pattern.compile("\\bkafka_[A-Za-z0-9_:]+");

    static final Pattern UP = Pattern.compile("\\bup\\{([^}]*)\\}");
    static final Pattern JOB_LABEL = Pattern.compile("\\bjob=~?\"([^\"]*)\"");
    static final Pattern CONSUMER_GROUP = Pattern.compile("\\bconsumergroup=~?\"([^\"]*)\"");

    static Path rulesFile() {
        return Manifests.k8s("monitoring").resolve("rules.yaml");
    }

    static Path rulesTestFile() {
        return Manifests.k8s("monitoring").resolve("rules-test.yaml");
    }

    static List<JsonNode> docs() {
        return Manifests.documents(Manifests.k8s("monitoring.yaml"));
    }

    static JsonNode kind(String kind) {
        return docs().stream()
                .filter(d -> d.path("kind").asText().equals(kind))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in k8s/monitoring.yaml"));
    }

    @Test
    void podMonitorScrapesTheFlinkPodsMetricsPort() {
        JsonNode pm = kind("PodMonitor");
        assertThat(pm.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        JsonNode endpoints = pm.path("spec").path("podMetricsEndpoints");
        assertThat(endpoints).isNotEmpty();
        assertThat(endpoints.get(0).path("port").asText()).isEqualTo("metrics");
        // It selects the pods of both jobs by their pod template labels.
        JsonNode selector = pm.path("spec").path("selector").path("matchLabels");
        assertThat(selector.size()).isPositive();
        for (String file : List.of("live-job.yaml", "backfill-job.yaml")) {
            JsonNode labels =
                    Manifests.document(Manifests.k8s(file))
                            .path("spec")
                            .path("podTemplate")
                            .path("metadata")
                            .path("labels");
            selector.fields()
                    .forEachRemaining(
                            e ->
                                    assertThat(labels.path(e.getKey()).asText())
                                            .as(file + " label " + e.getKey())
                                            .isEqualTo(e.getValue().asText()));
            assertThat(
                            Manifests.document(Manifests.k8s(file))
                                    .path("metadata")
                                    .path("namespace")
                                    .asText())
                    .isIn(toList(pm.path("spec").path("namespaceSelector").path("matchNames")));
        }
    }

    @Test
    void theAlertsAreThereAndComplete() {
        JsonNode rule = kind("PrometheusRule");
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        Set<String> alerts = new TreeSet<>();
        Set<String> records = new TreeSet<>();
        List<String> errors = new ArrayList<>();
        for (JsonNode group : rule.path("spec").path("groups")) {
            assertThat(group.path("name").asText()).isNotBlank();
            for (JsonNode r : group.path("rules")) {
                if (r.has("record")) {
                    // a recording rule: a level:metric:operations name, an expression of known
                    // metrics, and nothing an alert needs
                    String record = r.path("record").asText();
                    if (!RECORD_NAME.matcher(record).matches()) {
                        errors.add(record + ": not a level:metric:operations name");
                    }
                    Matcher m = METRIC.matcher(r.path("expr").asText());
                    while (m.find()) {
                        if (!KNOWN_METRICS.contains(m.group())) {
                            errors.add(record + ": unknown metric " + m.group());
                        }
                    }
                    records.add(record);
                    continue;
                }
                String alert = r.path("alert").asText();
                alerts.add(alert);
                if (r.path("expr").asText().isBlank()) {
                    errors.add(alert + ": no expr");
                }
                if (!Set.of("warning", "critical")
                        .contains(r.path("labels").path("severity").asText())) {
                    errors.add(alert + ": severity must be warning or critical");
                }
                if (r.path("annotations").path("summary").asText().isBlank()) {
                    errors.add(alert + ": no summary");
                }
                Matcher m = METRIC.matcher(r.path("expr").asText());
                while (m.find()) {
                    if (!KNOWN_METRICS.contains(m.group())) {
                        errors.add(alert + ": unknown metric " + m.group());
                    }
                }
                Matcher e = EXPORTER_METRIC.matcher(r.path("expr").asText());
                while (e.find()) {
                    if (!EXTERNAL_METRICS.contains(e.group())) {
                        errors.add(alert + ": unknown metric " + e.group());
                    }
                }
            }
        }
        assertThat(errors).isEmpty();
        assertThat(alerts).containsAll(REQUIRED_ALERTS);
        assertThat(records).containsAll(SLO_RECORDS);
    }

    /**
     * The PrometheusRule's spec is rules.yaml, indented by two spaces, byte for byte: promtool
     * tests that file, and kubectl applies the manifest, so they must not drift. Embedding (rather
     * than generating the manifest in the build) keeps "kubectl apply -f k8s/monitoring.yaml"
     * working from a checkout; this test is what keeps the copy honest.
     */
    @Test
    void thePrometheusRulesSpecIsRulesYamlByteForByte() throws IOException {
        String manifest = Files.readString(Manifests.k8s("monitoring.yaml"));
        String[] documents = manifest.split("(?m)^---$");
        String last = documents[documents.length - 1];
        assertThat(last)
                .as("the PrometheusRule is the last document of k8s/monitoring.yaml")
                .contains("\nkind: PrometheusRule\n");
        int spec = last.indexOf("\nspec:\n");
        assertThat(spec).as("the PrometheusRule's spec: line").isPositive();
        String embedded = last.substring(spec + "\nspec:\n".length());
        String expected = Files.readString(rulesFile()).replaceAll("(?m)^(?=.)", "  ");
        assertThat(embedded)
                .as(
                        "k8s/monitoring.yaml's PrometheusRule spec differs from"
                                + " k8s/monitoring/rules.yaml: edit rules.yaml, then run"
                                + " k8s/monitoring/embed-rules.sh")
                .isEqualTo(expected);
    }

    /**
     * Every alert of rules.yaml has promtool unit tests in rules-test.yaml that expect it firing
     * and that expect it silent: an alert added without them fails here, not in production.
     */
    @Test
    void everyAlertHasPromtoolTestsThatFireItAndKeepItSilent() {
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : Manifests.document(rulesFile()).path("groups")) {
            for (JsonNode r : group.path("rules")) {
                if (r.has("alert")) { // recording rules are tested through the alerts on them
                    alerts.add(r.path("alert").asText());
                }
            }
        }
        JsonNode tests = Manifests.document(rulesTestFile());
        assertThat(toList(tests.path("rule_files"))).containsExactly("rules.yaml");
        Set<String> firing = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode t : test.path("alert_rule_test")) {
                String alert = t.path("alertname").asText();
                (t.path("exp_alerts").isEmpty() ? silent : firing).add(alert);
            }
        }
        assertThat(alerts).hasSize(19);
        assertThat(firing).as("alerts expected firing in rules-test.yaml").isEqualTo(alerts);
        assertThat(silent).as("alerts expected silent in rules-test.yaml").isEqualTo(alerts);
    }

    /**
     * The promtool tests feed the alerts series of names the job really exports, or of the listed
     * names from outside it.
     */
    @Test
    void thePromtoolTestsUseOnlyExportedMetricNames() {
        Set<String> unknown = new TreeSet<>();
        for (JsonNode test : Manifests.document(rulesTestFile()).path("tests")) {
            for (JsonNode series : test.path("input_series")) {
                String text = series.path("series").asText();
                String name = text.contains("{") ? text.substring(0, text.indexOf('{')) : text;
                if (!KNOWN_METRICS.contains(name) && !EXTERNAL_METRICS.contains(name)) {
                    unknown.add(name);
                }
            }
        }
        assertThat(unknown)
                .as(
                        "series names in neither k8s/monitoring/metrics.txt nor"
                                + " k8s/monitoring/external-metrics.txt")
                .isEmpty();
    }

    /**
     * The names from outside the job select what the manifests deploy: up by the job label
     * Prometheus gives a PodMonitor's targets ("namespace/name" of a PodMonitor in
     * k8s/monitoring.yaml), the Kafka Exporter's lag by a consumer group of the jobs' manifests
     * (--group-id). A renamed PodMonitor or group would otherwise leave these alerts silently
     * blind, or firing for good.
     */
    @Test
    void theAlertsFromOutsideTheJobSelectWhatTheManifestsDeploy() throws IOException {
        Set<String> podMonitorJobs = new TreeSet<>();
        for (JsonNode d : docs()) {
            if (d.path("kind").asText().equals("PodMonitor")) {
                podMonitorJobs.add(
                        d.path("metadata").path("namespace").asText()
                                + "/"
                                + d.path("metadata").path("name").asText());
            }
        }
        Set<String> groups = new TreeSet<>();
        for (String file : List.of("live-job.yaml", "backfill-job.yaml")) {
            groups.add(groupId(file));
        }
        String rules = Files.readString(rulesFile());
        Set<String> upJobs = new TreeSet<>();
        Matcher up = UP.matcher(rules);
        while (up.find()) {
            Matcher job = JOB_LABEL.matcher(up.group(1));
            assertThat(job.find()).as("up selects a job: " + up.group()).isTrue();
            upJobs.addAll(List.of(job.group(1).split("\\|")));
        }
        assertThat(upJobs).as("the jobs of up in rules.yaml").isEqualTo(podMonitorJobs);
        Matcher group = CONSUMER_GROUP.matcher(rules);
        int selectors = 0;
        while (group.find()) {
            selectors++;
            assertThat(group.group(1)).as("a consumer group of the jobs").isIn(groups);
        }
        assertThat(selectors).as("kafka_consumergroup_lag selected by consumergroup").isPositive();
        assertThat(rules).contains("consumergroup=\"" + groupId("live-job.yaml") + "\"");
    }

    /**
     * Strimzi's Kafka Exporter is scraped: a PodMonitor selects the exporter pod of the Kafka
     * cluster the topics belong to (Strimzi names it "cluster-kafka-exporter"), in the topics'
     * namespace, on Strimzi's metrics port.
     */
    @Test
    void aPodMonitorScrapesStrimzisKafkaExporter() {
        JsonNode topic = Manifests.documents(Manifests.k8s("topics.yaml")).get(0);
        String cluster = topic.path("metadata").path("labels").path("strimzi.io/cluster").asText();
        assertThat(cluster).isNotBlank();
        JsonNode pm =
                docs().stream()
                        .filter(d -> d.path("kind").asText().equals("PodMonitor"))
                        .filter(
                                d ->
                                        d.path("spec")
                                                .path("selector")
                                                .path("matchLabels")
                                                .path("strimzi.io/name")
                                                .asText()
                                                .equals(cluster + "-kafka-exporter"))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new AssertionError(
                                                "no PodMonitor of the Kafka Exporter of "
                                                        + cluster));
        assertThat(toList(pm.path("spec").path("namespaceSelector").path("matchNames")))
                .contains(topic.path("metadata").path("namespace").asText());
        assertThat(pm.path("spec").path("podMetricsEndpoints").get(0).path("port").asText())
                .isEqualTo("tcp-prometheus");
        assertThat(pm.path("metadata").path("labels").path("release").asText())
                .isEqualTo(
                        kind("PodMonitor")
                                .path("metadata")
                                .path("labels")
                                .path("release")
                                .asText());
    }

    /** The --group-id argument of a job manifest. */
    static String groupId(String file) {
        List<String> args =
                toList(
                        Manifests.document(Manifests.k8s(file))
                                .path("spec")
                                .path("job")
                                .path("args"));
        int i = args.indexOf("--group-id");
        assertThat(i).as(file + ": --group-id").isNotNegative();
        return args.get(i + 1);
    }

    private static List<String> toList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
