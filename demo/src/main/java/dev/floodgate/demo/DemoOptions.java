package dev.floodgate.demo;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.util.TimeUtils;

/**
 * Options of the Monday flood demo ({@code --key value} or {@code --key=value}). A bad option stops
 * the demo with a message naming it and the form it expects. Rates are events per second of the
 * whole stream; the processing capacity is that of the bottleneck, speech-to-text, in voice calls
 * per second.
 */
final class DemoOptions {
    Duration calm = Duration.ofSeconds(30);
    Duration flood = Duration.ofSeconds(120);
    Duration calmAfter = Duration.ofSeconds(30);
    double voiceCapacity = 10;
    double floodFactor = 3;
    double calmFactor = 0.5;
    double backfillCapacity = 100;
    String shedVoice = "5s/2s";
    String shedImage = "10s/4s";
    boolean shedding = true;
    String orderScope = "channel";

    /** How long the voice service is down, from a third into the flood; zero: no outage. */
    Duration voiceOutage = Duration.ZERO;

    int customers = 2000;
    int parallelism = 2;
    int restPort = 8081;
    int prometheusPort = 9249;
    long seed = 7;
    Path output = Path.of("target/demo-report");
    String bootstrapServers;
    boolean generateOnly;
    boolean keepRunning;
    boolean help;

    static DemoOptions parse(String[] given) {
        // Maven passes -Ddemo.args="--flood 60s --keep-running" as one argument: split it
        String[] args =
                java.util.Arrays.stream(given)
                        .flatMap(a -> java.util.Arrays.stream(a.trim().split("\\s+")))
                        .filter(a -> !a.isEmpty())
                        .toArray(String[]::new);
        DemoOptions o = new DemoOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String key = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            String value =
                    a.contains("=")
                            ? a.substring(a.indexOf('=') + 1)
                            : (i + 1 < args.length && !args[i + 1].startsWith("--")
                                    ? args[++i]
                                    : "");
            try {
                switch (key) {
                    case "--calm" -> o.calm = duration(value);
                    case "--flood" -> o.flood = duration(value);
                    case "--calm-after" -> o.calmAfter = duration(value);
                    case "--capacity" -> o.voiceCapacity = positive(value);
                    case "--flood-factor" -> o.floodFactor = positive(value);
                    case "--calm-factor" -> o.calmFactor = positive(value);
                    case "--backfill-capacity" -> o.backfillCapacity = positive(value);
                    case "--shed-voice" -> o.shedVoice = value;
                    case "--shed-image" -> o.shedImage = value;
                    case "--shedding" -> o.shedding = bool(value);
                    case "--voice-outage" -> o.voiceOutage = duration(value);
                    case "--order-scope" -> o.orderScope = nonEmpty(value);
                    case "--customers" -> o.customers = (int) whole(value);
                    case "--parallelism" -> o.parallelism = (int) whole(value);
                    case "--rest-port" -> o.restPort = port(value);
                    case "--prometheus-port" -> o.prometheusPort = port(value);
                    case "--seed" -> o.seed = Long.parseLong(value);
                    case "--output" -> o.output = Path.of(nonEmpty(value));
                    case "--bootstrap-servers" -> o.bootstrapServers = nonEmpty(value);
                    case "--generate-only" -> o.generateOnly = value.isEmpty() || bool(value);
                    case "--keep-running" -> o.keepRunning = value.isEmpty() || bool(value);
                    case "--help", "-h" -> o.help = true;
                    default -> throw new IllegalArgumentException("unknown option " + key);
                }
            } catch (RuntimeException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("unknown option")) {
                    throw e;
                }
                throw new IllegalArgumentException(
                        "option "
                                + key
                                + " has a bad value '"
                                + value
                                + "': "
                                + (e instanceof NumberFormatException
                                        ? "expected a number"
                                        : e.getMessage()));
            }
        }
        if (o.generateOnly && o.bootstrapServers == null) {
            throw new IllegalArgumentException(
                    "option --generate-only needs --bootstrap-servers: it writes the "
                            + "story to an external broker and starts nothing else");
        }
        return o;
    }

    /**
     * Events per second of the whole stream that the processing keeps up with: voice is the
     * bottleneck.
     */
    double capacityEventsPerSecond(double voiceShare) {
        return voiceCapacity / voiceShare;
    }

    private static Duration duration(String v) {
        Duration d;
        try {
            d = TimeUtils.parseDuration(nonEmpty(v));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("expected a duration such as 20s or 2min");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(
                    "expected a duration above zero such as 20s or 2min");
        }
        return d;
    }

    private static double positive(String v) {
        double d = Double.parseDouble(nonEmpty(v));
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("expected a number above zero");
        }
        return d;
    }

    private static long whole(String v) {
        long n = Long.parseLong(nonEmpty(v));
        if (n < 1) {
            throw new IllegalArgumentException("expected an integer of at least 1");
        }
        return n;
    }

    private static int port(String v) {
        long n = Long.parseLong(nonEmpty(v));
        if (n < 1 || n > 65535) {
            throw new IllegalArgumentException("expected a port between 1 and 65535");
        }
        return (int) n;
    }

    private static boolean bool(String v) {
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static String nonEmpty(String v) {
        if (v.isBlank()) {
            throw new IllegalArgumentException("expected a value");
        }
        return v;
    }

    static String usage() {
        return String.join(
                "\n",
                "Usage: FloodDemo [options]   (through Maven: -Ddemo.args=\"--flood 60s --keep-running\")",
                "The story (one demo second stands for one minute of the Monday):",
                "  --calm 30s              calm before the flood, at --calm-factor x capacity",
                "  --flood 120s            the flood, at --flood-factor x capacity",
                "  --calm-after 30s        calm after the flood",
                "  --capacity 10           speech-to-text capacity, voice calls/s (the bottleneck; with 12% voice,",
                "                          10 calls/s is about 83 events/s of the whole stream)",
                "  --flood-factor 3        --calm-factor 0.5",
                "  --backfill-capacity 100 voice calls/s for the drain after the flood (the pool scaled out)",
                "  --shed-voice 5s/2s      --shed-image 10s/4s   shedding SLO/target wait (time-scaled)",
                "  --shedding true|false   false: everything waits its turn (compare the high age)",
                "  --voice-outage 30s      the voice service answers 503 for this long, a third into the flood",
                "  --order-scope channel   customer: a customer's chat waits for its earlier call (strict order)",
                "  --customers 2000        --seed 7   --parallelism 2",
                "Where:",
                "  --rest-port 8081        Flink web UI and REST on 127.0.0.1",
                "  --prometheus-port 9249  Prometheus metrics endpoint",
                "  --output target/demo-report   report folder: demo-chart.png, report.md, samples.csv",
                "  --bootstrap-servers host:port  use an external Kafka broker instead of the embedded one",
                "  --generate-only         with --bootstrap-servers: only write the story's stream (a load tool)",
                "  --keep-running          after the report, restart the live job from its savepoint and keep",
                "                          everything up until Ctrl-C");
    }
}
