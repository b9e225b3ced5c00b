package dev.floodgate.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testkit.cluster.ClusterSh;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.io.Dirs;
import dev.floodgate.testkit.kafka.KafkaIO;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * The production shape on one machine: a real standalone Flink session cluster (JobManager and
 * TaskManager as separate JVMs, from Maven Central jars) and a real Kafka broker process, both
 * started by {@code scripts/cluster.sh}; the live job jar submitted with Flink's CLI; events in,
 * results read back {@code read_committed}; the REST overview and backpressure endpoints; the
 * TaskManager's Prometheus endpoint with Floodgate's metrics; a savepoint through REST; TLS on the
 * REST API (mutual) and on internal traffic, as the script turns it on. Everything is stopped by
 * pid afterwards, even on failure.
 *
 * <p>Runs in the {@code cluster} profile: {@code mvn -B verify -Pcluster -pl job -am
 * -Dit.test=StandaloneClusterITCase -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Execution(ExecutionMode.CONCURRENT) // beside the other test classes (docs/reliability.md)
class StandaloneClusterITCase {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneClusterITCase.class);

    /**
     * Floodgate's metrics as the Prometheus reporter names them (logical scope + name, '.' -> '_'),
     * that must be on the TaskManager's endpoint once events flowed. Extend this list as operators
     * gain metrics (shed counts, event age per lane, reorder buffer, gaps).
     */
    static final List<String> EXPECTED_TASKMANAGER_METRICS =
            List.of(
                    // BrokerLagMonitor, per log and partition (labels log, partition)
                    "flink_taskmanager_job_task_operator_brokerLag_log_partition_lagRecords",
                    "flink_taskmanager_job_task_operator_brokerLag_log_partition_lagMs",
                    "flink_taskmanager_job_task_operator_brokerLag_log_partition_retentionHeadroomMs",
                    "flink_taskmanager_job_task_operator_brokerLag_log_retentionMs",
                    // RawRecordDeserializer, per partition (label partition="<p>"), deprecated
                    "flink_taskmanager_job_task_operator_deserializer_partition_retentionHeadroomMs",
                    "flink_taskmanager_job_task_operator_deserializer_partition_eventAgeAtReadMs",
                    // ParseInteractions
                    "flink_taskmanager_job_task_operator_validEvents",
                    "flink_taskmanager_job_task_operator_deadLetters",
                    // KafkaSource: records behind the end of the log per reader (sum of its
                    // partitions' lag)
                    "flink_taskmanager_job_task_operator_pendingRecords",
                    "flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max",
                    // KafkaSource, per partition (labels topic, partition)
                    "flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_currentOffset",
                    "flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_committedOffset",
                    // Backpressure as the web UI computes it
                    "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                    "flink_taskmanager_job_task_busyTimeMsPerSecond");

    /** The JobManager's metrics the checkpoint alerts use. */
    static final List<String> EXPECTED_JOBMANAGER_METRICS =
            List.of(
                    "flink_jobmanager_job_numberOfFailedCheckpoints",
                    "flink_jobmanager_job_numberOfCompletedCheckpoints",
                    "flink_jobmanager_job_lastCheckpointDuration",
                    "flink_jobmanager_job_numRestarts");

    private static final String BACKFILL_CLASS = "dev.floodgate.job.BackfillJob";
    private static final int PARTITIONS = 4;
    private static final int CUSTOMERS = 200;
    private static final int EVENTS = 2_000;

    private static ClusterSh cluster;
    private static String bootstrap;
    private static FlinkRest rest;
    private static String restUrl;
    private static String jobId;
    private static String savepoint;
    private static String drainJobId;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startClusterAndBroker() throws Exception {
        Path root =
                Paths.get(System.getProperty("floodgate.root", "..")).toAbsolutePath().normalize();
        Path clusterDir =
                Paths.get(System.getProperty("floodgate.cluster.dir", "target/cluster-it"))
                        .toAbsolutePath();
        Path jobJar =
                Paths.get(
                        System.getProperty(
                                "floodgate.job.jar",
                                root.resolve("job/target/floodgate-job-0.1.0-SNAPSHOT-job.jar")
                                        .toString()));
        assertThat(jobJar).as("the shaded job jar (mvn package)").exists();
        Dirs.deleteRecursively(clusterDir);
        // Room for the backfill job next to the live job (parallelism 2 each).
        cluster = new ClusterSh(root, clusterDir, jobJar, 4).boundedRestarts();
        bootstrap = cluster.bootstrap;
        restUrl = cluster.restUrl;
        rest = cluster.rest();

        long t0 = System.nanoTime();
        script(Duration.ofMinutes(3), "kafka-start");
        script(Duration.ofMinutes(3), "start");
        script(Duration.ofMinutes(2), "topics", Integer.toString(PARTITIONS));
        LOG.info("cluster and broker up in {} s", (System.nanoTime() - t0) / 1_000_000_000);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(1)
    void liveJobProcessesEventsExactlyOnceAndReportsMetrics() throws Exception {
        jobId =
                script(
                                Duration.ofMinutes(2),
                                "submit",
                                "--parallelism",
                                "2",
                                "--checkpoint-interval",
                                "2s",
                                "--starting-offsets",
                                "earliest",
                                "--dry-run",
                                "true")
                        .trim();
        assertThat(jobId).matches("[0-9a-f]{32}");
        // flink-conf turns jar upload off (web.submit.enable: false): the script submitted with the
        // CLI, and REST serves no /jars endpoints
        HttpResponse<String> jars =
                cluster.httpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(restUrl + "/jars")).build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(jars.statusCode()).as("GET /jars: %s", jars.body()).isEqualTo(404);

        // Events in: valid ones over many customers and partitions, plus a few poison records.
        Set<String> sent = new HashSet<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Channel[] channels = Channel.values();
        Priority[] priorities = Priority.values();
        long now = System.currentTimeMillis();
        for (int i = 0; i < EVENTS; i++) {
            String customer = "c" + (i % CUSTOMERS);
            Interaction in =
                    InteractionRecords.event(
                            customer,
                            i / CUSTOMERS + 1,
                            channels[i % channels.length],
                            priorities[i % priorities.length],
                            now);
            sent.add(in.eventId);
            records.add(InteractionRecords.record("interactions", in));
        }
        List<DeadLetterReason> poisonKinds =
                List.of(
                        DeadLetterReason.BAD_JSON,
                        DeadLetterReason.MISSING_FIELD,
                        DeadLetterReason.UNKNOWN_CHANNEL);
        for (int i = 0; i < poisonKinds.size(); i++) {
            records.add(InteractionRecords.poison("interactions", poisonKinds.get(i), i, 1 << 20));
        }
        KafkaIO.produce(bootstrap, records);

        // Results out, exactly once, visible to read_committed readers after the checkpoints that
        // commit them.
        List<ProcessedEvent> processed =
                awaitCommitted("interactions.processed", EVENTS, Duration.ofMinutes(3)).stream()
                        .map(r -> read(() -> OutputCodec.readProcessed(r.value())))
                        .collect(Collectors.toList());
        assertThat(processed).hasSize(EVENTS);
        assertThat(processed.stream().map(p -> p.eventId).collect(Collectors.toSet()))
                .isEqualTo(sent);
        assertThat(processed).allMatch(p -> p.lane == Lane.LIVE);
        List<DeadLetter> dead =
                awaitCommitted("interactions.dlq", poisonKinds.size(), Duration.ofMinutes(1))
                        .stream()
                        .map(r -> read(() -> OutputCodec.readDeadLetter(r.value())))
                        .collect(Collectors.toList());
        assertThat(dead).extracting(d -> d.reason).containsExactlyInAnyOrderElementsOf(poisonKinds);

        // The REST API an operator looks at.
        JsonNode overview = rest.get("/jobs/overview");
        assertThat(overview.path("jobs"))
                .anySatisfy(
                        j -> {
                            assertThat(j.path("jid").asText()).isEqualTo(jobId);
                            assertThat(j.path("state").asText()).isEqualTo("RUNNING");
                        });
        String processVertex = vertexId(jobId, "process in lanes (");
        JsonNode backpressure = awaitBackpressure(jobId, processVertex, Duration.ofSeconds(60));
        LOG.info("backpressure of the processing vertex: {}", backpressure);
        assertThat(backpressure.path("backpressureLevel").asText()).isIn("ok", "low", "high");
        assertThat(backpressure.path("subtasks")).hasSize(2);

        // Prometheus: the TaskManager's and the JobManager's endpoints (ports chosen at start: from
        // their logs).
        Map<String, List<String>> tmMetrics =
                awaitMetrics("taskmanager", EXPECTED_TASKMANAGER_METRICS, Duration.ofSeconds(60));
        List<String> headroom =
                tmMetrics.get(
                        "flink_taskmanager_job_task_operator_deserializer_partition_retentionHeadroomMs");
        assertThat(labelValues(headroom, "partition"))
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, PARTITIONS)
                                .mapToObj(Integer::toString)
                                .collect(Collectors.toList()));
        List<String> lag =
                tmMetrics.get(
                        "flink_taskmanager_job_task_operator_brokerLag_log_partition_lagRecords");
        assertThat(labelValues(lag, "log")).containsExactlyInAnyOrder("input", "shed");
        assertThat(labelValues(lag, "partition"))
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, PARTITIONS)
                                .mapToObj(Integer::toString)
                                .collect(Collectors.toList()));
        List<String> offsets =
                tmMetrics.get(
                        "flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_currentOffset");
        assertThat(labelValues(offsets, "topic")).containsExactly("interactions");
        assertThat(labelValues(offsets, "partition")).hasSize(PARTITIONS);
        double deadLetters =
                tmMetrics.get("flink_taskmanager_job_task_operator_deadLetters").stream()
                        .mapToDouble(StandaloneClusterITCase::value)
                        .sum();
        assertThat(deadLetters).isEqualTo(poisonKinds.size());
        double valid =
                tmMetrics.get("flink_taskmanager_job_task_operator_validEvents").stream()
                        .mapToDouble(StandaloneClusterITCase::value)
                        .sum();
        assertThat(valid).isEqualTo(EVENTS);
        awaitMetrics("jobmanager", EXPECTED_JOBMANAGER_METRICS, Duration.ofSeconds(60));
        LOG.info(
                "Floodgate metrics on the TaskManager's endpoint:\n{}",
                tmMetrics.keySet().stream()
                        .filter(
                                n ->
                                        n.contains("deserializer")
                                                || n.contains("KafkaSourceReader_topic")
                                                || n.endsWith("_validEvents")
                                                || n.endsWith("_deadLetters")
                                                || n.endsWith("_pendingRecords")
                                                || n.endsWith("_records_lag_max"))
                        .collect(Collectors.joining("\n")));

        // A savepoint through REST, while the job keeps running.
        savepoint = script(Duration.ofMinutes(3), "savepoint", jobId).trim();
        assertThat(savepoint).startsWith("file:");
        assertThat(Paths.get(URI.create(savepoint)).resolve("_metadata")).exists();
        assertThat(jobState(jobId)).isEqualTo("RUNNING");
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(2)
    void backfillStartsFromTheLiveSavepoint() throws Exception {
        assumeTrue(
                classExists(BACKFILL_CLASS),
                BACKFILL_CLASS + " does not exist yet: backfill submission not tested");
        assumeTrue(savepoint != null, "no savepoint of the live job");
        String backfill =
                script(
                                Duration.ofMinutes(2),
                                "submit-backfill",
                                savepoint,
                                "--mode",
                                "drain",
                                "--parallelism",
                                "2",
                                "--checkpoint-interval",
                                "2s",
                                "--dry-run",
                                "true")
                        .trim();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String state = jobState(backfill);
        while (!state.equals("RUNNING")
                && !state.equals("FINISHED")
                && System.nanoTime() < deadline) {
            assertThat(state).isNotIn("FAILED", "FAILING", "CANCELED");
            Thread.sleep(500);
            state = jobState(backfill);
        }
        assertThat(state).isIn("RUNNING", "FINISHED");
        drainJobId = backfill;
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(3)
    void replayStartsFromTheLiveSavepointAndFinishesByItself() throws Exception {
        assumeTrue(drainJobId != null, "no drain job: its slots would not be known to be free");
        assertThat(awaitJobState(drainJobId, Duration.ofMinutes(2)))
                .as("the drain ends by itself")
                .isEqualTo("FINISHED");
        // The replay's main reads the savepoint's Kafka positions inside the cluster's web
        // submission, where no
        // local Flink environment may be started; then restores the ordering state and finishes at
        // the end offsets.
        String replay =
                script(
                                Duration.ofMinutes(2),
                                "submit-backfill",
                                savepoint,
                                "--mode",
                                "replay",
                                "--parallelism",
                                "2",
                                "--checkpoint-interval",
                                "2s",
                                "--dry-run",
                                "true")
                        .trim();
        assertThat(awaitJobState(replay, Duration.ofMinutes(2))).isEqualTo("FINISHED");
    }

    /**
     * Issue 31, items 1 and 5: the script's cluster speaks TLS everywhere but the Prometheus port.
     * The REST API refuses, in the TLS handshake, a client that trusts the server but has no client
     * certificate (GET and POST /jobs alike), and answers plain HTTP with nothing but a redirect to
     * https; the CLI, which presents the certificate, submitted the live job (test 1). RPC, the
     * blob server and the TaskManager's data port complete a handshake only with the cluster's
     * internal certificate: a plaintext port would fail the first, a port without client
     * authentication would pass the second. The stores' password is in no process's command line
     * and no log.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(4)
    void restIsMutualTlsAndInternalTrafficIsTls() throws Exception {
        Path dir = cluster.dir;
        // (a) HTTPS without the client certificate: refused in the handshake, before any request.
        HttpClient noCertificate =
                HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .sslContext(cluster.restSslContext(false))
                        .build();
        for (HttpRequest request :
                List.of(
                        HttpRequest.newBuilder(URI.create(restUrl + "/jobs")).GET().build(),
                        HttpRequest.newBuilder(URI.create(restUrl + "/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build())) {
            assertThatThrownBy(
                            () -> noCertificate.send(request, HttpResponse.BodyHandlers.ofString()))
                    .as("%s %s without the client certificate", request.method(), request.uri())
                    .isInstanceOf(IOException.class);
        }
        // (b) Plain HTTP: Flink's REST server answers every plaintext request with a redirect to
        // https and an empty body, and does nothing else.
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String plainUrl = restUrl.replace("https://", "http://");
        for (HttpRequest request :
                List.of(
                        HttpRequest.newBuilder(URI.create(plainUrl + "/jobs")).GET().build(),
                        HttpRequest.newBuilder(URI.create(plainUrl + "/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build())) {
            HttpResponse<String> r = plain.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("%s %s", request.method(), request.uri()).isEqualTo(301);
            assertThat(r.headers().firstValue("location"))
                    .hasValueSatisfying(l -> assertThat(l).startsWith(restUrl));
            assertThat(r.body()).isEmpty();
        }
        // (c) With the certificate: the CLI submitted the live job (test 1), and REST answers.
        assertThat(jobId).as("the live job, submitted by the CLI over mutual TLS").isNotNull();
        assertThat(rest.get("/jobs/overview").path("jobs"))
                .anySatisfy(j -> assertThat(j.path("jid").asText()).isEqualTo(jobId));

        // (d) Internal traffic: RPC, the blob server, the TaskManager's data exchange.
        String jmLog = Files.readString(dir.resolve("log/flink-jobmanager.log"));
        String tmLog = Files.readString(dir.resolve("log/flink-taskmanager.log"));
        assertThat(jmLog).contains("Actor system started at pekko.ssl.tcp://flink@127.0.0.1:");
        assertThat(tmLog)
                .contains("pekko.ssl.tcp://flink@127.0.0.1:" + cluster.rpcPort)
                .contains("ssl enabled: true");
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("RPC", cluster.rpcPort);
        ports.put("blob server", port(jmLog, "Started BLOB server at [^:]+:(\\d+)"));
        ports.put("data exchange", port(tmLog, "Listening on SocketAddress /127.0.0.1:(\\d+)"));
        SSLContext internal = cluster.internalSslContext(true);
        SSLContext internalNoCertificate = cluster.internalSslContext(false);
        for (Map.Entry<String, Integer> p : ports.entrySet()) {
            assertThat(handshake(p.getValue(), internal))
                    .as("%s (port %d) with the internal certificate", p.getKey(), p.getValue())
                    .isEqualTo("CN=floodgate-cluster-internal");
            assertThat(refused(p.getValue(), internalNoCertificate))
                    .as("%s (port %d) without a client certificate", p.getKey(), p.getValue())
                    .isTrue();
        }

        // Key material and configuration are the user's alone; the password is nowhere else.
        for (Path f : List.of(dir.resolve("conf/config.yaml"), dir.resolve("tls/rest.p12"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                    .as("%s", f)
                    .isEqualTo("rw-------");
        }
        String password = Files.readString(dir.resolve("tls/store-password")).trim();
        assertThat(password).hasSizeGreaterThanOrEqualTo(32);
        for (String name : cluster.liveProcesses()) {
            String commandLine =
                    Files.readString(
                            Path.of(
                                    "/proc/"
                                            + cluster.process(name).orElseThrow().pid()
                                            + "/cmdline"),
                            StandardCharsets.ISO_8859_1);
            assertThat(commandLine.contains(password))
                    .as("the password in the command line of %s", name)
                    .isFalse();
        }
        List<Path> logs;
        try (Stream<Path> files = Files.walk(dir)) {
            logs =
                    files.filter(Files::isRegularFile)
                            .filter(
                                    f ->
                                            f.toString().endsWith(".log")
                                                    || f.toString().endsWith(".out")
                                                    || f.toString().endsWith(".err"))
                            .collect(Collectors.toList());
        }
        assertThat(logs).isNotEmpty();
        for (Path f : logs) {
            // bytes as they are (a log may hold bytes that are not UTF-8; the password is hex)
            assertThat(Files.readString(f, StandardCharsets.ISO_8859_1).contains(password))
                    .as("the password in %s", f)
                    .isFalse();
        }
    }

    /** The port a log line names (the first match of {@code regex}'s group 1). */
    private static int port(String log, String regex) {
        Matcher m = Pattern.compile(regex).matcher(log);
        assertThat(m.find()).as("a line matching %s", regex).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** The subject of the certificate the server at {@code port} presents in a TLS handshake. */
    private static String handshake(int port, SSLContext ctx) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal()
                    .getName();
        }
    }

    /**
     * Whether the server at {@code port} ends a TLS connection that presents no client certificate:
     * a failed handshake, or an alert or a close right after it (the server's verdict may arrive
     * after the client's side of the handshake is done). A connection still open after 3 s was
     * accepted.
     */
    private static boolean refused(int port, SSLContext ctx) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(3_000);
            try {
                s.startHandshake();
                InputStream in = s.getInputStream();
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                LOG.info("port {} without a client certificate: {}", port, e.toString());
                return true;
            }
        }
    }

    /** Waits until the job reaches a terminal state; returns the last state seen. */
    private static String awaitJobState(String job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String state = jobState(job);
        while (!List.of("FINISHED", "FAILED", "CANCELED").contains(state)
                && System.nanoTime() < deadline) {
            Thread.sleep(500);
            state = jobState(job);
        }
        return state;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Runs scripts/cluster.sh with this test's environment; returns its standard output. */
    static String script(Duration timeout, String... args) throws Exception {
        return cluster.run(timeout, args);
    }

    private static List<ConsumerRecord<byte[], byte[]>> awaitCommitted(
            String topic, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> got = KafkaIO.readCommitted(bootstrap, topic);
        while (got.size() < n && System.nanoTime() < deadline) {
            assertThat(jobState(jobId)).as("live job state").isEqualTo("RUNNING");
            Thread.sleep(1000);
            got = KafkaIO.readCommitted(bootstrap, topic);
        }
        return got;
    }

    private static String jobState(String id) {
        try {
            return rest.get("/jobs/" + id).path("state").asText();
        } catch (Exception e) {
            throw new AssertionError("cannot read the state of job " + id, e);
        }
    }

    private static String vertexId(String job, String namePart) throws Exception {
        for (JsonNode v : rest.get("/jobs/" + job).path("vertices")) {
            if (v.path("name").asText().contains(namePart)) {
                return v.path("id").asText();
            }
        }
        throw new AssertionError("no vertex named ..." + namePart + "... in job " + job);
    }

    /**
     * The first backpressure answer with per-subtask figures (the web frontend fetches metrics
     * periodically).
     */
    private static JsonNode awaitBackpressure(String job, String vertex, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode bp = rest.get("/jobs/" + job + "/vertices/" + vertex + "/backpressure");
        while (!(bp.path("status").asText().equals("ok") && bp.path("subtasks").size() > 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            bp = rest.get("/jobs/" + job + "/vertices/" + vertex + "/backpressure");
        }
        assertThat(bp.path("status").asText()).as("backpressure status: " + bp).isEqualTo("ok");
        return bp;
    }

    /**
     * Scrapes the process's endpoint until every expected metric is there; returns the samples by
     * metric name.
     */
    private static Map<String, List<String>> awaitMetrics(
            String process, List<String> expected, Duration timeout) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + cluster.reporterPort(process) + "/metrics");
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, List<String>> samples;
        Set<String> missing;
        do {
            String body =
                    HTTP.send(
                                    HttpRequest.newBuilder(uri).GET().build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
            samples =
                    body.lines()
                            .filter(l -> !l.startsWith("#") && !l.isBlank())
                            .collect(
                                    Collectors.groupingBy(
                                            StandaloneClusterITCase::metricName,
                                            LinkedHashMap::new,
                                            Collectors.toList()));
            missing = new TreeSet<>(expected);
            missing.removeAll(samples.keySet());
            if (!missing.isEmpty()) {
                Thread.sleep(1000);
            }
        } while (!missing.isEmpty() && System.nanoTime() < deadline);
        assertThat(missing).as("metrics missing on " + uri).isEmpty();
        return samples;
    }

    static String metricName(String sample) {
        int end = 0;
        while (end < sample.length() && sample.charAt(end) != '{' && sample.charAt(end) != ' ') {
            end++;
        }
        return sample.substring(0, end);
    }

    static Set<String> labelValues(List<String> samples, String label) {
        Pattern p = Pattern.compile("[{,]" + label + "=\"([^\"]*)\"");
        Set<String> values = new TreeSet<>();
        for (String s : samples) {
            Matcher m = p.matcher(s);
            if (m.find()) {
                values.add(m.group(1));
            }
        }
        return values;
    }

    static double value(String sample) {
        return Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name, false, StandaloneClusterITCase.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T read(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
