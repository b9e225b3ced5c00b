package dev.floodgate.job.demo;

import dev.floodgate.job.FloodgateJob;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.JobKind;
import dev.floodgate.job.kafka.EmbeddedKafka;
import dev.floodgate.job.kafka.FloodGenerator;
import dev.floodgate.job.kafka.FloodGenerator.Phase;
import dev.floodgate.job.kafka.FloodGenerator.Profile;
import dev.floodgate.job.kafka.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a Kafka broker and a Flink cluster (web UI on http://localhost:8081) in this process, the
 * live job, and a generated stream of interactions with a few poison records; then a summary of what went where.
 * Everything it starts, it stops.
 */
public final class FloodDemo {
    private static final Logger OUT = LoggerFactory.getLogger("floodgate.demo");

    private FloodDemo() {}

    public static void main(String[] args) throws Exception {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            OUT.error("{}\n\n{}", e.getMessage(), DemoOptions.usage());
            System.exit(2);
            return;
        }
        if (options.help) {
            OUT.info(DemoOptions.usage());
            return;
        }
        try {
            run(options);
        } catch (IllegalArgumentException e) {
            OUT.error("{}", e.getMessage());
            System.exit(2);
        }
    }

    static DemoSummary run(DemoOptions o) throws Exception {
        clearArchive(o.output.resolve("archive")); // the summary counts this run's archive, not an earlier one's
        EmbeddedKafka kafka = o.bootstrapServers == null ? EmbeddedKafka.start() : null;
        String bootstrap = kafka != null ? kafka.bootstrapServers() : o.bootstrapServers;
        FloodgateOptions job = FloodgateOptions.fromArgs(new String[] {"--bootstrap-servers", bootstrap,
            "--checkpoint-interval", "2s", "--starting-offsets", "earliest", "--transaction-timeout", "5min",
            "--archive-path", o.output.resolve("archive").toUri().toString()}, JobKind.LIVE);
        Topics.create(bootstrap, 4, Duration.ofDays(1), job.get(FloodgateOptions.INPUT_TOPIC),
                job.get(FloodgateOptions.PROCESSED_TOPIC), job.get(FloodgateOptions.SHED_TOPIC),
                job.get(FloodgateOptions.DLQ_TOPIC));
        try (LocalFlinkCluster flink = LocalFlinkCluster.start(o.restPort, 4, new Configuration())) {
            OUT.info("Kafka at {}; Flink web UI at {}", bootstrap, flink.webUrl());
            Configuration jobConf = new Configuration();
            jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
            StreamExecutionEnvironment env = flink.environment(jobConf);
            JobClient live = FloodgateJob.submit(env, job);
            OUT.info("live job {} submitted", live.getJobID());

            Sent sent = generate(bootstrap, job.get(FloodgateOptions.INPUT_TOPIC), o);
            OUT.info("generated {} distinct valid events for {} customers (plus redeliveries) and {} poison records",
                    sent.valid, o.customers, sent.poison);
            DemoSummary summary = Progress.awaitDrained(bootstrap, job, sent.valid, sent.poison,
                    Duration.ofMinutes(5));
            OUT.info(summary.render());
            if (o.keepRunning) {
                OUT.info("--keep-running: the cluster stays up at {}; Ctrl-C stops everything", flink.webUrl());
                Thread.currentThread().join();
            }
            live.cancel().get();
            return summary;
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    private record Sent(int valid, int poison) {}

    /** The seed's daily mix, with redeliveries, swapped neighbours, a hot customer and poison records. */
    private static Sent generate(String bootstrap, String topic, DemoOptions o) {
        FloodGenerator generator = new FloodGenerator(bootstrap, topic, Profile.monday(o.customers), o.seed);
        double rate = 5000;
        generator.run(List.of(new Phase("demo", rate, Duration.ofMillis((long) (o.events * 1000 / rate)))), p -> {});
        return new Sent(generator.sentValid().size(),
                generator.sentPoison().values().stream().mapToInt(Integer::intValue).sum());
    }

    private static void clearArchive(Path archive) throws IOException {
        if (Files.exists(archive)) {
            try (Stream<Path> files = Files.walk(archive)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /** Options of the embedded default. */
    static final class DemoOptions {
        int events = 5000;
        int customers = 200;
        int restPort = 8081;
        long seed = 7;
        boolean keepRunning;
        boolean help;
        String bootstrapServers;
        Path output = Path.of("target/demo-report");

        static DemoOptions parse(String[] args) {
            DemoOptions o = new DemoOptions();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String key = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
                String value = a.contains("=") ? a.substring(a.indexOf('=') + 1)
                        : (i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "");
                try {
                    switch (key) {
                        case "--events": o.events = positive(value); break;
                        case "--customers": o.customers = positive(value); break;
                        case "--rest-port": o.restPort = positive(value); break;
                        case "--seed": o.seed = Long.parseLong(value); break;
                        case "--output": o.output = Path.of(value); break;
                        case "--bootstrap-servers": o.bootstrapServers = value; break;
                        case "--keep-running": o.keepRunning = true; break;
                        case "--help": o.help = true; break;
                        default: throw new IllegalArgumentException("unknown option " + key);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("option " + key + " has a bad value '" + value
                            + "': expected a positive integer");
                }
            }
            return o;
        }

        private static int positive(String v) {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        }

        static String usage() {
            return "Usage: FloodDemo [--events N (5000)] [--customers N (200)] [--rest-port P (8081)] [--seed S]\n"
                    + "                 [--output DIR (target/demo-report)] [--bootstrap-servers host:port]\n"
                    + "                 [--keep-running]";
        }
    }
}
