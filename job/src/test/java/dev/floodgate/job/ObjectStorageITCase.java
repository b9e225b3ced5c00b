package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.testing.S3Server;
import dev.floodgate.job.testing.S3State;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production storage shape against a real S3 API: the live job, built by {@link
 * FloodgateJob#submit} from its options as in production, keeps RocksDB incremental checkpoints,
 * its savepoints and the raw archive (FileSink) on {@code s3://} through Flink's Hadoop S3 file
 * system (the plugin the manifests enable) served by S3Proxy on 127.0.0.1. It is stopped with a
 * savepoint on S3 and a new job restored from it; every event is then in the processed topic
 * ({@code read_committed}) and in the archive read back from S3 exactly once.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ObjectStorageITCase {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectStorageITCase.class);
    private static final int CUSTOMERS = 300;
    private static final int BEFORE_SAVEPOINT = 3_000;
    private static final int AFTER_RESTORE = 1_000;
    private static final Pattern EVENT_ID = Pattern.compile("\"event_id\":\"([^\"]+)\"");

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final S3Server S3 = new S3Server();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    private final String run = "s3" + System.nanoTime();
    private final String bucket = "floodgate-" + run;
    private final Map<String, Long> nextSeq = new HashMap<>();
    private final Random random = new Random(7);

    /**
     * The file systems are process-wide in Flink: the MiniCluster's JobManager and TaskManager find
     * the s3:// scheme (factory on the classpath, as the plugin on a cluster) with this server's
     * endpoint and credentials.
     */
    @BeforeAll
    static void registerS3FileSystem() {
        FileSystem.initialize(S3.flinkConfiguration(), null);
    }

    @AfterAll
    static void forgetS3FileSystem() {
        FileSystem.initialize(new Configuration(), null);
    }

    @Test
    void checkpointsSavepointsAndArchiveOnS3SurviveARestoreExactlyOnce() throws Exception {
        S3.createBucket(bucket);
        Topics.create(
                KAFKA.bootstrapServers(),
                4,
                Duration.ofDays(7),
                topic("interactions"),
                topic("processed"),
                topic("shed"),
                topic("dlq"));
        Set<String> sent = new HashSet<>(produce(BEFORE_SAVEPOINT));

        long t0 = System.nanoTime();
        JobClient first = submit(null);
        KAFKA.awaitCommitted(BEFORE_SAVEPOINT, Duration.ofMinutes(2), topic("processed"));
        long t1 = System.nanoTime();
        S3State.awaitCheckpoint(s3base(), first.getJobID().toString());
        String savepoint =
                first.stopWithSavepoint(false, s3("savepoints"), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);
        long t2 = System.nanoTime();
        assertThat(savepoint).startsWith(s3("savepoints/"));
        assertThat(S3State.savepointExists(savepoint))
                .as("the savepoint's metadata on S3")
                .isTrue();

        sent.addAll(produce(AFTER_RESTORE));
        JobClient second = submit(savepoint);
        KAFKA.awaitCommitted(sent.size(), Duration.ofMinutes(2), topic("processed"));
        // a stop with a savepoint commits the archive's last files before the job ends
        second.stopWithSavepoint(false, s3("savepoints"), SavepointFormatType.CANONICAL)
                .get(1, TimeUnit.MINUTES);
        LOG.info(
                "on S3: {} events committed {} ms after submit, stop with savepoint {} ms, restore"
                        + " + {} more + stop {} ms",
                BEFORE_SAVEPOINT,
                (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000,
                AFTER_RESTORE,
                (System.nanoTime() - t2) / 1_000_000);

        List<String> processed = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIO.readCommitted(KAFKA.bootstrapServers(), topic("processed"))) {
            processed.add(OutputCodec.readProcessed(r.value()).eventId);
        }
        assertThat(processed).as("processed, read_committed").hasSize(sent.size());
        assertThat(processed).containsExactlyInAnyOrderElementsOf(sent);

        List<String> archived = archivedEventIds(new Path(s3("archive")));
        assertThat(archived).as("the archive read back from S3").hasSize(sent.size());
        assertThat(archived).containsExactlyInAnyOrderElementsOf(sent);
    }

    /** The live job from its options, state and archive on the bucket; shedding off. */
    private JobClient submit(String fromSavepoint) throws Exception {
        Configuration conf = S3State.jobSettings(s3base());
        if (fromSavepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, fromSavepoint);
        }
        StreamExecutionEnvironment env = TestEnvironments.withBoundedRestarts(2, 500, conf);
        FloodgateOptions options =
                FloodgateOptions.fromArgs(
                        new String[] {
                            "--dry-run",
                            "true",
                            "--kafka-plaintext",
                            "true",
                            "--bootstrap-servers",
                            KAFKA.bootstrapServers(),
                            "--input-topic",
                            topic("interactions"),
                            "--processed-topic",
                            topic("processed"),
                            "--shed-topic",
                            topic("shed"),
                            "--dlq-topic",
                            topic("dlq"),
                            "--group-id",
                            run,
                            "--transactional-id-prefix",
                            run,
                            "--starting-offsets",
                            "earliest",
                            "--transaction-timeout",
                            "5min",
                            "--checkpoint-interval",
                            "500ms",
                            "--parallelism",
                            "2",
                            "--shedding",
                            "false",
                            "--archive-path",
                            s3("archive")
                        },
                        JobKind.LIVE);
        return FloodgateJob.submit(env, options);
    }

    /** Event ids of the archive's committed files (the FileSink's part files) on S3. */
    private static List<String> archivedEventIds(Path archive) throws IOException {
        List<String> ids = new ArrayList<>();
        for (Path file : S3State.listFiles(archive)) {
            String name = file.getName();
            if (!name.startsWith("interactions") || !name.endsWith(".jsonl")) {
                continue; // in-progress parts and the writer's temporary objects
            }
            try (BufferedReader in =
                    new BufferedReader(
                            new InputStreamReader(
                                    file.getFileSystem().open(file), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    Matcher m = EVENT_ID.matcher(line);
                    assertThat(m.find()).as("an archived event: %s", line).isTrue();
                    ids.add(m.group(1));
                }
            }
        }
        return ids;
    }

    private List<String> produce(int events) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            String customer = "c" + random.nextInt(CUSTOMERS);
            Interaction in =
                    InteractionRecords.event(
                            customer,
                            nextSeq.merge(customer, 1L, Long::sum),
                            Channel.values()[random.nextInt(3)],
                            Priority.values()[random.nextInt(3)],
                            System.currentTimeMillis());
            records.add(InteractionRecords.record(topic("interactions"), in));
            ids.add(in.eventId);
        }
        KafkaIO.produce(KAFKA.bootstrapServers(), records);
        return ids;
    }

    private String s3base() {
        return "s3://" + bucket;
    }

    private String s3(String path) {
        return "s3://" + bucket + "/" + path;
    }

    private String topic(String name) {
        return run + "." + name;
    }
}
