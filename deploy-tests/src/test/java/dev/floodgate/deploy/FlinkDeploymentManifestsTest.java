package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.job.BackfillMode;
import dev.floodgate.job.Checkpointing;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.job.TransactionBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * k8s/live-job.yaml and k8s/backfill-job.yaml against the Flink Kubernetes Operator's CRD schema
 * and model, Flink 2.2's configuration keys and Floodgate's job options.
 */
class FlinkDeploymentManifestsTest {
    static final String LIVE = "live-job.yaml";
    static final String BACKFILL = "backfill-job.yaml";
    static final String JAR_URI = "local:///opt/flink/usrlib/floodgate-job.jar";

    /**
     * The backfill job's own option (BackfillJob, not yet written): everything else is a
     * FloodgateOptions key.
     */
    static final Set<String> BACKFILL_MODES = Set.of("drain", "replay");

    /**
     * flink-kubernetes-operator-api 1.10.0 (the newest release that resolves here) knows
     * flinkVersion up to v1_20; v2_0..v2_2 came with operator 1.11..1.13. The manifests name the
     * Flink version the job is built with; the schema check runs on the manifest as written
     * (against 1.15.0's schema, {@link OperatorCrd}), the checks with the 1.10 Java model with the
     * newest value this API knows in its place.
     */
    static final String NEWEST_VERSION_THIS_API_KNOWS = "v1_20";

    /**
     * The operator release the manifests are written for: the first whose docs list Flink 2.2. Its
     * API artifact is not on the repository here: the schema check uses 1.10.0's CRD with the
     * 1.15.0 changes applied ({@link OperatorCrd}), the model checks 1.10.0's classes.
     */
    static final String OPERATOR_VERSION = "1.15.0";

    static final String OPERATOR_ANNOTATION = "floodgate.dev/flink-kubernetes-operator";

    static Stream<String> manifests() {
        return Stream.of(LIVE, BACKFILL);
    }

    static JsonNode manifest(String file) {
        return Manifests.document(Manifests.k8s(file));
    }

