package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.job.testing.FloodRun;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.flink.FlinkRest;
import dev.floodgate.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Monday flood on a real broker, a MiniCluster and a capacity-limited HTTP service ({@link
 * FloodRun}): arrivals at three times the service's capacity. With shedding, backpressure is real,
 * {@code high} stays fresh, checkpoints keep completing, and every event is processed or shed
 * exactly once; without it, {@code high} ages with the backlog.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FloodITCase {
    private static final Logger LOG = LoggerFactory.getLogger(FloodITCase.class);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    () -> {
                        Configuration conf = new Configuration();
                        conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
                        // REST serves backpressure and busy time from the metric fetcher's cache,
                        // 10 s old by default: the
                        // 0.5 s samples of a 30 s flood would see three values, and the peak could
                        // fall between them.
                        conf.set(
                                MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL,
                                Duration.ofSeconds(1));
                        return new MiniClusterResourceConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumberTaskManagers(1)
                                .setNumberSlotsPerTaskManager(FloodRun.PARALLELISM)
                                .build();
                    });

    @Test
    void sheddingKeepsHighFreshUnderBackpressureAndLosesNothing(
            @InjectClusterClient ClusterClient<?> client) throws Exception {
        FloodRun.Result flood =
                run(client, new FloodRun.Settings("on", true, Duration.ofSeconds(30), true, true));

        // high goes first in its lane: at most half the SLO, plus 1 s for a loaded 2-core CI
        // machine
        long allowed = FloodRun.VOICE_SLO.toMillis() / 2 + 1000;
        assertThat(flood.p99HighAgeMillis())
                .as("p99 age of high events at processing")
                .isLessThan(allowed);
        // chat has its own lane: the voice flood does not make it wait (1 s for CI noise)
        assertThat(FloodRun.percentile(flood.chatAges, 0.99))
                .as("p99 age of chat at processing while voice is flooded")
                .isLessThan(1000 + 1000);
        assertThat(flood.shed).as("the flood shed low-priority voice").isNotEmpty();
        assertThat(flood.shed).allSatisfy(i -> assertThat(i.priority).isNotEqualTo(Priority.HIGH));
        assertThat(flood.shedReasons).containsOnlyKeys("predicted_wait");
        assertThat(flood.checkpointsDuringFlood)
                .as("checkpoints completed during the flood")
                .isGreaterThanOrEqualTo(5);

        // every valid event exactly once in processed or shed; every poison record a dead letter
        List<String> accounted = new ArrayList<>();
        flood.processed.forEach(p -> accounted.add(p.eventId));
        flood.shed.forEach(i -> accounted.add(i.eventId));
        assertThat(accounted)
                .hasSize(flood.generator.sentValid().size())
                .containsExactlyInAnyOrderElementsOf(
                        flood.generator.sentValid().stream().map(i -> i.eventId).toList());
        Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
        flood.deadLetters.forEach(d -> reasons.merge(d.reason, 1, Integer::sum));
        assertThat(reasons).isEqualTo(flood.generator.sentPoison());
    }

    @Test
    void withoutSheddingHighAgesWithTheBacklog(@InjectClusterClient ClusterClient<?> client)
            throws Exception {
        FloodRun.Result flood =
                run(
                        client,
                        new FloodRun.Settings("off", false, Duration.ofSeconds(20), false, true));
        assertThat(flood.shed).isEmpty();
        // without shedding the backlog stays in Kafka: the voice lane fills and holds the source
        assertThat(flood.maxSourceBackpressure)
                .as("the source was backpressured")
                .isGreaterThan(0.5);
        assertThat(flood.p99HighAgeMillis())
                .as("p99 age of high events without shedding")
                .isGreaterThan(2 * (FloodRun.VOICE_SLO.toMillis() + FloodRun.inFlightWaitMillis()));
    }

    private static FloodRun.Result run(ClusterClient<?> client, FloodRun.Settings settings)
            throws Exception {
        FloodRun.Result flood =
                FloodRun.run(
                        KAFKA.bootstrapServers(),
                        new FlinkRest(client.getWebInterfaceURL()),
                        StreamExecutionEnvironment::getExecutionEnvironment,
                        settings);
        LOG.info(
                "flood {}: {} valid sent, {} processed, {} shed {}, {} dead letters, p99 high age {} ms, "
                        + "p99 chat age {} ms, max source backpressure {}, max process busy {}, "
                        + "{} checkpoints during the flood",
                settings.name(),
                flood.generator.sentValid().size(),
                flood.processed.size(),
                flood.shed.size(),
                flood.shedReasons,
                flood.deadLetters.size(),
                flood.p99HighAgeMillis(),
                FloodRun.percentile(flood.chatAges, 0.99),
                flood.maxSourceBackpressure,
                flood.maxProcessBusy,
                flood.checkpointsDuringFlood);
        return flood;
    }
}
