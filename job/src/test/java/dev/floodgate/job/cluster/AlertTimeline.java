package dev.floodgate.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floodgate.testkit.prometheus.PrometheusServer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Prometheus's own {@code /api/v1/alerts} said over a test, read every second by a daemon
 * thread: per alert name (any of its label sets) when it was first seen pending, first seen firing,
 * last seen active, every change of its state, and its state in the latest read ("inactive" when
 * absent, as the API lists only active alerts). Times are epoch milliseconds of the read.
 * Thread-safe.
 */
final class AlertTimeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertTimeline.class);

    /** One alert's history. */
    static final class Entry {
        volatile long firstPending = -1;
        volatile long firstFiring = -1;
        volatile long lastActive = -1;
        volatile String state = "inactive";
        volatile String example = "";

        /** Every change of state seen: read time and the new state. */
        final List<Map.Entry<Long, String>> changes = new CopyOnWriteArrayList<>();

        /**
         * The first read at or after {@code fromMs} that saw the alert change to {@code to}; -1.
         */
        long firstChange(String to, long fromMs) {
            for (Map.Entry<Long, String> c : changes) {
                if (c.getKey() >= fromMs && c.getValue().equals(to)) {
                    return c.getKey();
                }
            }
            return -1;
        }

        @Override
        public String toString() {
            return state
                    + " (first pending "
                    + firstPending
                    + ", first firing "
                    + firstFiring
                    + ", last active "
                    + lastActive
                    + ") "
                    + example;
        }
    }

    private final PrometheusServer prometheus;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError = "";

    AlertTimeline(PrometheusServer prometheus) {
        this.prometheus = prometheus;
        this.thread = new Thread(this::loop, "alert-timeline");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                read();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                lastError = e.toString();
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void read() throws Exception {
        JsonNode alerts = prometheus.alerts();
        long now = System.currentTimeMillis();
        Map<String, String> states = new TreeMap<>();
        for (JsonNode a : alerts) {
            String name = a.path("labels").path("alertname").asText();
            String state = a.path("state").asText();
            Entry e = entries.computeIfAbsent(name, n -> new Entry());
            e.lastActive = now;
            if (e.firstPending < 0) {
                e.firstPending = now;
                LOG.info("alert {} {}: {}", name, state, a);
            }
            if (state.equals("firing") && e.firstFiring < 0) {
                e.firstFiring = now;
                e.example = a.path("labels").toString() + " value " + a.path("value").asText();
                LOG.info("alert {} firing: {}", name, a);
            }
            // firing wins over pending when label sets of one alert differ
            states.merge(name, state, (x, y) -> x.equals("firing") ? x : y);
        }
        entries.forEach(
                (name, e) -> {
                    String s = states.getOrDefault(name, "inactive");
                    if (!s.equals(e.state)) {
                        LOG.info("alert {}: {} -> {}", name, e.state, s);
                        e.changes.add(Map.entry(now, s));
                    }
                    e.state = s;
                });
    }

    /** The alert's history, or a never-seen entry. */
    Entry get(String alert) {
        return entries.getOrDefault(alert, new Entry());
    }

    boolean all(Iterable<String> alerts, Predicate<Entry> condition) {
        for (String a : alerts) {
            if (!condition.test(get(a))) {
                return false;
            }
        }
        return true;
    }

    /** Every alert seen, with its history, for failure messages. */
    String describe() {
        return new TreeMap<>(entries)
                + (lastError.isEmpty() ? "" : " (last read error: " + lastError + ")");
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }
}
