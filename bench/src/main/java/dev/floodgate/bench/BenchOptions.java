package dev.floodgate.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.util.TimeUtils;

/**
 * Options of {@link Benchmarks}: which sections to run and their sizes. Defaults are the full
 * benchmark of docs/benchmarks.md; {@code --smoke} gives sizes that run every section in seconds
 * (CI). A bad option stops the program with a message naming it.
 */
public final class BenchOptions {
    public static final List<String> SECTIONS =
            List.of("throughput", "flood", "recovery", "state", "backfill", "reconcile");

    Set<String> sections = new LinkedHashSet<>(SECTIONS);
    int events = 2_000_000;
    int customers = 10_000;
    int eventBytes = 300;
    int parallelism = 2;
    Duration checkpointInterval = Duration.ofSeconds(10);
    int rawPipeThreads = 1;
    int warmUpPasses = 6;

    /**
     * Measured rounds of the throughput section, each the raw pipe then the job: medians are
     * reported.
     */
    int repeats = 3;

    boolean profile = true;
    Duration floodTime = Duration.ofSeconds(30);
    List<String> floodRuns =
            List.of("shedding-on-unaligned", "shedding-off-unaligned", "shedding-off-aligned");
    double recoveryRate = 5_000;
    Duration recoveryTime = Duration.ofSeconds(60);
    List<Integer> stateCustomers = List.of(100_000, 1_000_000);
    List<String> stateBackends = List.of("hashmap", "rocksdb");
    Duration timeout = Duration.ofMinutes(10);

    /** The reconcile section's JVM heap ({@code -Xmx}). */
    String reconcileHeap = "256m";

    /** Tiny sizes: every section in seconds, for the smoke test. */
    public static BenchOptions smoke() {
        return parse("--smoke");
    }

    public static BenchOptions parse(String... raw) {
        BenchOptions o = new BenchOptions();
        List<String> args = new ArrayList<>();
        for (String a : raw) { // exec passes -Dbench.args as one argument: split it
            for (String part : a.trim().split("\\s+")) {
                if (!part.isEmpty()) {
                    args.add(part);
                }
            }
        }
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String key = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            String value =
                    a.contains("=")
                            ? a.substring(a.indexOf('=') + 1)
                            : i + 1 < args.size() && !args.get(i + 1).startsWith("--")
                                    ? args.get(++i)
                                    : "";
            try {
                o.set(key, value);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "option "
                                + key
                                + " has a bad value '"
                                + value
                                + "': "
                                + e.getMessage()
                                + "\n"
                                + usage(),
                        e);
            }
        }
        return o;
    }

    private void set(String key, String v) {
        switch (key) {
            case "--smoke" -> {
                events = 10_000;
                customers = 500;
                checkpointInterval = Duration.ofSeconds(1);
                profile = false;
                warmUpPasses = 1;
                repeats = 1;
                floodTime = Duration.ofSeconds(4);
                floodRuns = List.of("shedding-on-unaligned", "shedding-off-aligned");
                recoveryRate = 1_000;
                recoveryTime = Duration.ofSeconds(5);
                stateCustomers = List.of(1_000);
                timeout = Duration.ofMinutes(2);
            }
            case "--sections" -> {
                sections = new LinkedHashSet<>();
                for (String s : v.split(",")) {
                    if (s.equals("all")) {
                        sections.addAll(SECTIONS);
                    } else if (SECTIONS.contains(s)) {
                        sections.add(s);
                    } else {
                        throw new IllegalArgumentException(
                                "unknown section " + s + ", expected all or " + SECTIONS);
                    }
                }
            }
            case "--events" -> events = positive(v);
            case "--customers" -> customers = positive(v);
            case "--event-bytes" -> eventBytes = positive(v);
            case "--parallelism" -> parallelism = positive(v);
            case "--checkpoint-interval" -> checkpointInterval = TimeUtils.parseDuration(v);
            case "--raw-pipe-threads" -> rawPipeThreads = positive(v);
            case "--warm-up-passes" -> warmUpPasses = positive(v);
            case "--repeats" -> repeats = positive(v);
            case "--profile" -> profile = Boolean.parseBoolean(v);
            case "--flood-time" -> floodTime = TimeUtils.parseDuration(v);
            case "--flood-runs" -> {
                for (String run : v.split(",")) {
                    if (!run.matches("shedding-(on|off)-(unaligned|aligned)")) {
                        throw new IllegalArgumentException(
                                "expected shedding-on|off-unaligned|aligned, was " + run);
                    }
                }
                floodRuns = List.of(v.split(","));
            }
            case "--recovery-rate" -> recoveryRate = positive(v);
            case "--recovery-time" -> recoveryTime = TimeUtils.parseDuration(v);
            case "--reconcile-heap" -> {
                if (!v.matches("[1-9][0-9]*[mMgG]")) {
                    throw new IllegalArgumentException("expected a heap size such as 256m");
                }
                reconcileHeap = v;
            }
            case "--state-customers" -> {
                List<Integer> sizes = new ArrayList<>();
                for (String s : v.split(",")) {
                    sizes.add(positive(s));
                }
                stateCustomers = sizes;
            }
            case "--state-backends" -> {
                for (String b : v.split(",")) {
                    if (!b.equals("hashmap") && !b.equals("rocksdb")) {
                        throw new IllegalArgumentException(
                                "expected hashmap and/or rocksdb, was " + b);
                    }
                }
                stateBackends = List.of(v.split(","));
            }
            case "--timeout" -> timeout = TimeUtils.parseDuration(v);
            default -> throw new IllegalArgumentException("unknown option");
        }
    }

    private static int positive(String v) {
        int n = Integer.parseInt(v.replace("_", ""));
        if (n < 1) {
            throw new IllegalArgumentException("expected a positive integer");
        }
        return n;
    }

    public static String usage() {
        return "Usage: Benchmarks [--smoke] [--sections all|"
                + String.join(",", SECTIONS)
                + "]\n"
                + "  [--events 2000000] [--customers 10000] [--event-bytes 300] [--parallelism 2]\n"
                + "  [--checkpoint-interval 10s] [--raw-pipe-threads 1] [--warm-up-passes 6]\n"
                + "  [--repeats 3]\n"
                + "  [--profile true]\n"
                + "  [--flood-time 30s] [--flood-runs shedding-on-unaligned,shedding-off-unaligned,shedding-off-aligned]\n"
                + "  [--recovery-rate 5000] [--recovery-time 60s]\n"
                + "  [--state-customers 100000,1000000] [--state-backends hashmap,rocksdb] [--timeout 10min]\n"
                + "  [--reconcile-heap 256m]";
    }
}
