package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The job jar is what a cluster runs: the jobs, the tools and the connectors they use, nothing
 * else. Test kit, demo and benchmark classes (an in-process broker, a MiniCluster launcher, a load
 * generator, a fake service) must never ship in it, and neither must what flink-dist already puts
 * in the cluster's lib/ (flink-connector-base, flink-connector-files and the file sink's common
 * classes): a second copy in the job jar could differ from the cluster's and shadow it under
 * child-first class loading.
 */
class JobJarContentsITCase {

    private static List<String> entries() throws IOException {
        Path jar = Path.of(System.getProperty("floodgate.job.jar"));
        assertThat(jar).as("the shaded job jar, built in the package phase").exists();
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(ZipEntry::getName).toList();
        }
    }

    @Test
    void holdsTheJobsAndTheTools() throws IOException {
        assertThat(entries())
                .contains(
                        "dev/floodgate/job/FloodgateJob.class",
                        "dev/floodgate/job/BackfillJob.class",
                        "dev/floodgate/job/tools/Tools.class",
                        "dev/floodgate/operators/ordering/OrderPerCustomer.class",
                        "dev/floodgate/contract/ContractV1Reader.class",
                        "org/apache/flink/connector/kafka/sink/KafkaSink.class");
    }

    @Test
    void holdsNoConnectorThatFlinkDistBrings() throws IOException {
        assertThat(entries())
                .noneMatch(e -> e.startsWith("org/apache/flink/connector/base/"))
                .noneMatch(e -> e.startsWith("org/apache/flink/connector/file/"))
                .noneMatch(
                        e ->
                                e.startsWith(
                                        "org/apache/flink/streaming/api/functions/sink/filesystem/"))
                // the Kafka connector is not in flink-dist: it stays
                .contains("org/apache/flink/connector/kafka/source/KafkaSource.class");
    }

    @Test
    void holdsNoTestKitDemoOrBenchmarkClass() throws IOException {
        assertThat(entries())
                .noneMatch(e -> e.startsWith("dev/floodgate/testkit/"))
                .noneMatch(e -> e.startsWith("dev/floodgate/demo/"))
                .noneMatch(e -> e.startsWith("dev/floodgate/bench/"))
                .noneMatch(e -> e.startsWith("org/apache/kafka/common/test/"))
                .noneMatch(e -> e.startsWith("kafka/server/"))
                .noneMatch(e -> e.startsWith("org/junit/"))
                // the S3 test server and file system: the cluster brings S3 as a plugin
                .noneMatch(e -> e.startsWith("org/gaul/"))
                .noneMatch(e -> e.startsWith("org/jclouds/"))
                .noneMatch(e -> e.startsWith("org/apache/flink/fs/s3hadoop/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/fs/s3a/"))
                .noneMatch(
                        e ->
                                e.matches(
                                        ".*(EmbeddedKafka|CapacityLimitedService|FloodDemo|FloodGenerator"
                                                + "|LocalFlinkCluster|FlinkRest|KafkaClusterTestKit).*"));
    }

    /**
     * The fault hooks fail, hang or kill on an HTTP command: the fault campaign's test build adds
     * them to a copy of the jar. In the real one they would be a remote switch for failures. Some
     * live in the job's own package ({@code dev.floodgate.job.FaultHookJob}), so the package rules
     * above do not catch them: named here.
     */
    @Test
    void holdsNoFaultHook() throws IOException {
        assertThat(entries())
                .doesNotContain(
                        "dev/floodgate/job/FaultHookJob.class",
                        "dev/floodgate/bench/campaign/FaultHookProcessor.class")
                .noneMatch(e -> e.matches(".*(FaultHook|FailOnce|FaultInjection).*"))
                .noneMatch(e -> e.startsWith("dev/floodgate/job/testing/"));
    }
}
