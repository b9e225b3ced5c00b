package dev.floodgate.demo;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.testkit.events.FloodGenerator;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The story's generator on its own thread; and, with {@code --generate-only --bootstrap-servers}, a
 * load tool: it writes the story (calm, flood, calm; the seed's mix, poison, redeliveries,
 * out-of-order) to an external broker's interaction log and shows the same live view, reading the
 * lag of the live job's group and the output topics of whatever Floodgate job runs there. It starts
 * nothing else and creates missing topics.
 */
final class LoadTool {
    private static final Logger OUT = LoggerFactory.getLogger("floodgate.demo");
    private static final AtomicReference<Throwable> FAILURE = new AtomicReference<>();

    private LoadTool() {}

    static Thread start(FloodGenerator generator, Story story) {
        return start(generator, story.phases(), p -> {});
    }

    /**
     * Writes {@code phases} on a thread of its own; {@code onPhase} runs on that thread as each
     * phase starts, before its first event (so it sees every event of the phases before).
     */
    static Thread start(
            FloodGenerator generator,
            java.util.List<FloodGenerator.Phase> phases,
            java.util.function.Consumer<FloodGenerator.Phase> onPhase) {
        FAILURE.set(null);
        Thread t =
                new Thread(
                        () ->
                                generator.run(
                                        phases,
                                        p -> {
                                            onPhase.accept(p);
                                            OUT.info(
                                                    "phase {}: {} events/s{}",
                                                    p.name(),
                                                    String.format("%.0f", p.eventsPerSecond()),
                                                    p.name().equals(FloodDemo.AFTERNOON)
                                                            ? " until the drain is done"
                                                            : " for " + p.duration());
                                        }),
                        "story-generator");
        t.setUncaughtExceptionHandler((thread, e) -> FAILURE.set(e));
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Fails if the generator failed (a record not written is never silent). */
    static void rethrow(Thread generator) {
        Throwable e = FAILURE.get();
        if (e != null) {
            throw new IllegalStateException("the generator failed: " + e.getMessage(), e);
        }
    }

    static void run(DemoOptions o) throws Exception {
        FloodgateOptions topics = FloodDemo.jobOptions(o, o.bootstrapServers, "none");
        dev.floodgate.testkit.kafka.Topics.create(
                o.bootstrapServers,
                4,
                java.time.Duration.ofDays(1),
                topics.get(FloodgateOptions.INPUT_TOPIC),
                topics.get(FloodgateOptions.PROCESSED_TOPIC),
                topics.get(FloodgateOptions.SHED_TOPIC),
                topics.get(FloodgateOptions.DLQ_TOPIC));
        Story story = new Story(o);
        FloodGenerator generator =
                new FloodGenerator(
                        o.bootstrapServers,
                        topics.get(FloodgateOptions.INPUT_TOPIC),
                        story.profile(),
                        o.seed);
        try (LogLag log =
                        new LogLag(
                                o.bootstrapServers,
                                topics.get(FloodgateOptions.INPUT_TOPIC),
                                topics.get(FloodgateOptions.GROUP_ID));
                OutputTail outputs =
                        new OutputTail(
                                o.bootstrapServers,
                                topics.get(FloodgateOptions.PROCESSED_TOPIC),
                                topics.get(FloodgateOptions.SHED_TOPIC),
                                topics.get(FloodgateOptions.DLQ_TOPIC),
                                new FreshnessStats())) {
            Progress progress = new Progress(story, log, outputs, System.nanoTime());
            Thread writer = start(generator, story);
            while (writer.isAlive()) {
                progress.next();
            }
            rethrow(writer);
        }
        OUT.info(
                "wrote {} records to {} on {}: {} distinct valid events, {} poison, the rest redeliveries",
                generator.recordsSent(),
                topics.get(FloodgateOptions.INPUT_TOPIC),
                o.bootstrapServers,
                generator.sentValid().size(),
                generator.sentPoison().values().stream().mapToInt(i -> i).sum());
    }
}
