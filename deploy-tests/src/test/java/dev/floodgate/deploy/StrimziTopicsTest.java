package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/**
 * k8s/topics.yaml: Strimzi KafkaTopics for the four topics, durable and LogAppendTime, matching the
 * job.
 */
class StrimziTopicsTest {
    /**
     * The Strimzi release the topics are written for. Strimzi 1.x serves KafkaTopic as
     * kafka.strimzi.io/v1 only (v1beta2 is deprecated since 0.49 and not served from 1.0). No
     * artifact on Maven Central ships Strimzi's CRD YAML, and its API model (io.strimzi:api 1.2.0,
     * with the crd-annotations that say which versions are served) is built for Java 21, which this
     * Java 17 build cannot load: so the version and the spec fields below are the ones of that
     * model's KafkaTopic ({@code @Crd} versions: v1 served and stored, nothing else;
     * KafkaTopicSpec: topicName, partitions, replicas 1..32767, config), checked here as a focused
     * list.
     */
    static final String STRIMZI_VERSION = "1.2.0";

    static final String API_VERSION = "kafka.strimzi.io/v1";

    /** The fields of Strimzi v1's KafkaTopicSpec: what the topic operator reads. */
    static final Set<String> SPEC_KEYS = Set.of("topicName", "partitions", "replicas", "config");

    static Map<String, JsonNode> topics() {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode doc : Manifests.documents(Manifests.k8s("topics.yaml"))) {
            assertThat(doc.path("apiVersion").asText()).isEqualTo(API_VERSION);
            assertThat(doc.path("kind").asText()).isEqualTo("KafkaTopic");
            String name =
                    doc.path("spec")
                            .path("topicName")
                            .asText(doc.path("metadata").path("name").asText());
            byName.put(name, doc);
        }
        return byName;
    }

    @Test
    void theJobsTopicsAreAllThere() {
        JsonNode live = Manifests.document(Manifests.k8s("live-job.yaml"));
        FloodgateOptions o =
                FloodgateOptions.fromArgs(
                        Manifests.args(live).toArray(new String[0]), JobKind.LIVE);
        FloodgateOptions backfill =
                FloodgateOptions.fromArgs(
                        Manifests.args(Manifests.document(Manifests.k8s("backfill-job.yaml")))
                                .toArray(new String[0]),
                        JobKind.BACKFILL);
        assertThat(topics().keySet())
                .containsExactlyInAnyOrder(
                        o.get(FloodgateOptions.INPUT_TOPIC),
                        o.get(FloodgateOptions.PROCESSED_TOPIC),
                        o.get(FloodgateOptions.SHED_TOPIC),
                        o.get(FloodgateOptions.DLQ_TOPIC),
                        backfill.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC));
    }

    /** The drain's marks are kept per key for ever: a deleted mark would restart a drain early. */
    @Test
    void theDrainProgressTopicIsCompacted() {
        FloodgateOptions backfill =
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers", "localhost:9"}, JobKind.BACKFILL);
        JsonNode config =
                topics().get(backfill.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC))
                        .path("spec")
                        .path("config");
        assertThat(config.path("cleanup.policy").asText()).isEqualTo("compact");
    }

    @Test
    void everyTopicIsDurableAndUsesLogAppendTime() {
        Set<String> kafkaTopicConfigs = topicConfigNames();
        List<String> errors = new ArrayList<>();
        topics().forEach(
                        (name, doc) -> {
                            assertThat(
                                            doc.path("metadata")
                                                    .path("labels")
                                                    .path("strimzi.io/cluster")
                                                    .asText())
                                    .as(name)
                                    .isNotBlank();
                            JsonNode spec = doc.path("spec");
                            spec.fieldNames()
                                    .forEachRemaining(
                                            k -> {
                                                if (!SPEC_KEYS.contains(k)) {
                                                    errors.add(name + ": unknown spec key " + k);
                                                }
                                            });
                            assertThat(spec.path("partitions").asInt()).as(name).isPositive();
                            assertThat(spec.path("replicas").asInt()).as(name).isEqualTo(3);
                            JsonNode config = spec.path("config");
                            config.fieldNames()
                                    .forEachRemaining(
                                            k -> {
                                                if (!kafkaTopicConfigs.contains(k)) {
                                                    errors.add(
                                                            name
                                                                    + ": "
                                                                    + k
                                                                    + " is not a Kafka topic config");
                                                }
                                            });
                            assertThat(config.path("min.insync.replicas").asInt())
                                    .as(name)
                                    .isEqualTo(2);
                            if (!config.path("cleanup.policy").asText().equals("compact")) {
                                assertThat(config.path("retention.ms").asLong())
                                        .as(name)
                                        .isPositive();
                            }
                            assertThat(config.path("message.timestamp.type").asText())
                                    .as(name)
                                    .isEqualTo("LogAppendTime");
                        });
        assertThat(errors).isEmpty();
    }

    /** The Strimzi v1 spec's types and bounds: an integer partitions >= 1, replicas 1..32767. */
    @Test
    void specValuesHaveStrimziV1Types() {
        topics().forEach(
                        (name, doc) -> {
                            JsonNode spec = doc.path("spec");
                            assertThat(spec.path("topicName").isTextual()).as(name).isTrue();
                            assertThat(spec.path("partitions").isIntegralNumber())
                                    .as(name)
                                    .isTrue();
                            assertThat(spec.path("partitions").asInt()).as(name).isPositive();
                            assertThat(spec.path("replicas").isIntegralNumber()).as(name).isTrue();
                            assertThat(spec.path("replicas").asInt()).as(name).isBetween(1, 32767);
                            assertThat(spec.path("config").isObject()).as(name).isTrue();
                        });
    }

    @Test
    void readmesNameTheStrimziVersion() throws Exception {
        assertThat(java.nio.file.Files.readString(Manifests.k8s("README.md")))
                .contains("Strimzi " + STRIMZI_VERSION)
                .contains(API_VERSION);
        assertThat(java.nio.file.Files.readString(Manifests.root().resolve("README.md")))
                .contains("Strimzi " + STRIMZI_VERSION);
    }

    /** Kafka's topic-level config names: the values of TopicConfig's *_CONFIG constants. */
    static Set<String> topicConfigNames() {
        Set<String> names = new HashSet<>();
        for (Field f : TopicConfig.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers())
                    && f.getName().endsWith("_CONFIG")
                    && f.getType() == String.class) {
                try {
                    names.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return names;
    }
}
