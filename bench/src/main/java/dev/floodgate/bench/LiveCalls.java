package dev.floodgate.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongToDoubleFunction;

/**
 * The live lane's calls at the shared service, as the live job's voice lane makes them: Poisson
 * arrivals at {@code rate(elapsed ms)} calls/s, at most {@code maxInFlight} at once (what exceeds
 * it the live job would shed), each latency recorded with the second it was answered in and its
 * priority ({@link #HIGH_SHARE} {@code high}, the rest {@code normal}). A thread of its own; {@link
 * #stop} ends it.
 */
final class LiveCalls implements AutoCloseable {
    /** The share of {@code high} live calls (voice: escalations), the rest {@code normal}. */
    static final double HIGH_SHARE = 0.2;

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI uri;
    private final int maxInFlight;
    private final LongToDoubleFunction rate;
    private final AtomicInteger inFlight = new AtomicInteger();
    // {answered at ms, latency ms, 1 if high}
    private final List<long[]> answered = new ArrayList<>();
    private final Thread thread;
    private final long t0;
    private volatile boolean stop;
    int turnedAway;

    LiveCalls(URI voice, int maxInFlight, LongToDoubleFunction rate, long t0) {
        this.uri = voice;
        this.maxInFlight = maxInFlight;
        this.rate = rate;
        this.t0 = t0;
        this.thread = new Thread(this::loop, "live-calls");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        Random random = new Random(11);
        Random priorities = new Random(13);
        long n = 0;
        while (!stop) {
            double r = rate.applyAsDouble(System.currentTimeMillis() - t0);
            try {
                Thread.sleep(
                        Math.max(1, Math.round(-Math.log(1 - random.nextDouble()) * 1000 / r)));
            } catch (InterruptedException e) {
                return;
            }
            if (inFlight.get() >= maxInFlight) {
                turnedAway++;
                continue;
            }
            inFlight.incrementAndGet();
            long started = System.currentTimeMillis();
            long high = priorities.nextDouble() < HIGH_SHARE ? 1 : 0;
            String body =
                    "{\"event_id\":\"live-"
                            + n++
                            + "\",\"priority\":\""
                            + (high == 1 ? "high" : "normal")
                            + "\"}";
            http.sendAsync(
                            HttpRequest.newBuilder(uri)
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .whenComplete(
                            (resp, error) -> {
                                long now = System.currentTimeMillis();
                                inFlight.decrementAndGet();
                                synchronized (answered) {
                                    answered.add(new long[] {now - t0, now - started, high});
                                }
                            });
        }
    }

    /** Live calls answered in each second since {@code t0}, up to {@code seconds}. */
    int[] perSecond(int seconds) {
        int[] out = new int[seconds];
        synchronized (answered) {
            for (long[] a : answered) {
                int s = (int) (a[0] / 1000);
                if (s < seconds) {
                    out[s]++;
                }
            }
        }
        return out;
    }

    /** The {@code q} quantile (0..1) of the latencies answered in seconds [from, to). */
    double latency(double q, int from, int to) {
        return latency(q, from, to, null);
    }

    /**
     * The same for the live calls of one priority ({@code high} true: {@code high}; false: {@code
     * normal}; null: both). The service does not know them apart (the live job sends no priority
     * header): both wait in its normal class.
     */
    double latency(double q, int from, int to, Boolean high) {
        List<Long> l = new ArrayList<>();
        synchronized (answered) {
            for (long[] a : answered) {
                if (high != null && (a[2] == 1) != high) {
                    continue;
                }
                if (a[0] >= from * 1000L && a[0] < to * 1000L) {
                    l.add(a[1]);
                }
            }
        }
        if (l.isEmpty()) {
            return Double.NaN;
        }
        l.sort(null);
        return l.get(Math.min(l.size() - 1, (int) Math.ceil(q * l.size()) - 1));
    }

    void stop() throws InterruptedException {
        stop = true;
        thread.join();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
