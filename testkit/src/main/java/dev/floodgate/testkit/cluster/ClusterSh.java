package dev.floodgate.testkit.cluster;

import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.net.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code scripts/cluster.sh} driven from Java, for the cluster tests and the fault campaign: the
 * production shape (a Kafka broker process, a standalone JobManager and TaskManagers with the
 * shipped flink-conf) in a cluster directory of its own, on free ports of 127.0.0.1 (never the 8081
 * or 9249-9260 of a cluster someone runs by hand). The processes are found by the script's pid
 * files. {@link #close} runs {@code cluster.sh down}, then kills whatever those pid files still
 * name alive, and nothing else.
 *
 * <p>The script turns TLS on for every cluster (docs/security.md): the REST API speaks HTTPS and
 * refuses a client without the cluster's client certificate, and internal traffic is TLS with
 * mutual authentication. The key material is made by {@code start} in {@code tls/} of the cluster
 * directory; {@link #httpClient()} and {@link #rest()} present the client certificate.
 */
public final class ClusterSh implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSh.class);
    private static final Pattern RESOURCE_ID =
            Pattern.compile("Starting TaskManager with ResourceID: (\\S+)");
    private static final Pattern REPORTER_PORT =
            Pattern.compile("Started PrometheusReporter HTTP server on port (\\d+)");

    /** The project's root (where {@code scripts/cluster.sh} is). */
    public final Path root;

    /** The cluster directory: {@code conf/}, {@code log/}, {@code run/} (pid files), state. */
    public final Path dir;

    public final String bootstrap;

    /** The REST API and web UI: {@code https://127.0.0.1:<port>}. */
    public final String restUrl;

    /** The JobManager's RPC port (TLS, like every internal connection). */
    public final int rpcPort;

    /** The two free ports the Prometheus reporters are given unless {@link #env} changes them. */
    public final List<Integer> reporterPorts;

    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean started;
    private HttpClient http;

    public ClusterSh(Path root, Path dir, Path jobJar, int slotsPerTaskManager) throws IOException {
        this.root = root;
        this.dir = dir;
        int[] ports = FreePorts.several(6);
        env.put("FLOODGATE_CLUSTER_DIR", dir.toString());
        env.put("FLOODGATE_JOB_JAR", jobJar.toString());
        env.put("FLOODGATE_REST_PORT", Integer.toString(ports[0]));
        env.put("FLOODGATE_RPC_PORT", Integer.toString(ports[1]));
        env.put("FLOODGATE_KAFKA_PORT", Integer.toString(ports[2]));
        env.put("FLOODGATE_KAFKA_CONTROLLER_PORT", Integer.toString(ports[3]));
        env.put("FLOODGATE_PROM_PORTS", ports[4] + "," + ports[5]);
        env.put("FLOODGATE_TM_SLOTS", Integer.toString(slotsPerTaskManager));
        bootstrap = "127.0.0.1:" + ports[2];
        restUrl = "https://127.0.0.1:" + ports[0];
        rpcPort = ports[1];
        reporterPorts = List.of(ports[4], ports[5]);
    }

    /**
     * Sets one of cluster.sh's {@code FLOODGATE_*} variables for every later call (see the script's
     * header); returns this.
     */
    public ClusterSh env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * A test's cluster: a job that fails restarts twice, 1 s apart, then fails for good (the
     * shipped strategy retries forever, and a test would hang on a job that cannot run: FACTS trap
     * 2); returns this.
     */
    public ClusterSh boundedRestarts() {
        return env(
                "FLOODGATE_EXTRA_CONF",
                String.join(
                        "\n",
                        "restart-strategy.type: fixed-delay",
                        "restart-strategy.fixed-delay.attempts: 2",
                        "restart-strategy.fixed-delay.delay: 1s"));
    }

    /** Runs {@code cluster.sh args...}; returns its standard output. */
    public String run(Duration timeout, String... args) throws IOException {
        return run(timeout, Map.of(), args);
    }

    /**
     * Runs {@code cluster.sh args...} with {@code extraEnv} on top of this cluster's variables;
     * returns its standard output. Fails with the script's standard error and the log directory
     * when it exits non-zero or outlives {@code timeout}.
     */
    public String run(Duration timeout, Map<String, String> extraEnv, String... args)
            throws IOException {
        Process p = start(extraEnv, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String command = "cluster.sh " + String.join(" ", args);
        if (!waitFor(p, timeout)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish in " + timeout);
        }
        String stderr = Files.readString(errFile(args));
        LOG.info("{}:\n{}", command, stderr.strip());
        if (p.exitValue() != 0) {
            throw new IOException(
                    command
                            + " failed ("
                            + p.exitValue()
                            + "):\n"
                            + stderr
                            + "\nlogs: "
                            + dir.resolve("log"));
        }
        return out;
    }

    /**
     * Starts {@code cluster.sh args...} and returns the process (standard output to read, standard
     * error in the cluster directory), for a caller that wants the exit status itself.
     */
    public Process start(Map<String, String> extraEnv, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("scripts/cluster.sh").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        Files.createDirectories(dir);
        pb.redirectError(errFile(args).toFile());
        started = true;
        return pb.start();
    }

    /** The live process of the pid file {@code run/<name>.pid}, if any. */
    public Optional<ProcessHandle> process(String name) throws IOException {
        Path pidFile = dir.resolve("run/" + name + ".pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                .filter(ProcessHandle::isAlive);
    }

    /** The names of the pid files whose processes are alive. */
    public List<String> liveProcesses() throws IOException {
        List<String> names = new ArrayList<>();
        Path run = dir.resolve("run");
        if (!Files.isDirectory(run)) {
            return names;
        }
        try (var files = Files.list(run)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".pid") && process(name.replace(".pid", "")).isPresent()) {
                    names.add(name.replace(".pid", ""));
                }
            }
        }
        return names;
    }

    /** {@code kill -9} of the named process (its pid file); false if it was not running. */
    public boolean kill9(String name) throws IOException {
        Optional<ProcessHandle> p = process(name);
        if (p.isEmpty()) {
            return false;
        }
        p.get().destroyForcibly(); // SIGKILL on Linux
        try {
            p.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(name + " (pid " + p.get().pid() + ") survived kill -9", e);
        }
        return true;
    }

    /**
     * {@code cluster.sh taskmanager-start name}: one more TaskManager process (a spare, or the
     * replacement of a killed one), pid file {@code run/<name>.pid}; returns once it is launched
     * (registration with the JobManager follows within seconds).
     */
    public void startTaskManager(String name) throws IOException {
        run(Duration.ofMinutes(1), "taskmanager-start", name);
    }

    /**
     * The resource id the named TaskManager process registered with (the last start logged in
     * {@code log/flink-<name>.log}: the id REST's {@code /taskmanagers} names it by), if logged.
     */
    public Optional<String> resourceId(String name) throws IOException {
        Path log = dir.resolve("log/flink-" + name + ".log");
        if (!Files.exists(log)) {
            return Optional.empty();
        }
        Matcher m = RESOURCE_ID.matcher(Files.readString(log));
        String id = null;
        while (m.find()) {
            id = m.group(1);
        }
        return Optional.ofNullable(id);
    }

    /**
     * The slots in use of each live TaskManager process, by its pid file's name ({@code
     * taskmanager}, {@code taskmanager-1}, ...), from REST's {@code /taskmanagers}: 0 for a process
     * not registered (yet).
     */
    public Map<String, Integer> usedSlots() throws IOException {
        Map<String, Integer> byId = new LinkedHashMap<>();
        try {
            for (var tm : rest().get("/taskmanagers").path("taskmanagers")) {
                byId.put(
                        tm.path("id").asText(),
                        tm.path("slotsNumber").asInt() - tm.path("freeSlots").asInt());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading /taskmanagers", e);
        }
        Map<String, Integer> used = new LinkedHashMap<>();
        for (String name : liveProcesses()) {
            if (name.startsWith("taskmanager")) {
                used.put(name, resourceId(name).map(id -> byId.getOrDefault(id, 0)).orElse(0));
            }
        }
        return used;
    }

    /** The port the Prometheus reporter of a process ("jobmanager", "taskmanager") bound. */
    public int reporterPort(String process) throws IOException {
        Path log = dir.resolve("log/flink-" + process + ".log");
        Matcher m = REPORTER_PORT.matcher(Files.readString(log));
        if (!m.find()) {
            throw new IOException("the " + process + " log names no Prometheus port: " + log);
        }
        return Integer.parseInt(m.group(1));
    }

    /**
     * The cluster's key material and the file with its stores' password ({@code cluster.sh tls}).
     */
    public Path tlsDir() {
        return dir.resolve("tls");
    }

    /**
     * An HTTP client for the REST API that presents the cluster's client certificate and trusts its
     * server certificate only; made at the first call, which must come after {@code start}.
     */
    public synchronized HttpClient httpClient() throws IOException {
        if (http == null) {
            http =
                    HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(5))
                            .sslContext(restSslContext(true))
                            .build();
        }
        return http;
    }

    /** The REST API with the client certificate; usable before {@code start} (made lazily). */
    public FlinkRest rest() {
        return new FlinkRest(
                restUrl,
                () -> {
                    try {
                        return httpClient();
                    } catch (IOException e) {
                        throw new IllegalStateException(
                                "no TLS key material in " + tlsDir() + ": start the cluster first",
                                e);
                    }
                });
    }

    /**
     * TLS for the REST API: trusts the cluster's REST certificate; presents the client certificate
     * when {@code clientCertificate} (without it, the cluster refuses the handshake).
     */
    public SSLContext restSslContext(boolean clientCertificate) throws IOException {
        return sslContext(
                clientCertificate ? tlsDir().resolve("rest.p12") : null,
                tlsDir().resolve("rest-trust.p12"));
    }

    /**
     * TLS as the cluster's own processes speak it to each other (RPC, blob server, data exchange):
     * trusts the cluster's internal certificate; presents it when {@code clientCertificate}.
     */
    public SSLContext internalSslContext(boolean clientCertificate) throws IOException {
        return sslContext(
                clientCertificate ? tlsDir().resolve("internal.p12") : null,
                tlsDir().resolve("internal-trust.p12"));
    }

    /**
     * A TLS context from PKCS12 stores of this cluster, the password read from {@code
     * tls/store-password} (it never leaves this method: not in an exception, not in a log).
     */
    private SSLContext sslContext(Path keystore, Path truststore) throws IOException {
        char[] password = Files.readString(tlsDir().resolve("store-password")).trim().toCharArray();
        try {
            KeyManagerFactory kmf = null;
            if (keystore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keystore, password), password);
            }
            TrustManagerFactory tmf =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(truststore, password));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(
                    "cannot use the TLS stores in " + tlsDir() + ": " + e.getClass().getName());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static KeyStore load(Path file, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    /** {@code cluster.sh down}, then a forced stop of any process its pid files still name. */
    @Override
    public void close() throws IOException {
        if (!started) {
            return;
        }
        try {
            run(Duration.ofMinutes(2), "down");
        } catch (IOException e) {
            LOG.warn("cluster.sh down failed: {}", e.getMessage());
        } finally {
            for (String name : liveProcesses()) {
                process(name)
                        .ifPresent(
                                p -> {
                                    LOG.warn(
                                            "{} (pid {}) still running: killing it", name, p.pid());
                                    p.destroyForcibly();
                                });
            }
        }
    }

    private Path errFile(String... args) {
        return dir.resolve("script-" + (args.length == 0 ? "help" : args[0]) + ".err");
    }

    private static boolean waitFor(Process p, Duration timeout) throws IOException {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for cluster.sh", e);
        }
    }
}
