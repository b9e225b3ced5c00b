package dev.floodgate.demo;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.model.Channel;
import dev.floodgate.testkit.flink.LocalFlinkCluster;
import dev.floodgate.testkit.kafka.EmbeddedKafka;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;

/**
 * Everything the demo runs on, started in order and stopped in reverse, once, whether the demo
 * ends, fails or is stopped with Ctrl-C (a shutdown hook): the Kafka broker (embedded unless {@code
 * --bootstrap-servers}) with the topics, the capacity-limited processing service over real HTTP,
 * the local Flink cluster, and the jobs submitted to it (cancelled if still running).
 */
final class DemoStack implements AutoCloseable {
    /** Latency of one speech-to-text call; the capacity option sets how many run at a time. */
    static final Duration VOICE_LATENCY = Duration.ofMillis(200);

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<JobClient> jobs = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private String bootstrap;
    private CapacityLimitedService service;
    private LocalFlinkCluster flink;

    static DemoStack start(DemoOptions o, FloodgateOptions topics) throws Exception {
        DemoStack stack = new DemoStack();
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    if (!stack.closed.get()) {
                                        System.out.println(
                                                "stopping: the jobs, the Flink cluster, the processing services, Kafka");
                                        stack.close();
                                        System.out.println("stopped");
                                    }
                                },
                                "demo-shutdown"));
        try {
            if (o.bootstrapServers == null) {
                EmbeddedKafka kafka = quietly(EmbeddedKafka::start);
                stack.started.add(kafka);
                stack.bootstrap = kafka.bootstrapServers();
            } else {
                stack.bootstrap = o.bootstrapServers;
            }
            Topics.create(
                    stack.bootstrap,
                    4,
                    Duration.ofDays(1),
                    topics.get(FloodgateOptions.INPUT_TOPIC),
                    topics.get(FloodgateOptions.PROCESSED_TOPIC),
                    topics.get(FloodgateOptions.SHED_TOPIC),
                    topics.get(FloodgateOptions.DLQ_TOPIC));
            Topics.createCompacted(
                    stack.bootstrap, topics.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC));
            stack.service = stack.service(o.voiceCapacity);
            stack.flink =
                    LocalFlinkCluster.start(
                            o.restPort,
                            o.prometheusPort,
                            Math.max(2, o.parallelism * 2),
                            new Configuration());
            stack.started.add(stack.flink);
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    private interface Start<T> {
        T call() throws Exception;
    }

    /** The broker's storage format prints to standard output: not part of the demo's story. */
    private static <T> T quietly(Start<T> start) throws Exception {
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return start.call();
        } finally {
            System.setOut(out);
        }
    }

    /**
     * A processing service: speech-to-text at {@code voiceCallsPerSecond}, image embedding at
     * twenty times that, chat (cheap) at thousands a second (64 at a time: on a loaded machine a 2
     * ms sleep lasts longer). Image and chat stay short because the live job's async processing is
     * ordered: a slow request at the head of its in-flight queue holds back the answers behind it.
     * Stopped with the stack.
     */
    CapacityLimitedService service(double voiceCallsPerSecond) throws Exception {
        // serves by RFC 9218 priority: the live job sends none (normal urgency, FIFO among its
        // calls); the drain's low-urgency calls get a worker only when no live call waits
        ServiceOptions options = ServiceOptions.defaults().honourPriority();
        Map<Channel, Integer> slots = slots(voiceCallsPerSecond);
        for (Channel c : Channel.values()) {
            options = options.channel(c, slots.get(c), LATENCY.get(c));
        }
        CapacityLimitedService s = new CapacityLimitedService(options).start();
        started.add(s);
        return s;
    }

    /** Latency of one call per channel: speech-to-text, image embedding, chat indexing. */
    static final Map<Channel, Duration> LATENCY =
            Map.of(
                    Channel.VOICE, VOICE_LATENCY,
                    Channel.IMAGE, VOICE_LATENCY.dividedBy(10),
                    Channel.CHAT, Duration.ofMillis(2));

    /**
     * Calls each channel's service runs at once, for {@code voiceCallsPerSecond} of speech-to-text.
     */
    static Map<Channel, Integer> slots(double voiceCallsPerSecond) {
        int voice =
                (int)
                        Math.max(
                                1,
                                Math.round(
                                        voiceCallsPerSecond * VOICE_LATENCY.toMillis() / 1000.0));
        return Map.of(Channel.VOICE, voice, Channel.IMAGE, 2 * voice, Channel.CHAT, 64);
    }

    /** Calls per second each channel's service completes at most. */
    static Map<Channel, Double> capacity(double voiceCallsPerSecond) {
        Map<Channel, Double> m = new EnumMap<>(Channel.class);
        slots(voiceCallsPerSecond)
                .forEach((c, n) -> m.put(c, n * 1000.0 / LATENCY.get(c).toMillis()));
        return m;
    }

    /** Remembers a submitted job, to cancel it on the way out if it still runs. */
    JobClient track(JobClient job) {
        jobs.add(job);
        return job;
    }

    String bootstrapServers() {
        return bootstrap;
    }

    CapacityLimitedService service() {
        return service;
    }

    LocalFlinkCluster flink() {
        return flink;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (JobClient job : jobs) {
            try {
                if (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                // the cluster may be gone already; it stops below in any case
            }
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(DemoStack.class)
                        .warn("could not stop {}: {}", started.get(i), e);
            }
        }
    }

    static boolean finished(JobClient job) throws Exception {
        return job.getJobStatus().get(30, TimeUnit.SECONDS) == JobStatus.FINISHED;
    }
}
