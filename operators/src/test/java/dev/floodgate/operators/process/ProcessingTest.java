package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.testing.ShedEvents;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProcessingTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    private static final String MARKER = "FAIL-ME";

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyEventComesOutInOrderAndPermanentFailuresBecomeDeadLettersAfterRetries()
            throws Exception {
        Set<Long> failing = Set.of(2L, 3L, 11L);
        List<Interaction> events = new ArrayList<>();
        for (long seq = 1; seq <= 12; seq++) {
            events.add(
                    ShedEvents.chat(
                            "c1",
                            seq,
                            failing.contains(seq) ? "please " + MARKER : "hello " + seq,
                            1000));
        }
        ServiceOptions options =
                ServiceOptions.defaults()
                        .channel(Channel.CHAT, 4, Duration.ofMillis(20))
                        .failWhenBodyContains(MARKER);
        int retries = 2;
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
            conf.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(100));
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(1);

            ProcessEvents fn =
                    new ProcessEvents(
                            HttpEventProcessor.forBaseUri(
                                    service.baseUri(), Duration.ofSeconds(5), "v1"),
                            Lane.LIVE);
            ProcessingConfig cfg =
                    ProcessingConfig.defaults()
                            .withMaxInFlight(4)
                            .withTotalTimeout(Duration.ofSeconds(20))
                            .withRetries(retries, Duration.ofMillis(20), Duration.ofMillis(100));
            List<ProcessOutcome> out =
                    Processing.apply(env.fromData(events), fn, cfg)
                            .uid("process")
                            .name("process")
                            .executeAndCollect(100);

            assertThat(out).hasSize(12);
            for (int i = 0; i < out.size(); i++) {
                long seq = i + 1;
                ProcessOutcome o = out.get(i);
                if (failing.contains(seq)) {
                    assertThat(o.processed).isNull();
                    assertThat(o.failed.reason).isEqualTo(DeadLetterReason.PROCESSING_FAILED);
                    assertThat(o.failed.stage).isEqualTo("process");
                    assertThat(o.failed.error).contains("HTTP 500");
                    assertThat(o.failed.offset).isEqualTo(seq);
                } else {
                    assertThat(o.failed).isNull();
                    assertThat(o.processed.seq).as("in input order").isEqualTo(seq);
                    assertThat(o.processed.processor).isEqualTo("http-v1");
                    assertThat(o.processed.lane).isEqualTo(Lane.LIVE);
                    assertThat(o.processed.result).contains("c1-" + seq);
                }
            }
            // every failing event gets every attempt, seq 11 too: the end of the bounded input
            // waits out its backoff
            long perEvent = retries + 1;
            assertThat(service.failures(Channel.CHAT)).isEqualTo(3 * perEvent);
            assertThat(service.calls(Channel.CHAT)).isEqualTo(9 + service.failures(Channel.CHAT));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aServiceSlowerThanTheTotalTimeoutYieldsDeadLettersNotAStuckJob() throws Exception {
        List<Interaction> events = new ArrayList<>();
        for (long seq = 1; seq <= 3; seq++) {
            events.add(
                    ShedEvents.event(
                            "c9", seq, Channel.VOICE, dev.floodgate.model.Priority.NORMAL, 1000));
        }
        ServiceOptions options =
                ServiceOptions.defaults().channel(Channel.VOICE, 1, Duration.ofSeconds(10));
        try (CapacityLimitedService service = new CapacityLimitedService(options).start()) {
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(1);

            ProcessEvents fn =
                    new ProcessEvents(
                            HttpEventProcessor.forBaseUri(
                                    service.baseUri(), Duration.ofSeconds(30), "v1"),
                            Lane.LIVE);
            ProcessingConfig cfg =
                    ProcessingConfig.defaults()
                            .withMaxInFlight(2)
                            .withTotalTimeout(Duration.ofMillis(300));
            long start = System.nanoTime();
            List<ProcessOutcome> out =
                    Processing.apply(env.fromData(events), fn, cfg).executeAndCollect(10);

            assertThat(out)
                    .hasSize(3)
                    .allSatisfy(
                            o -> {
                                assertThat(o.failed.reason)
                                        .isEqualTo(DeadLetterReason.PROCESSING_FAILED);
                                assertThat(o.failed.error).contains("TimeoutException");
                            });
            assertThat(out).extracting(o -> o.failed.offset).containsExactly(1L, 2L, 3L);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void callsThatNeverCompleteTimeOutInInputOrderBetweenCallsAlreadyComplete() throws Exception {
        List<Interaction> events = new ArrayList<>();
        for (long seq = 1; seq <= 20; seq++) {
            events.add(ShedEvents.chat("c1", seq, "hello " + seq, 1000));
        }
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        ProcessEvents fn = new ProcessEvents(new NeverCompletes(Set.of(3L, 4L, 17L)), Lane.LIVE);
        ProcessingConfig cfg =
                ProcessingConfig.defaults()
                        .withMaxInFlight(4)
                        .withTotalTimeout(Duration.ofMillis(200));

        List<ProcessOutcome> out =
                Processing.apply(env.fromData(events), fn, cfg).executeAndCollect(100);

        assertThat(out).hasSize(20);
        for (int i = 0; i < out.size(); i++) {
            long seq = i + 1;
            ProcessOutcome o = out.get(i);
            if (seq == 3 || seq == 4 || seq == 17) {
                assertThat(o.failed.offset).isEqualTo(seq);
                assertThat(o.failed.error).isEqualTo("TimeoutException: processing timed out");
            } else {
                assertThat(o.processed.seq).as("in input order").isEqualTo(seq);
            }
        }
    }

    /** Pass-through, except that the calls for some sequence numbers never complete. */
    static final class NeverCompletes implements EventProcessor {
        private static final long serialVersionUID = 1L;
        private final PassThroughProcessor passThrough = new PassThroughProcessor();
        private final Set<Long> stuck;

        NeverCompletes(Set<Long> stuck) {
            this.stuck = stuck;
        }

        @Override
        public String name() {
            return "never-completes";
        }

        @Override
        public java.util.concurrent.CompletableFuture<String> process(Interaction event) {
            return stuck.contains(event.seq)
                    ? new java.util.concurrent.CompletableFuture<>()
                    : passThrough.process(event);
        }
    }
}
