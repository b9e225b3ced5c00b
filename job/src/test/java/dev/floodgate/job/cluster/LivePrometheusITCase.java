package dev.floodgate.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.model.Channel;
import dev.floodgate.testkit.cluster.ClusterSh;
import dev.floodgate.testkit.events.FloodGenerator;
import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.io.Dirs;
import dev.floodgate.testkit.net.FreePorts;
import dev.floodgate.testkit.prometheus.PrometheusServer;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipped alert rules and dashboard against a real Prometheus scraping the production shape
 * during a flood: scripts/cluster.sh starts a Kafka broker process and a standalone JobManager and
 * TaskManager with the shipped flink-conf (its Prometheus reporter on two free ports); the live job
 * jar is submitted with Flink's CLI; a real {@code prometheus} scrapes both reporters every second
 * (the TaskManager's also serves the broker lag monitor's brokerLag_* series) and evaluates
 * k8s/monitoring/rules.yaml. The FloodGenerator floods voice against a capacity-limited service:
 * more high-priority voice than the service serves (high is never shed), so the source is
 * backpressured, the log falls behind and low and normal voice is shed. The interaction log keeps
 * its records {@link #RETENTION_MS} on the broker, so its retention headroom gets small while the
 * events are still there.
 *
 * <p>Asserted from Prometheus's own /api/v1/alerts: the lag, shedding and retention-edge alerts
 * fire during the flood and resolve after it; the freshness SLO's burn-rate alerts fire during it
 * for chat, whose shedding is off ({@code --shed-chat 5s/off}: its events wait behind the
 * backpressured source and are processed after their SLO, none shed; inactive when the flood
 * begins), and for voice (its high events exceed the service, its low and normal are shed: misses
 * too); the checkpoint alerts and the lag monitor's blind alert never even go pending on this
 * ordinary start. Then every series name of the rules and the dashboard has data in the real
 * scrape, and every panel query of the job's metrics returns data at the flood's peak. Last, the
 * job is cancelled: its series go stale and FloodgateJobGone, which fires on their absence, fires,
 * while the scrape alerts (on {@code up} of {@link #SCRAPE_JOB}) stay quiet.
 *
 * <p>Runs in the {@code cluster} profile: {@code mvn -B verify -Pcluster -pl job -am
 * -Dit.test=LivePrometheusITCase -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}; needs {@code
 * prometheus} on the PATH (Debian's package, which .ci/run installs).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Execution(ExecutionMode.CONCURRENT) // beside the other test classes; its methods in order, below
class LivePrometheusITCase {
    private static final Logger LOG = LoggerFactory.getLogger(LivePrometheusITCase.class);

    /**
     * The test's copy of rules.yaml sets every {@code for:} to this (the shipped 2 to 30 minutes
     * would make the test last half an hour); expressions and thresholds stay as shipped.
     */
    static final String FOR = "5s";

    /** retention.ms of the interaction log on the broker: the headroom alert's base. */
    static final long RETENTION_MS = 20_000;

    static final String LAG = "FloodgateConsumerLagGrowing";
    static final String SHEDDING = "FloodgateSheddingTooLong";
    static final String HEADROOM = "FloodgateRetentionHeadroomLow";
    static final List<String> FLOOD_ALERTS = List.of(LAG, SHEDDING, HEADROOM);

    /**
     * The freshness SLO's multi-window burn-rate alerts, evaluated as shipped: windows 1 h and 5 m
     * (fast), 6 h and 30 m (slow), only for: shortened like every alert's. A window longer than the
     * job's history is the ratio since its series began (rate() divides both sides of the
     * compliance ratio over the same samples), so the shipped rules can fire in a minutes-long
     * flood: what this test cannot show is the burn ending (the 5 m window keeps the flood's misses
     * for 5 minutes); rules-test.yaml tests that, and the windows' lengths, with promtool.
     */
    static final List<String> BURN_ALERTS =
            List.of("FloodgateFreshnessBudgetBurnFast", "FloodgateFreshnessBudgetBurnSlow");

    /** The channels whose burn-rate alerts the flood fires: chat has shedding off. */
    static final Set<String> BURNING_CHANNELS = Set.of("chat", "voice");

    /** Fires when the live job's JobManager job metrics are gone (with {@link #FOR}: 5 s). */
    static final String JOB_GONE = "FloodgateJobGone";

    /**
     * The scrape job of the Flink pods as the Prometheus Operator names the PodMonitor's targets
     * (namespace/name, k8s/monitoring.yaml): the up alerts select it.
     */
    static final String SCRAPE_JOB = "floodgate/floodgate-flink";

    /** Alerts an ordinary start must not raise, not even as pending. */
    static final List<String> QUIET_ALERTS =
            List.of(
                    "FloodgateCheckpointsFailing",
                    "FloodgateNoCheckpoint",
                    "FloodgateRestarting",
                    "FloodgateLagMonitorBlind",
                    "FloodgateCommitLost");

    /**
     * Voice: 3 calls at a time x 100 ms = 30 calls/s; the flood's high voice is 1,500/s x 0.5 x
     * 0.06 = 45/s, above it.
     */
    static final double FLOOD_RATE = 1500;

    /** Before the flood: what the service takes easily. */
    static final double CALM_RATE = 30;

    /**
     * How long before the lag alert can first go pending the flood starts: time for over 10,000
     * records of lag and for the headroom alert (a quarter of {@link #RETENTION_MS} left, plus its
     * for:), about 30 s on a 2-core machine.
     */
    static final Duration FLOOD_LEAD = Duration.ofSeconds(40);

    static final Profile PROFILE = new Profile(2000, 0.5, 0.05, 0.06, 0, 0, 0, 0);

    private static Path root;
    private static ClusterSh cluster;
    private static CapacityLimitedService service;
    private static PrometheusServer prometheus;
    private static AlertTimeline timeline;
    private static ShippedMonitoring monitoring;
    private static long testStartMs;
    private static double peakSeconds = -1;
    private static String jobId;

    /** When the job's series were first seen in Prometheus: the scrape works from then on. */
    private static long scrapedSinceMs = -1;

    @BeforeAll
    static void startEverything() throws Exception {
        testStartMs = System.currentTimeMillis();
        root = Paths.get(System.getProperty("floodgate.root", "..")).toAbsolutePath().normalize();
        Path dir =
                Paths.get(System.getProperty("floodgate.cluster.dir", "target/cluster-it"))
                        .resolveSibling("prometheus-it")
                        .toAbsolutePath();
        Path jobJar =
                Paths.get(
                        System.getProperty(
                                "floodgate.job.jar",
                                root.resolve("job/target/floodgate-job-0.1.0-SNAPSHOT-job.jar")
                                        .toString()));
        assertThat(jobJar).as("the shaded job jar (mvn package)").exists();
        Dirs.deleteRecursively(dir);
        cluster = new ClusterSh(root, dir.resolve("cluster"), jobJar, 2).boundedRestarts();
        cluster.run(Duration.ofMinutes(3), "kafka-start");
        cluster.run(Duration.ofMinutes(3), "start");
        cluster.run(Duration.ofMinutes(2), "topics", "4");
        setRetention("interactions", RETENTION_MS);

        service =
                new CapacityLimitedService(
                                ServiceOptions.defaults()
                                        .channel(Channel.VOICE, 3, Duration.ofMillis(100))
                                        .channel(Channel.IMAGE, 4, Duration.ofMillis(50))
                                        .channel(Channel.CHAT, 16, Duration.ofMillis(2)))
                        .start();

        monitoring = new ShippedMonitoring(root);
        Path promDir = dir.resolve("prometheus");
        Files.createDirectories(promDir);
        Path rules = monitoring.withForDurations(promDir.resolve("rules.yaml"), FOR);
        prometheus =
                PrometheusServer.start(
                        promDir,
                        FreePorts.several(1)[0],
                        SCRAPE_JOB,
                        cluster.reporterPorts.stream()
                                .map(p -> "127.0.0.1:" + p)
                                .collect(Collectors.toList()),
                        rules);
        timeline = new AlertTimeline(prometheus);
        LOG.info(
                "cluster, broker, service and prometheus ({}) up in {} s",
                prometheus.url(),
                (System.currentTimeMillis() - testStartMs) / 1000);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (timeline != null) {
                timeline.close();
            }
            if (prometheus != null) {
                prometheus.close();
            }
            if (service != null) {
                service.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(1)
    void floodAlertsFireInPrometheusAndResolveAfterTheFlood() throws Exception {
        jobId =
                cluster.run(
                                Duration.ofMinutes(2),
                                "submit",
                                "--parallelism",
                                "2",
                                "--checkpoint-interval",
                                "2s",
                                "--starting-offsets",
                                "earliest",
                                "--lag-poll-interval",
                                "1s",
                                "--processor-url",
                                service.baseUri().toString(),
                                "--processor-allow-plaintext",
                                "--max-in-flight-voice",
                                "2",
                                "--shed-voice",
                                "3s/1s",
                                // chat is never shed; its SLO, scaled to the test like voice's: the
                                // backlog of the flood makes its events older than that
                                "--shed-chat",
                                "5s/off",
                                "--hot-key-rate",
                                "off")
                        .trim();
        assertThat(jobId).matches("[0-9a-f]{32}");
        FlinkRest rest = cluster.rest();
        await(
                "the job's brokerLag series in Prometheus",
                Duration.ofSeconds(90),
                () ->
                        !query(
                                        "flink_taskmanager_job_task_operator_brokerLag_log_partition_lagRecords")
                                .isEmpty(),
                () -> "job " + rest.get("/jobs/" + jobId).path("state") + ", targets " + targets());
        scrapedSinceMs = System.currentTimeMillis();

        FloodGenerator generator =
                new FloodGenerator(cluster.bootstrap, "interactions", PROFILE, 19);
        List<Phase> phases =
                List.of(
                        new Phase("before", CALM_RATE, Duration.ofMinutes(2)),
                        new Phase("flood", FLOOD_RATE, Duration.ofMinutes(4)));
        List<Throwable> producerFailure = new ArrayList<>();
        Thread producer =
                new Thread(
                        () -> {
                            try {
                                generator.run(phases, p -> LOG.info("phase {}", p));
                            } catch (Throwable t) {
                                producerFailure.add(t);
                            }
                        },
                        "flood-producer");
        long floodStart = floodStart(System.currentTimeMillis());
        producer.start();
        try {
            Thread.sleep(Math.max(0, floodStart - System.currentTimeMillis()));
            // the flood's alerts are the flood's: none active before it (a lane that sheds for a
            // few seconds while the job starts has stopped, and its 10 s gauge window passed)
            await(
                    "the flood alerts " + FLOOD_ALERTS + " inactive before the flood",
                    Duration.ofSeconds(60),
                    () -> timeline.all(FLOOD_ALERTS, e -> e.state.equals("inactive")),
                    LivePrometheusITCase::situation);
            // nor chat's burn-rate alerts: the calm phase keeps its SLO. Voice's may be active
            // already: the voice lane sometimes sheds low and normal events in the seconds after
            // the job starts (docs/operating.md), a large share of the few events of the calm
            // phase, which stays in the windows (since the start)
            assertThat(
                            query(
                                    "ALERTS{alertname=~\"FloodgateFreshnessBudgetBurn.*\",channel=\"chat\"}"))
                    .as("chat's burn-rate alerts active before the flood: %s", timeline.describe())
                    .isEmpty();
            LOG.info(
                    "burn-rate alerts active as the flood begins: {}",
                    query("ALERTS{alertname=~\"FloodgateFreshnessBudgetBurn.*\"}"));
            floodStart = System.currentTimeMillis();
            generator.endPhase(); // the flood begins
            await(
                    "the flood alerts " + FLOOD_ALERTS + " firing",
                    Duration.ofSeconds(200),
                    () -> timeline.all(FLOOD_ALERTS, e -> e.state.equals("firing")),
                    LivePrometheusITCase::situation);
            // the freshness SLO burns in the same flood: fast and slow, for chat (shedding off)
            // and voice
            for (String alert : BURN_ALERTS) {
                await(
                        alert + " firing for " + BURNING_CHANNELS,
                        Duration.ofSeconds(30),
                        () -> firingChannels(alert).containsAll(BURNING_CHANNELS),
                        () ->
                                "firing for "
                                        + firingChannels(alert)
                                        + ", compliance 5m "
                                        + query("floodgate:slo_compliance:ratio_rate5m")
                                        + "; "
                                        + situation());
            }
            LOG.info(
                    "freshness SLO compliance at the flood's peak: 5m {}, 1h {}; chat events shed:"
                            + " {}",
                    query("floodgate:slo_compliance:ratio_rate5m"),
                    query("floodgate:slo_compliance:ratio_rate1h"),
                    scalar(
                            "sum(flink_taskmanager_job_task_operator_channel_priority_shedEvents{channel=\"chat\"})"));
            peakSeconds = System.currentTimeMillis() / 1000.0;
            long floodEnd = System.currentTimeMillis();
            // the headroom alert fired before loss: the log still holds every record of the flood
            assertThat(earliestOffsets("interactions").values())
                    .as("earliest offsets of the interaction log while the headroom alert fires")
                    .containsOnly(0L);
            assertThat(
                            scalar(
                                    "sum(flink_taskmanager_job_task_operator_brokerLag_log_partition_agedOutRecords)"))
                    .as("records aged out unprocessed while the headroom alert fires")
                    .isEqualTo("0");
            // the flood stops, and with it every arrival: calm traffic after a flood keeps the
            // voice
            // lane shedding some low and normal events while its predicted wait settles (at a few
            // calls per second it jumps over the 1 s target), and FloodgateSheddingTooLong's gauge
            // at 1 with it: the lane's matter, not the alert's (docs/operating.md)
            generator.endPhase();
            LOG.info(
                    "flood of {} s ({} records), {} records behind",
                    (floodEnd - floodStart) / 1000,
                    generator.recordsSent(),
                    scalar(
                            "sum(max by (partition) (flink_taskmanager_job_task_operator_brokerLag_log_partition_lagRecords{log=\"input\"}))"));
            await(
                    "the flood alerts " + FLOOD_ALERTS + " resolved after the flood",
                    Duration.ofSeconds(180),
                    () -> timeline.all(FLOOD_ALERTS, e -> e.state.equals("inactive")),
                    LivePrometheusITCase::situation);
            long resolved = System.currentTimeMillis();
            List<String> logged =
                    new ArrayList<>(
                            List.of(LAG, SHEDDING, HEADROOM, "FloodgateRetentionHeadroomCritical"));
            logged.addAll(BURN_ALERTS);
            for (String a : logged) {
                AlertTimeline.Entry e = timeline.get(a);
                LOG.info(
                        "{}: pending at +{} s, firing at +{} s, last active at +{} s after the flood"
                                + " started (flood ended at +{} s, all resolved by +{} s): {}",
                        a,
                        (e.firstChange("pending", floodStart) - floodStart) / 1000.0,
                        (e.firstChange("firing", floodStart) - floodStart) / 1000.0,
                        (e.lastActive - floodStart) / 1000.0,
                        (floodEnd - floodStart) / 1000.0,
                        (resolved - floodStart) / 1000.0,
                        e.example);
            }
            LOG.info("every alert seen: {}", timeline.describe());
            assertThat(QUIET_ALERTS)
                    .as("alerts seen on an ordinary start: %s", timeline.describe())
                    .allSatisfy(a -> assertThat(timeline.get(a).firstPending).isEqualTo(-1L));
            assertThat(rest.get("/jobs/" + jobId).path("state").asText()).isEqualTo("RUNNING");
        } finally {
            generator.endPhase();
            producer.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(producerFailure).isEmpty();
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(2)
    void everySeriesOfTheRulesAndTheDashboardHasDataInTheRealScrape() throws Exception {
        double now = System.currentTimeMillis() / 1000.0;
        Set<String> names = new TreeSet<>(monitoring.ruleSeries());
        names.addAll(monitoring.dashboardSeries());
        assertThat(names).hasSizeGreaterThan(20);
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            if (prometheus.series(name, testStartMs / 1000.0, now).isEmpty()) {
                missing.add(name);
            }
        }
        assertThat(missing)
                .as(
                        "series of rules.yaml and dashboard.json without data in the scrape of %s",
                        targets())
                .isEmpty();

        // the dashboard's panels at the flood's peak (or now, if the flood test did not get there)
        double at = peakSeconds > 0 ? peakSeconds : now;
        List<String> empty = new ArrayList<>();
        for (Map.Entry<String, String> q : monitoring.panelQueries().entrySet()) {
            if (ShippedMonitoring.series(q.getValue()).isEmpty()) {
                // measured outside the job (the Kafka Exporter): no exporter runs here
                LOG.info("panel {}: not the job's metrics, not queried", q.getKey());
                continue;
            }
            JsonNode result = prometheus.query(q.getValue(), at);
            if (result.isEmpty()) {
                empty.add(q.getKey() + ": " + q.getValue());
            } else {
                LOG.info("panel {}: {}", q.getKey(), result);
            }
        }
        assertThat(empty).as("dashboard panel queries with no data").isEmpty();
    }

    /**
     * The alerts that survive the job: cancelled, the live job's JobManager job metrics go stale at
     * the next scrape, every other alert goes quiet, and FloodgateJobGone fires ({@code for:}
     * shortened to {@link #FOR} like the others). Before, while the job runs, it is inactive.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(3)
    void theJobGoneAlertFiresWhenTheJobIsCancelled() throws Exception {
        assertThat(jobId).as("the live job submitted by the first test").isNotNull();
        FlinkRest rest = cluster.rest();
        assertThat(rest.get("/jobs/" + jobId).path("state").asText()).isEqualTo("RUNNING");
        await(
                JOB_GONE + " inactive while the job runs",
                Duration.ofSeconds(30),
                () -> timeline.get(JOB_GONE).state.equals("inactive"),
                LivePrometheusITCase::situation);
        long cancelled = System.currentTimeMillis();
        HttpResponse<String> response =
                cluster.httpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        cluster.restUrl
                                                                + "/jobs/"
                                                                + jobId
                                                                + "?mode=cancel"))
                                        .method("PATCH", HttpRequest.BodyPublishers.noBody())
                                        .timeout(Duration.ofSeconds(30))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        await(
                JOB_GONE + " firing after the job was cancelled",
                Duration.ofSeconds(60),
                () -> timeline.get(JOB_GONE).state.equals("firing"),
                () ->
                        "job "
                                + rest.get("/jobs/" + jobId).path("state")
                                + ", alerts "
                                + timeline.describe()
                                + ", JobManager job series "
                                + query(
                                        "flink_jobmanager_job_numRestarts{job_name=\"floodgate_live\"}"));
        AlertTimeline.Entry e = timeline.get(JOB_GONE);
        LOG.info(
                "{}: pending at +{} s, firing at +{} s after the cancel: {}",
                JOB_GONE,
                (e.firstChange("pending", cancelled) - cancelled) / 1000.0,
                (e.firstChange("firing", cancelled) - cancelled) / 1000.0,
                query("ALERTS{alertname=\"" + JOB_GONE + "\",alertstate=\"firing\"}"));
        assertThat(rest.get("/jobs/" + jobId).path("state").asText()).isEqualTo("CANCELED");
        // the JobManager and the TaskManager are scraped throughout, the cancelled job's too: a
        // gone job is not a gone scrape (not pending is not asserted: one scrape of the 1 s
        // timeout may fail on a loaded machine)
        assertThat(timeline.get("FloodgateScrapeDown").firstFiring)
                .as("FloodgateScrapeDown: %s", timeline.describe())
                .isEqualTo(-1L);
        // FloodgateScrapeGone (absent up) fires at Prometheus's start with the test's 5 s for:, as
        // its first scrapes wait for target discovery's 5 s update period (the shipped for: is
        // 10 minutes); from the first scraped series on it must not
        assertThat(scrapedSinceMs).as("the job's series seen by the first test").isPositive();
        long seconds = (System.currentTimeMillis() - scrapedSinceMs) / 1000;
        assertThat(
                        query(
                                "count_over_time(ALERTS{alertname=\"FloodgateScrapeGone\",job=\""
                                        + SCRAPE_JOB
                                        + "\",alertstate=\"firing\"}["
                                        + seconds
                                        + "s])"))
                .as("FloodgateScrapeGone firing for %s in the last %s s", SCRAPE_JOB, seconds)
                .isEmpty();
    }

    // ------------------------------------------------------------------------------------------
    // helpers

    /**
     * When the flood starts, given when the lag series appeared: {@link #FLOOD_LEAD} before the
     * second whole minute after that. FloodgateConsumerLagGrowing's {@code deriv(...[10m:1m])}
     * evaluates its inner expression at whole minutes only, and needs two of them with data: it can
     * go pending at the second whole minute after the series appear, not before. A flood started
     * earlier would only build a longer backlog to drain before the alerts resolve.
     */
    static long floodStart(long seriesSeenMs) {
        long minute = 60_000;
        long firstPoint = (seriesSeenMs + 2_000) / minute * minute + minute;
        return Math.max(seriesSeenMs, firstPoint + minute - FLOOD_LEAD.toMillis());
    }

    /** The channel labels of the alert's firing instances now. */
    private static Set<String> firingChannels(String alert) {
        Set<String> channels = new TreeSet<>();
        for (JsonNode r : query("ALERTS{alertname=\"" + alert + "\",alertstate=\"firing\"}")) {
            channels.add(r.path("metric").path("channel").asText());
        }
        return channels;
    }

    /** What the alerts and the lag look like now, for a failure message. */
    private static String situation() {
        return "alerts "
                + timeline.describe()
                + "; input lag records "
                + scalar(
                        "sum(max by (partition) (flink_taskmanager_job_task_operator_brokerLag_log_partition_lagRecords{log=\"input\"}))")
                + ", min headroom s "
                + scalar(
                        "min(flink_taskmanager_job_task_operator_brokerLag_log_partition_retentionHeadroomMs{log=\"input\"}) / 1000")
                + ", shedding "
                + scalar("max(flink_taskmanager_job_task_operator_channel_sheddingActive)");
    }

    private static JsonNode query(String promql) {
        try {
            return prometheus.query(promql, System.currentTimeMillis() / 1000.0);
        } catch (Exception e) {
            throw new AssertionError("query " + promql, e);
        }
    }

    private static String scalar(String promql) {
        JsonNode r = query(promql);
        return r.isEmpty() ? "none" : r.path(0).path("value").path(1).asText();
    }

    private static String targets() {
        try {
            List<String> out = new ArrayList<>();
            for (JsonNode t : prometheus.targets()) {
                out.add(t.path("scrapeUrl").asText() + " " + t.path("health").asText());
            }
            return out.toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    interface Describe {
        String what() throws Exception;
    }

    private static void await(String what, Duration timeout, Check check, Describe seen)
            throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        what
                                + " not seen within "
                                + timeout.toSeconds()
                                + " s; seen: "
                                + seen.what());
            }
            Thread.sleep(500);
        }
        LOG.info("{}: after {} s", what, (System.nanoTime() - start) / 1_000_000_000.0);
    }

    private static Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
        return Admin.create(p);
    }

    private static void setRetention(String topic, long ms) throws Exception {
        try (Admin admin = admin()) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(
                            Map.of(
                                    r,
                                    List.of(
                                            new AlterConfigOp(
                                                    new ConfigEntry(
                                                            "retention.ms", Long.toString(ms)),
                                                    AlterConfigOp.OpType.SET))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<TopicPartition, Long> earliestOffsets(String topic) throws Exception {
        try (Admin admin = admin()) {
            int partitions =
                    admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get(30, TimeUnit.SECONDS)
                            .get(topic)
                            .partitions()
                            .size();
            Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                spec.put(new TopicPartition(topic, i), OffsetSpec.earliest());
            }
            return admin.listOffsets(spec).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }
}
