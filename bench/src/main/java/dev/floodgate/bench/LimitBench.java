package dev.floodgate.bench;

import dev.floodgate.model.Channel;
import dev.floodgate.operators.process.ConcurrencyLimit;
import dev.floodgate.operators.process.LimitPolicy;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How fast the lanes' adaptive in-flight limit ({@link LimitPolicy#adaptive()}) finds a real
 * service's concurrency: {@code subtasks} drivers, each one lane's limit on its own thread (as the
 * task thread owns it), keep as many calls in flight as their limit allows against the testkit's
 * {@link CapacityLimitedService} over real HTTP on 127.0.0.1 (voice: {@code slots} workers x {@code
 * latency} behind a FIFO queue), with an endless backlog, the ceiling 64 (the job's default voice
 * ceiling). Prints the sum of the limits every second, when it first came within [slots, 1.5 x
 * slots] to stay there, and the calls per second against the service's capacity. Then the same
 * against a service that answers at once: how long the limit takes to reach its ceiling.
 *
 * <p>Run: {@code java -cp <bench classpath> dev.floodgate.bench.LimitBench [slots] [latencyMs]
 * [subtasks] [seconds]} (defaults 8 200 2 30).
 */
public final class LimitBench {
    private static final int CEILING = 64;

    private LimitBench() {}

    public static void main(String[] args) throws Exception {
        int slots = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        long latency = args.length > 1 ? Long.parseLong(args[1]) : 200;
        int subtasks = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        PrintStream out = System.out;
        out.printf(
                "LimitBench: %d subtasks, a service of %d slots x %d ms (%.0f calls/s), ceiling %d%n",
                subtasks, slots, latency, slots * 1000.0 / latency, CEILING);
        run(out, slots, Duration.ofMillis(latency), subtasks, seconds, false);
        out.printf("the same against a service that answers at once (1000 slots x 0 ms)%n");
        run(out, 1000, Duration.ZERO, subtasks, 5, true);
        System.exit(0);
    }

    private static void run(
            PrintStream out,
            int slots,
            Duration latency,
            int subtasks,
            int seconds,
            boolean toCeiling)
            throws Exception {
        try (CapacityLimitedService service =
                new CapacityLimitedService(
                                ServiceOptions.defaults().channel(Channel.VOICE, slots, latency))
                        .start()) {
            HttpClient http =
                    HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
            List<Driver> drivers = new ArrayList<>();
            for (int i = 0; i < subtasks; i++) {
                drivers.add(new Driver(http, service.endpoint(Channel.VOICE)));
            }
            long t0 = System.nanoTime();
            drivers.forEach(Driver::start);
            long stableFrom = -1;
            long reachedCeiling = -1;
            long answers0 = 0;
            double sumOfMeans = 0;
            int meanSamples = 0;
            for (int tenth = 1; tenth <= seconds * 10; tenth++) {
                Thread.sleep(
                        Math.max(0, t0 / 1_000_000 + tenth * 100L - System.nanoTime() / 1_000_000));
                int sum = 0;
                for (Driver d : drivers) {
                    sum += d.limitNow;
                }
                double at = (System.nanoTime() - t0) / 1e9;
                boolean near = sum >= slots && sum <= slots * 1.5;
                if (!near) {
                    stableFrom = -1;
                } else if (stableFrom < 0) {
                    stableFrom = tenth;
                }
                if (toCeiling && reachedCeiling < 0 && sum >= subtasks * CEILING) {
                    reachedCeiling = tenth;
                }
                if (tenth > seconds * 5) {
                    sumOfMeans += sum;
                    meanSamples++;
                }
                if (tenth % 10 == 0) {
                    long answers = drivers.stream().mapToLong(d -> d.answers.get()).sum();
                    StringBuilder limits = new StringBuilder();
                    drivers.forEach(d -> limits.append(' ').append(d.limitNow));
                    out.printf(
                            "  %5.1f s: limits%s (sum %d), %d calls/s%n",
                            at, limits, sum, answers - answers0);
                    answers0 = answers;
                }
            }
            drivers.forEach(Driver::stop);
            long answers = drivers.stream().mapToLong(d -> d.answers.get()).sum();
            if (toCeiling) {
                out.printf(
                        "  reached the ceiling (%d per subtask) at %s; %.0f calls/s over %d s%n",
                        CEILING,
                        reachedCeiling < 0 ? "never" : (reachedCeiling / 10.0) + " s",
                        answers / (double) seconds,
                        seconds);
            } else {
                out.printf(
                        "  found its concurrency (sum of limits within [%d, %.0f] from then on) at %s;"
                                + " mean sum over the second half %.1f; %.1f calls/s of %.1f%n",
                        slots,
                        slots * 1.5,
                        stableFrom < 0 ? "never" : (stableFrom / 10.0) + " s",
                        sumOfMeans / meanSamples,
                        answers / (double) seconds,
                        slots * 1000.0 / latency.toMillis());
            }
        }
    }

    /** One lane's limit and calls, on one thread. */
    private static final class Driver {
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final ConcurrencyLimit limit = LimitPolicy.adaptive().create(CEILING);
        private final HttpClient http;
        private final URI endpoint;
        private final AtomicLong answers = new AtomicLong();
        private volatile int limitNow;
        private volatile boolean stopped;
        private int inFlight;

        Driver(HttpClient http, URI endpoint) {
            this.http = http;
            this.endpoint = endpoint;
        }

        void start() {
            thread.execute(this::fill);
        }

        void stop() {
            stopped = true;
            thread.shutdown();
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private long now() {
            return System.nanoTime() / 1_000_000;
        }

        private void fill() {
            limitNow = limit.limit(now());
            while (!stopped && inFlight < limitNow) {
                inFlight++;
                long started = now();
                HttpRequest request =
                        HttpRequest.newBuilder(endpoint)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"event_id\":\"e\"}"))
                                .build();
                http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                        .whenComplete(
                                (r, e) ->
                                        thread.execute(
                                                () -> {
                                                    inFlight--;
                                                    long t = now();
                                                    if (e == null && r.statusCode() == 200) {
                                                        answers.incrementAndGet();
                                                        limit.answered(t - started, inFlight, t);
                                                    } else {
                                                        limit.failed(t);
                                                    }
                                                    fill();
                                                }));
            }
        }
    }
}
