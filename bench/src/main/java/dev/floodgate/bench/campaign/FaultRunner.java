package dev.floodgate.bench.campaign;

import dev.floodgate.testkit.service.CapacityLimitedService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Injects one fault into the running campaign and measures, from the outside, its recovery: from
 * the injection to the job (and every vertex) RUNNING again after its restart, to the first
 * committed output processed after the injection, and to when a {@code read_committed} reader saw
 * it. Waits are bounded ({@link #RECOVERY_LIMIT}); a fault that does not recover in time is
 * reported as such, and the campaign goes on.
 */
final class FaultRunner {
    private static final Logger LOG = LoggerFactory.getLogger(FaultRunner.class);
    static final Duration RECOVERY_LIMIT = Duration.ofMinutes(3);

    /** flink-conf's web.refresh-interval plus a margin: how stale a REST job answer can be. */
    private static final long GRAPH_CACHE_MILLIS = 4000;

    /** One fault's measurements; -1 where it did not happen (no restart) or did not recover. */
    record Outcome(
            FaultKind kind,
            long atMillis,
            int parallelism,
            long running,
            long processed,
            long visible,
            boolean restarted,
            String note) {}

    private final ClusterControl cluster;
    private final CapacityLimitedService service;
    private final CommittedWatcher watcher;
    private final LiveJob job;
    private final Duration checkpointInterval;
    private final String inputTopic;
    private long brokerServingMillis = -1;
    private int taskManagers;

    FaultRunner(
            ClusterControl cluster,
            CapacityLimitedService service,
            CommittedWatcher watcher,
            LiveJob job,
            Duration checkpointInterval,
            String inputTopic,
            int taskManagers) {
        this.cluster = cluster;
        this.service = service;
        this.watcher = watcher;
        this.job = job;
        this.checkpointInterval = checkpointInterval;
        this.inputTopic = inputTopic;
        this.taskManagers = taskManagers;
    }

    Outcome run(FaultKind kind, long campaignStart) throws Exception {
        long restartsBefore = job.restarts();
        String jobBefore = job.id;
        long t0;
        long outputAfter = -1;
        String note = "";
        switch (kind) {
            case TM_KILL:
                t0 = killTaskManager();
                break;
            case TM_KILL_AFTER_CHECKPOINT:
                job.awaitNextCheckpoint(Duration.ofMinutes(2).toMillis());
                t0 = killTaskManager();
                break;
            case TASK_EXCEPTION:
                t0 = taskException();
                break;
            case BROKER_KILL:
                t0 = killBroker();
                note = brokerBack();
                break;
            case BROKER_KILL_MID_TRANSACTION:
                job.awaitNextCheckpoint(Duration.ofMinutes(2).toMillis());
                Thread.sleep(checkpointInterval.toMillis() / 2);
                t0 = killBroker();
                note = brokerBack();
                break;
            case STORAGE_UNWRITABLE:
                t0 = System.currentTimeMillis();
                note = storageUnwritable();
                break;
            case RESCALE_UP:
            case RESCALE_DOWN:
            case UPGRADE:
                t0 = System.currentTimeMillis();
                String savepoint = job.stopWithSavepoint();
                // what the stopped job processed up to its savepoint commits with it: output
                // resumes with the restored job's first records
                outputAfter = System.currentTimeMillis();
                String from = job.processorVersion();
                int parallelism = job.parallelism;
                if (kind == FaultKind.UPGRADE) {
                    job.version++;
                } else {
                    parallelism = kind == FaultKind.RESCALE_UP ? 4 : 2;
                }
                job.submit(parallelism, savepoint);
                restartsBefore = job.restarts();
                note = "savepoint " + Path.of(java.net.URI.create(savepoint)).getFileName();
                if (kind == FaultKind.UPGRADE) {
                    note = "processor " + from + " -> " + job.processorVersion() + ", " + note;
                }
                break;
            default:
                throw new IllegalStateException(kind.toString());
        }
        Outcome o =
                measure(
                        kind,
                        t0,
                        outputAfter < 0 ? t0 : outputAfter,
                        restartsBefore,
                        !job.id.equals(jobBefore),
                        note);
        LOG.info(
                "fault {} at +{} s: RUNNING after {} ms, output processed after {} ms, visible after {} ms{}",
                kind,
                (t0 - campaignStart) / 1000,
                o.running(),
                o.processed(),
                o.visible(),
                o.note().isEmpty() ? "" : " (" + o.note() + ")");
        return o;
    }

    private Outcome measure(
            FaultKind kind,
            long t0,
            long outputAfter,
            long restartsBefore,
            boolean newJob,
            String note)
            throws Exception {
        boolean restartExpected =
                kind == FaultKind.TM_KILL
                        || kind == FaultKind.TM_KILL_AFTER_CHECKPOINT
                        || kind == FaultKind.TASK_EXCEPTION;
        long deadline = t0 + RECOVERY_LIMIT.toMillis();
        long running = -1;
        long failedOverAt = -1;
        boolean sawRecovering = false;
        long[] output = null;
        while (System.currentTimeMillis() < deadline) {
            long now = System.currentTimeMillis();
            boolean restarted = newJob;
            boolean fullyRunning = false;
            try {
                restarted |= job.restarts() > restartsBefore;
                fullyRunning = cluster.fullyRunning(job.id);
            } catch (Exception e) {
                // the JobManager answers again in a moment
            }
            if (restarted && failedOverAt < 0) {
                failedOverAt = now;
            }
            if (restarted && !fullyRunning) {
                sawRecovering = true;
            }
            // REST answers from an execution graph cached for up to web.refresh-interval (3 s): a
            // RUNNING seen right after the restart may be the graph from before the failure
            boolean fresh = sawRecovering || now - failedOverAt >= GRAPH_CACHE_MILLIS;
            if (restarted && fullyRunning && fresh && running < 0) {
                running = now - t0;
            }
            if (output == null && (!restartExpected || restarted)) {
                output = watcher.firstProcessedAfter(outputAfter);
            }
            boolean done = output != null && (restarted ? running >= 0 : !restartExpected);
            if (done) {
                break;
            }
            Thread.sleep(100);
        }
        boolean restarted = failedOverAt >= 0;
        if (output == null) {
            note = (note.isEmpty() ? "" : note + "; ") + "no output within " + RECOVERY_LIMIT;
        }
        return new Outcome(
                kind,
                t0,
                job.parallelism,
                running,
                output == null ? -1 : output[0] - t0,
                output == null ? -1 : output[1] - t0,
                restarted,
                note);
    }

    /** Kills the TaskManager with the most busy slots and starts a replacement at once. */
    private long killTaskManager() throws Exception {
        Map<String, Integer> used = cluster.usedSlots();
        String victim = null;
        int most = -1;
        for (String name : cluster.liveTaskManagers()) {
            String id = cluster.resourceId(name);
            int u = id == null ? 0 : used.getOrDefault(id, 0);
            if (u > most) {
                most = u;
                victim = name;
            }
        }
        if (victim == null) {
            throw new IllegalStateException("no TaskManager to kill");
        }
        long t0 = System.currentTimeMillis();
        cluster.kill9(victim);
        LOG.info("killed {} (kill -9, {} busy slots)", victim, most);
        String replacement = "taskmanager-" + (++taskManagers);
        Thread restart =
                new Thread(
                        () -> {
                            try {
                                cluster.startTaskManager(replacement);
                            } catch (Exception e) {
                                LOG.error(
                                        "replacement TaskManager {} did not start", replacement, e);
                            }
                        },
                        "campaign-tm-restart");
        restart.setDaemon(true);
        restart.start();
        return t0;
    }

    /**
     * Arms the service's fault hook; returns when it fired (the hook asks on any processing call,
     * at most every 200 ms per subtask).
     */
    private long taskException() throws InterruptedException {
        int before = service.firedTaskFaults();
        service.armTaskFault();
        long deadline = System.currentTimeMillis() + RECOVERY_LIMIT.toMillis();
        while (service.firedTaskFaults() == before) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(
                        "the fault hook did not fire within " + RECOVERY_LIMIT);
            }
            Thread.sleep(20);
        }
        return service.lastTaskFaultFiredAt();
    }

    /**
     * Kills the broker, restarts it 2 s later ({@code cluster.sh kafka-start}, in the background:
     * the script's own readiness check runs a JVM tool per try) and returns when a Kafka admin
     * client here gets an answer from it again; {@link #brokerServingMillis} holds how long after
     * the kill.
     */
    private long killBroker() throws Exception {
        long t0 = System.currentTimeMillis();
        cluster.kill9("kafka");
        Thread.sleep(2000);
        Thread start =
                new Thread(
                        () -> {
                            try {
                                cluster.startBroker();
                            } catch (Exception e) {
                                LOG.error("the broker did not start again", e);
                            }
                        },
                        "campaign-broker-restart");
        start.setDaemon(true);
        start.start();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
        brokerServingMillis = -1;
        long deadline = t0 + RECOVERY_LIMIT.toMillis();
        try (Admin admin = Admin.create(p)) {
            while (System.currentTimeMillis() < deadline) {
                try {
                    admin.describeTopics(List.of(inputTopic)).allTopicNames().get();
                    brokerServingMillis = System.currentTimeMillis() - t0;
                    break;
                } catch (Exception e) {
                    Thread.sleep(100);
                }
            }
        }
        start.join(RECOVERY_LIMIT.toMillis());
        return t0;
    }

    private String brokerBack() {
        return brokerServingMillis < 0
                ? "broker not answering within " + RECOVERY_LIMIT
                : String.format(
                        java.util.Locale.ROOT,
                        "broker answering again %.1f s after the kill (restarted at 2 s)",
                        brokerServingMillis / 1000.0);
    }

    /**
     * Puts a file where the job's checkpoint directory was (as root, permissions would not stop the
     * writes), for 2.5 intervals; then puts the directory back.
     */
    private String storageUnwritable() throws Exception {
        Path dir = cluster.dir.resolve("state/checkpoints/" + job.id);
        Path held = dir.resolveSibling(job.id + ".held");
        Files.move(dir, held);
        Files.createFile(dir);
        long before = job.completedCheckpoints();
        Thread.sleep(checkpointInterval.toMillis() * 5 / 2);
        Files.delete(dir);
        Files.move(held, dir);
        long after = job.completedCheckpoints();
        return (after - before) + " checkpoints completed while unwritable";
    }
}