    /**
     * The manifest as the 1.10 API can read it: the Flink 2 version swapped for the newest it
     * knows.
     */
    static ObjectNode forThisApi(JsonNode manifest) {
        ObjectNode copy = Manifests.copy(manifest);
        ((ObjectNode) copy.path("spec")).put("flinkVersion", NEWEST_VERSION_THIS_API_KNOWS);
        return copy;
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void flinkVersionIsTheOneTheJobIsBuiltWith(String file) {
        String[] v = EnvironmentInformation.getVersion().split("\\.");
        assertThat(manifest(file).path("spec").path("flinkVersion").asText())
                .isEqualTo("v" + v[0] + "_" + v[1]);
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void namesTheOperatorVersion(String file) throws Exception {
        assertThat(
                        manifest(file)
                                .path("metadata")
                                .path("annotations")
                                .path(OPERATOR_ANNOTATION)
                                .asText())
                .as(file)
                .isEqualTo(OPERATOR_VERSION);
        assertThat(java.nio.file.Files.readString(Manifests.k8s("README.md")))
                .as("k8s/README.md installs that operator")
                .contains("flink-kubernetes-operator-" + OPERATOR_VERSION + "/");
    }

    /**
     * Every storage path (state, HA, the savepoint it starts from, the archive) is served by the
     * one enabled plugin for its scheme, and the archive's FileSink by one with a recoverable
     * writer.
     */
    @ParameterizedTest
    @MethodSource("manifests")
    void storageIsServedByTheEnabledPlugins(String file) {
        JsonNode m = manifest(file);
        assertThat(StoragePlugins.uses(m)).as(file).hasSizeGreaterThanOrEqualTo(3);
        assertThat(StoragePlugins.problems(m, EnvironmentInformation.getVersion()))
                .as(file)
                .isEmpty();
    }

    @Test
    void theLiveJobArchivesThroughAFileSinkOnS3() {
        assertThat(StoragePlugins.uses(manifest(LIVE)))
                .anyMatch(u -> u.fileSink() && u.path().startsWith("s3://"));
    }

    /** No anonymous jar upload: the operator submits the job. */
    @ParameterizedTest
    @MethodSource("manifests")
    void jarUploadIsOff(String file) {
        assertThat(Manifests.flinkConfiguration(manifest(file)).get("web.submit.enable"))
                .as(file)
                .isEqualTo("false");
    }

    /**
     * The REST API has no authentication: its service stays inside the cluster (ClusterIP, reached
     * through k8s/network-policy.yaml only) and offers no on-demand flame graphs.
     */
    @ParameterizedTest
    @MethodSource("manifests")
    void restApiIsClusterInternalWithoutFlameGraphs(String file) {
        Map<String, String> conf = Manifests.flinkConfiguration(manifest(file));
        assertThat(conf.get("kubernetes.rest-service.exposed.type"))
                .as(file)
                .isEqualTo("ClusterIP");
        assertThat(conf.get("rest.flamegraph.enabled")).as(file).isEqualTo("false");
        assertThat(
                        Configuration.fromMap(conf)
                                .get(org.apache.flink.configuration.RestOptions.ENABLE_FLAMEGRAPH))
                .isFalse();
    }

    /** The manifest as written (flinkVersion v2_2 included) against operator 1.15.0's schema. */
    @ParameterizedTest
    @MethodSource("manifests")
    void matchesTheCrdSchema(String file) {
        List<String> errors = new ArrayList<>();
        SchemaCheck.check(manifest(file), OperatorCrd.flinkDeployment115(), "", errors);
        assertThat(errors).as(file).isEmpty();
    }

    /**
     * The manifests' flinkVersion is one operator 1.15.0 accepts, and one the 1.10 schema does not
     * (so the check above is the 1.15 one); an unknown version is rejected.
     */
    @ParameterizedTest
    @MethodSource("manifests")
    void flinkVersionIsOneOperator115Accepts(String file) {
        JsonNode m = manifest(file);
        String version = m.path("spec").path("flinkVersion").asText();
        assertThat(OperatorCrd.FLINK_2_VERSIONS).contains(version);
        assertThat(errors(m, OperatorCrd.flinkDeployment110()))
                .anyMatch(e -> e.startsWith("/spec/flinkVersion"));
        ObjectNode wrong = Manifests.copy(m);
        ((ObjectNode) wrong.path("spec")).put("flinkVersion", "v2_x");
        assertThat(errors(wrong, OperatorCrd.flinkDeployment115()))
                .anyMatch(e -> e.startsWith("/spec/flinkVersion"));
    }

    /**
     * flinkConfiguration as 1.15 types it (x-kubernetes-preserve-unknown-fields, no type): nested
     * YAML and unquoted values pass, where 1.10 took strings only; the manifests' own values are
     * strings, which both accept.
     */
    @ParameterizedTest
    @MethodSource("manifests")
    void flinkConfigurationIsTypedAsOperator115Says(String file) {
        JsonNode m = manifest(file);
        m.path("spec")
                .path("flinkConfiguration")
                .fields()
                .forEachRemaining(
                        e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());
        ObjectNode nested = Manifests.copy(m);
        ObjectNode conf = (ObjectNode) nested.path("spec").path("flinkConfiguration");
        conf.putObject("kubernetes").putObject("operator").put("savepoint.history.max.count", 5);
        conf.put("taskmanager.numberOfTaskSlots", 2);
        assertThat(errors(nested, OperatorCrd.flinkDeployment115())).isEmpty();
        assertThat(errors(nested, OperatorCrd.flinkDeployment110()))
                .anyMatch(e -> e.startsWith("/spec/flinkConfiguration/"));
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void readsIntoTheOperatorModelWithoutLosingAKey(String file) throws Exception {
        ObjectNode raw = forThisApi(manifest(file));
        FlinkDeployment model = Manifests.YAML.treeToValue(raw, FlinkDeployment.class);
        assertThat(model.getKind()).isEqualTo("FlinkDeployment");
        assertThat(model.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
        // The model drops unknown keys silently: everything in the file must come back out of it.
        JsonNode back = Manifests.YAML.valueToTree(model);
        List<String> lost = new ArrayList<>();
        lostLeaves(raw, back, "", lost);
        assertThat(lost).as(file + ": keys the operator's model does not know").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void flinkConfigurationKeysAreFlink22Keys(String file) {
        Map<String, String> conf = Manifests.flinkConfiguration(manifest(file));
        assertThat(FlinkOptionKeys.problems(conf.keySet())).as(file).isEmpty();
        Configuration c = Configuration.fromMap(conf);
        for (String key : conf.keySet()) {
            if (FlinkOptionKeys.option(key) != null) {
                assertThatCode(() -> c.get(FlinkOptionKeys.option(key)))
                        .as(key)
                        .doesNotThrowAnyException();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void savepointUpgradesHaveTheirDirectoriesAndHa(String file) throws Exception {
        FlinkDeployment d =
                Manifests.YAML.treeToValue(forThisApi(manifest(file)), FlinkDeployment.class);
        JobSpec job = d.getSpec().getJob();
        assertThat(job.getJarURI()).isEqualTo(JAR_URI);
        Configuration conf = Configuration.fromMap(d.getSpec().getFlinkConfiguration());
        if (job.getUpgradeMode() != UpgradeMode.STATELESS) {
            // What the operator's validator requires (either the Flink 2 key or the deprecated
            // state.* one).
            assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                    .as("checkpoint dir")
                    .isNotBlank();
        }
        if (job.getUpgradeMode() == UpgradeMode.SAVEPOINT) {
            assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY))
                    .as("savepoint dir")
                    .isNotBlank();
        }
        assertThat(conf.get(HighAvailabilityOptions.HA_MODE)).isEqualToIgnoringCase("kubernetes");
        assertThat(conf.get(HighAvailabilityOptions.HA_STORAGE_PATH)).isNotBlank();
        assertThat(job.getParallelism()).isPositive();
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void prometheusPortIsTheNamedContainerPort(String file) {
        JsonNode m = manifest(file);
        String port = Manifests.flinkConfiguration(m).get("metrics.reporter.prom.port");
        assertThat(port).as("one fixed port per pod").matches("\\d+");
        List<String> metricsPorts = new ArrayList<>();
        for (JsonNode c : m.path("spec").path("podTemplate").path("spec").path("containers")) {
            if (c.path("name").asText().equals("flink-main-container")) {
                for (JsonNode p : c.path("ports")) {
                    if (p.path("name").asText().equals("metrics")) {
                        metricsPorts.add(p.path("containerPort").asText());
                    }
                }
            }
        }
        assertThat(metricsPorts).containsExactly(port);
    }

    @Test
    void liveJobArgsAreLiveJobOptions() {
        JsonNode live = manifest(LIVE);
        assertThat(live.path("spec").path("job").path("entryClass").asText())
                .isEqualTo("dev.floodgate.job.FloodgateJob");
        assertThat(live.path("spec").path("job").path("upgradeMode").asText())
                .isEqualTo("savepoint");
        List<String> args = Manifests.args(live);
        FloodgateOptions options =
                FloodgateOptions.fromArgs(args.toArray(new String[0]), JobKind.LIVE);
        assertThat(options.get(FloodgateOptions.GROUP_ID)).isEqualTo("floodgate-live");
        assertThat(options.get(FloodgateOptions.TRANSACTIONAL_ID_PREFIX))
                .isEqualTo("floodgate-live");
        // FACTS trap 1: below the brokers' default transaction.max.timeout.ms.
        assertThat(options.get(FloodgateOptions.TRANSACTION_TIMEOUT))
                .isLessThanOrEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void backfillArgsAreBackfillOptions() {
        JsonNode backfill = manifest(BACKFILL);
        JsonNode job = backfill.path("spec").path("job");
        assertThat(job.path("entryClass").asText()).isEqualTo("dev.floodgate.job.BackfillJob");
        assertThat(job.path("initialSavepointPath").asText()).isNotBlank();
        assertThat(job.path("allowNonRestoredState").asBoolean()).isTrue();
        List<String> args = new ArrayList<>(Manifests.args(backfill));
        assertThat(Manifests.arg(args, "mode")).isIn(BACKFILL_MODES);
        // Until BackfillJob exists: --mode is its own option, the rest must be FloodgateOptions
        // keys.
        int i = args.indexOf("--mode");
        args.remove(i + 1);
        args.remove(i);
        FloodgateOptions options =
                FloodgateOptions.fromArgs(args.toArray(new String[0]), JobKind.BACKFILL);
        assertThat(options.get(FloodgateOptions.GROUP_ID)).isEqualTo("floodgate-backfill");
        assertThat(options.get(FloodgateOptions.TRANSACTIONAL_ID_PREFIX))
                .isEqualTo("floodgate-backfill");
        // issue 32: the deployment runs the following drain, each call marked as the lowest
        // urgency, so a service with priorities serves live calls first
        assertThat(options.get(FloodgateOptions.FOLLOW)).isTrue();
        assertThat(options.get(FloodgateOptions.DRAIN_PRIORITY_HEADER)).isEqualTo("Priority: u=7");
    }

    /**
     * Issue 31: both jobs call the processing service over https (no plaintext option), trust the
     * CA of a mounted Secret and send the credential header's value from a file of that Secret: the
     * stores and the reference name paths under a read-only mount of the Secret {@code
     * floodgate-processor} (its mode is checked with every Secret by {@code PodSecurityTest}).
     */
    @ParameterizedTest
    @MethodSource("manifests")
    void theProcessingServiceIsHttpsWithItsTrustAndCredentialFromASecret(String file) {
        JsonNode m = manifest(file);
        List<String> args = Manifests.args(m);
        assertThat(Manifests.arg(args, "processor-url")).as(file).startsWith("https://");
        assertThat(args).as(file).doesNotContain("--processor-allow-plaintext");
        String mount = null;
        JsonNode spec = m.path("spec").path("podTemplate").path("spec");
        for (JsonNode v : spec.path("volumes")) {
            if (v.path("secret").path("secretName").asText().equals("floodgate-processor")) {
                for (JsonNode c : spec.path("containers")) {
                    for (JsonNode vm : c.path("volumeMounts")) {
                        if (vm.path("name").asText().equals(v.path("name").asText())) {
                            assertThat(vm.path("readOnly").asBoolean()).as(file).isTrue();
                            mount = vm.path("mountPath").asText() + "/";
                        }
                    }
                }
            }
        }
        assertThat(mount).as(file + ": the Secret floodgate-processor is mounted").isNotNull();
        assertThat(Manifests.arg(args, "processor-truststore")).as(file).startsWith(mount);
        assertThat(Manifests.arg(args, "processor-auth-header")).isEqualTo("Authorization");
        assertThat(Manifests.arg(args, "processor-auth-secret"))
                .as(file)
                .startsWith("${file:" + mount)
                .endsWith("}");
    }

    /**
     * Issue 31: what the shipped manifests start passes the jobs' start rules: a processing service
     * (no dry run, which would write raw bodies as results) and Kafka through {@code
     * --kafka-config} (a file of the pod, so its protocol is checked where it is read), never the
     * plaintext or host-name switches.
     */
    @ParameterizedTest
    @MethodSource("manifests")
    void theJobsStartAsProductionJobs(String file) {
        List<String> args = new ArrayList<>(Manifests.args(manifest(file)));
        FloodgateOptions o =
                FloodgateOptions.fromArgs(
                        args.toArray(new String[0]),
                        file.equals(LIVE) ? JobKind.LIVE : JobKind.BACKFILL);
        org.assertj.core.api.Assertions.assertThatCode(
                        () -> dev.floodgate.job.Pipeline.requireProcessorOrDryRun(o))
                .as(file)
                .doesNotThrowAnyException();
        assertThat(o.get(FloodgateOptions.DRY_RUN)).as(file).isFalse();
        assertThat(Manifests.arg(args, "kafka-config")).as(file).isNotBlank();
        assertThat(args)
                .as(file)
                .doesNotContain("--kafka-plaintext", "--kafka-skip-hostname-check");
    }

    /**
     * The live job measures the shed topic's lag with the drain's consumer group: the group the
     * backfill manifest's drain commits to, on the shed topic both use. The manifest's drain is the
     * following one, which yields to live traffic.
     */
    @Test
    void theLiveJobWatchesTheDrainsGroupOnTheShedTopic() {
        FloodgateOptions live =
                FloodgateOptions.fromArgs(
                        Manifests.args(manifest(LIVE)).toArray(new String[0]), JobKind.LIVE);
        FloodgateOptions drain =
                FloodgateOptions.fromArgs(
                        Manifests.args(manifest(BACKFILL)).toArray(new String[0]),
                        JobKind.BACKFILL);
        assertThat(drain.get(FloodgateOptions.MODE)).isEqualTo(BackfillMode.DRAIN);
        // issue 32: the deployed drain follows the shed lane beside the live job, yielding to it
        assertThat(drain.get(FloodgateOptions.FOLLOW)).isTrue();
        assertThat(drain.get(FloodgateOptions.YIELD_TO_LIVE)).isTrue();
        assertThat(live.get(FloodgateOptions.DRAIN_GROUP_ID))
                .isEqualTo(drain.get(FloodgateOptions.GROUP_ID));
        assertThat(live.get(FloodgateOptions.SHED_TOPIC))
                .isEqualTo(drain.get(FloodgateOptions.SHED_TOPIC));
    }

    /**
     * Keyed state restores only at the max parallelism it was written with: the cluster
     * configuration, both manifests and the jobs' own default agree, and every parallelism the
     * manifests run at divides it evenly.
     */
    @Test
    void maxParallelismIsPinnedEverywhere() {
        int pinned = dev.floodgate.job.FloodgateJob.MAX_PARALLELISM;
        assertThat(
                        FlinkConfTest.conf()
                                .get(
                                        org.apache.flink.configuration.PipelineOptions
                                                .MAX_PARALLELISM))
                .isEqualTo(pinned);
        for (String file : List.of(LIVE, BACKFILL)) {
            JsonNode m = manifest(file);
            assertThat(Manifests.flinkConfiguration(m).get("pipeline.max-parallelism"))
                    .as(file)
                    .isEqualTo(Integer.toString(pinned));
            int parallelism = m.path("spec").path("job").path("parallelism").asInt();
            assertThat(pinned % parallelism).as("%s: parallelism %d", file, parallelism).isZero();
        }
    }

    /**
     * With each manifest's Flink configuration and job arguments, the jobs' own start check passes:
     * a transaction outlives every checkpoint and restart before its commit.
     */
    @Test
    void transactionsOutliveCheckpointsAndRestarts() {
        for (String file : List.of(LIVE, BACKFILL)) {
            JsonNode m = manifest(file);
            Configuration conf = Configuration.fromMap(Manifests.flinkConfiguration(m));
            FloodgateOptions options = options(file, m);
            TransactionBudget.check(
                    conf,
                    Checkpointing.interval(conf, options),
                    options.get(FloodgateOptions.TRANSACTION_TIMEOUT));
        }
    }

    /**
     * Issue 33: the interval is set in one place, the flinkConfiguration, and the job runs with it
     * (an argument would override it, and a change of the manifest's value would do nothing).
     */
    @ParameterizedTest
    @MethodSource("manifests")
    void theCheckpointIntervalIsTheFlinkConfigurations(String file) {
        JsonNode m = manifest(file);
        Map<String, String> flink = Manifests.flinkConfiguration(m);
        assertThat(Manifests.args(m)).as(file).doesNotContain("--checkpoint-interval");
        assertThat(flink).containsKey(CheckpointingOptions.CHECKPOINTING_INTERVAL.key());
        Configuration conf = Configuration.fromMap(flink);
        assertThat(Checkpointing.interval(conf, options(file, m)))
                .as(file)
                .isEqualTo(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
    }

    /**
     * Issue 30: the live job commits, and so shows its results to read_committed readers, at the
     * jobs' default cadence: every second, at most 500 ms of pause, and barriers that stop waiting
     * behind a backpressured lane after 1 s.
     */
    @Test
    void theLiveJobCommitsEverySecond() {
        Configuration conf = Configuration.fromMap(Manifests.flinkConfiguration(manifest(LIVE)));
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Checkpointing.DEFAULT_INTERVAL)
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(conf.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS))
                .isLessThanOrEqualTo(Duration.ofMillis(500));
        assertThat(conf.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
        assertThat(conf.get(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT))
                .isEqualTo(Checkpointing.ALIGNED_CHECKPOINT_TIMEOUT);
    }

    /** Deprecated options (issue 33) are not passed by the manifests. */
    @ParameterizedTest
    @MethodSource("manifests")
    void passesNoDeprecatedOption(String file) {
        assertThat(Manifests.args(manifest(file)))
                .as(file)
                .noneMatch(a -> a.equals("--" + FloodgateOptions.LOG_RETENTION.key));
    }

    private static FloodgateOptions options(String file, JsonNode m) {
        return FloodgateOptions.fromArgs(
                Manifests.args(m).toArray(new String[0]),
                file.equals(LIVE) ? JobKind.LIVE : JobKind.BACKFILL);
    }

    @Test
    void theTwoJobsNeverShareIdentityOrState() {
        JsonNode live = manifest(LIVE);
        JsonNode backfill = manifest(BACKFILL);
        List<String> liveArgs = Manifests.args(live);
        List<String> backfillArgs = Manifests.args(backfill);
        for (String key : List.of("group-id", "transactional-id-prefix")) {
            assertThat(Manifests.arg(liveArgs, key)).as(key).isNotNull();
            assertThat(Manifests.arg(backfillArgs, key))
                    .as(key)
                    .isNotNull()
                    .isNotEqualTo(Manifests.arg(liveArgs, key));
        }
        assertThat(Manifests.arg(backfillArgs, "bootstrap-servers"))
                .isEqualTo(Manifests.arg(liveArgs, "bootstrap-servers"));
        assertThat(live.path("metadata").path("name").asText())
                .isNotEqualTo(backfill.path("metadata").path("name").asText());
        Map<String, String> l = Manifests.flinkConfiguration(live);
        Map<String, String> b = Manifests.flinkConfiguration(backfill);
        for (String key :
                List.of(
                        "execution.checkpointing.dir",
                        "execution.checkpointing.savepoint-dir",
                        "high-availability.storageDir")) {
            assertThat(b.get(key)).as(key).isNotEqualTo(l.get(key));
        }
        // The backfill starts from the live job's savepoints.
        assertThat(backfill.path("spec").path("job").path("initialSavepointPath").asText())
                .startsWith(l.get("execution.checkpointing.savepoint-dir"));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static List<String> errors(JsonNode manifest, JsonNode schema) {
        List<String> errors = new ArrayList<>();
        SchemaCheck.check(manifest, schema, "", errors);
        return errors;
    }

    /** Leaves of {@code raw} that are missing or different in {@code back}. */
    static void lostLeaves(JsonNode raw, JsonNode back, String path, List<String> lost) {
        if (raw.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = raw.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode b = back == null ? null : back.get(e.getKey());
                if (b == null || b.isNull()) {
                    lost.add(path + "/" + e.getKey());
                } else {
                    lostLeaves(e.getValue(), b, path + "/" + e.getKey(), lost);
                }
            }
        } else if (raw.isArray()) {
            for (int i = 0; i < raw.size(); i++) {
                lostLeaves(raw.get(i), back.get(i), path + "[" + i + "]", lost);
            }
        } else if (!sameScalar(raw, back)) {
            lost.add(path + " = " + raw + " came back as " + back);
        }
    }

    private static boolean sameScalar(JsonNode a, JsonNode b) {
        if (b == null) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.asDouble() == b.asDouble();
        }
        return a.asText().equals(b.asText());
    }
}
