package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.testing.CapturedLogs;
import dev.floodgate.job.testing.FailOnceProcessor;
import dev.floodgate.job.testing.S3Server;
import dev.floodgate.job.testing.S3State;
import dev.floodgate.job.testing.SecretLeaks;
import dev.floodgate.job.testing.SecureJobs;
import dev.floodgate.job.testing.ShedEvery;
import dev.floodgate.job.tools.ToolRun;
import dev.floodgate.job.tools.Tools;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.testkit.kafka.KafkaIO;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production shape end to end: a broker whose client listener is SASL_SSL with SCRAM-SHA-512,
 * the jobs' and reconcile's clients configured by {@code --kafka-config} with the password behind a
 * {@code ${file:}} reference (a mounted Secret), and every job's checkpoints and savepoints on
 * {@code s3://} (Hadoop S3 file system, RocksDB incremental) served by a real S3 API on 127.0.0.1.
 * The live job sheds part of a flood and is killed once after a checkpoint, so it restores from its
 * state on S3; it is stopped with a savepoint on S3, from which the drain starts (as the backfill
 * deployment does, unclaimed live state skipped). Reconcile then passes: every valid event
 * processed exactly once across the live and backfill lanes ({@code read_committed}). The password
 * never shows in the jobs' REST answers or in the logs of the whole run.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SecureKafkaWithS3StateITCase {
    private static final Logger LOG = LoggerFactory.getLogger(SecureKafkaWithS3StateITCase.class);
    private static final int EVENTS = 2000;
    private static final String T = "secs3";

    @RegisterExtension static final S3Server S3 = new S3Server();

    @TempDir static Path dir;

    private static SecureJobs secure;

    private final String bucket = "floodgate-" + System.nanoTime();

    @BeforeAll
    static void start() throws Exception {
        secure = SecureJobs.start(dir, S3.flinkConfiguration());
        // Flink's file systems are process-wide: the cluster's JobManager and TaskManager in this
        // JVM find s3:// with this server's endpoint and credentials
        FileSystem.initialize(S3.flinkConfiguration(), null);
    }

    @AfterAll
    static void stop() throws Exception {
        FileSystem.initialize(new Configuration(), null);
        if (secure != null) {
            secure.close();
        }
    }

    @Test
    void liveJobDrainAndReconcileRunExactlyOnceThroughSaslSslWithTheStateOnS3() throws Exception {
        S3.createBucket(bucket);
        Path config = secure.fileReferenceConfig(dir, "client");
        Map<String, String> client = SecureJobs.client(config);
        secure.createTopics(client, 4, T);
        Map<String, Interaction> sent =
                secure.produce(client, SecureJobs.topic(T, "interactions"), EVENTS);
        String storePassword = secure.kafka.certificates().password();

        Map<String, String> answers = new LinkedHashMap<>();
        String logs;
        String liveId;
        ToolRun reconcile;
        try (CapturedLogs captured =
                CapturedLogs.start("org.apache.kafka", "org.apache.flink", "dev.floodgate")) {
            // 1. the live job: every low and normal voice event shed, killed once after a
            // checkpoint, restored from S3, then stopped with a savepoint on S3
            FailOnceProcessor.reset();
            long t0 = System.nanoTime();
            JobClient live = submitLiveFailingOnce(secure.sheddingLiveOptions(T, config));
            liveId = live.getJobID().toHexString();
            S3State.awaitCheckpoint(s3("live"), liveId);
            secure.awaitCommitted(
                    client,
                    sent.size(),
                    SecureJobs.topic(T, "processed"),
                    SecureJobs.topic(T, "shed"));
            long t1 = System.nanoTime();
            assertThat(FailOnceProcessor.FIRED).as("the injected failure happened").isTrue();
            JsonNode restored = restoredFrom(liveId);
            assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
            assertThat(restored.path("external_path").asText())
                    .as("the live job restored from its checkpoint on S3")
                    .startsWith(s3("live") + "/checkpoints/" + live.getJobID());
            answers.putAll(SecretLeaks.restAnswers(secure.rest, liveId));
            String savepoint =
                    live.stopWithSavepoint(
                                    false,
                                    s3("live") + "/savepoints",
                                    SavepointFormatType.CANONICAL)
                            .get(1, TimeUnit.MINUTES);
            long t2 = System.nanoTime();
            assertThat(savepoint).startsWith(s3("live") + "/savepoints/");
            assertThat(S3State.savepointExists(savepoint)).as("on S3: " + savepoint).isTrue();

            // 2. the drain from that savepoint, its own state on S3
            Configuration drainConf = S3State.jobSettings(s3("backfill"));
            drainConf.addAll(SecureJobs.jobConf());
            drainConf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            drainConf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
            JobClient drain =
                    BackfillJob.submit(
                            secure.flink.environment(drainConf),
                            secure.options(
                                    JobKind.BACKFILL,
                                    T,
                                    config,
                                    "--mode",
                                    "drain",
                                    "--max-rate",
                                    "5000"));
            drain.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            long t3 = System.nanoTime();
            String drainId = drain.getJobID().toHexString();
            assertThat(restoredFrom(drainId).path("external_path").asText())
                    .as("the drain started from the live job's savepoint")
                    .isEqualTo(savepoint);
            SecretLeaks.restAnswers(secure.rest, drainId)
                    .forEach((path, body) -> answers.put("drain " + path, body));

            // 3. reconcile, as an operator runs it
            reconcile = ToolRun.of(secure.reconcileArgs(T, config));
            LOG.info(
                    "SASL_SSL + S3: live job with a restore {} ms, stop with savepoint {} ms, drain"
                            + " from it {} ms, reconcile {} ms",
                    (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000,
                    (t3 - t2) / 1_000_000,
                    (System.nanoTime() - t3) / 1_000_000);
            logs = captured.text();
        }
        assertThat(reconcile.status()).as(reconcile.err()).isEqualTo(Tools.OK);
        assertThat(reconcile.out())
                .contains("\"processed_once\":" + sent.size(), "\"passed\":true");

        // exactly once, id by id, across the live and backfill lanes
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Integer> byLane = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(
                        secure.kafka.saslSslBootstrap(),
                        client,
                        SecureJobs.topic(T, "processed"))) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            seen.merge(p.eventId, 1, Integer::sum);
            byLane.merge(p.lane.wireName(), 1, Integer::sum);
        }
        assertThat(seen.keySet()).isEqualTo(sent.keySet());
        assertThat(seen.values()).allMatch(n -> n == 1);
        LOG.info("processed by lane: {}", byLane);
        assertThat(byLane.get("backfill")).as("the drain processed the shed events").isPositive();
        assertThat(byLane.get("live") + byLane.get("backfill")).isEqualTo(sent.size());

        // 4. no secret in the REST answers of both jobs or in the logs of the whole run
        assertThat(answers.get("/jobs/" + liveId + "/config"))
                .as("the job parameters show the file's path")
                .contains("kafka-config", config.toString());
        assertThat(logs).as("the clients logged their settings").contains("ProducerConfig values");
        SecretLeaks.assertAbsent(answers, logs, secure.password, storePassword);
    }

    /**
     * The live job as {@link FloodgateJob#submit} builds it from its options (start check, real
     * source, sinks and lag monitor), with the processor that fails once after the first completed
     * checkpoint. Until it fires it takes 4 ms per event, so the job is still reading (for about 3
     * s) when its first checkpoint on S3 completes.
     */
    private JobClient submitLiveFailingOnce(FloodgateOptions o) throws Exception {
        Configuration conf = S3State.jobSettings(s3("live"));
        conf.addAll(SecureJobs.jobConf());
        StreamExecutionEnvironment env = secure.flink.environment(conf);
        FloodgateJob.checkKafka(o);
        FloodgateJob.configure(env, o);
        FloodgateJob.defineWorkflow(
                env,
                FloodgateJob.source(o),
                FloodgateJob.sinks(o),
                Pipeline.from(o)
                        .withProcessor(FailOnceProcessor.afterFirstCheckpoint(4000))
                        // its own processor: no bottleneck, so the drain's work is shed here
                        .withShedPolicy(
                                new ShedEvery(Channel.VOICE, Priority.LOW, Priority.NORMAL)),
                FloodgateJob.lagMonitor(o));
        return env.executeAsync(FloodgateJob.JOB_NAME);
    }

    /** What job {@code jobId} last restored from (REST checkpoint statistics). */
    private static JsonNode restoredFrom(String jobId) throws Exception {
        return secure.rest.get("/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
    }

    private String s3(String job) {
        return "s3://" + bucket + "/" + job;
    }
}
