package dev.floodgate.sources.lag;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures every monitored log every {@code interval} on its own daemon thread and hands each
 * measurement to a listener. A failed measurement (broker unreachable, topic missing) is logged,
 * counted and retried at the next interval; the listener keeps the last good values. {@link #close}
 * stops the thread and its Kafka clients.
 */
public final class LagPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LagPoller.class);

    private final Map<String, String> clientProperties;
    private final String clientId;
    private final List<MonitoredLog> logs;
    private final Duration interval;
    private final Consumer<LogLag> listener;
    private final Runnable onFailure;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile LagProbe probe;
    private final Map<String, Integer> failuresInARow = new java.util.HashMap<>();

    public LagPoller(
            Map<String, String> clientProperties,
            String clientId,
            List<MonitoredLog> logs,
            Duration interval,
            Consumer<LogLag> listener,
            Runnable onFailure) {
        this.clientProperties = Map.copyOf(clientProperties);
        this.clientId = clientId;
        this.logs = List.copyOf(logs);
        this.interval = interval;
        this.listener = listener;
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, "floodgate-broker-lag");
        thread.setDaemon(true);
    }

    public LagPoller start() {
        thread.start();
        return this;
    }

    /** Requests to the broker time out after the interval, at most 30 s and at least 5 s. */
    static Duration requestTimeout(Duration interval) {
        long ms = Math.max(5_000, Math.min(30_000, interval.toMillis()));
        return Duration.ofMillis(ms);
    }

    private void run() {
        try (LagProbe p = new LagProbe(clientProperties, clientId, requestTimeout(interval))) {
            probe = p;
            LOG.info("measuring the consumer lag of {} every {}", logs, interval);
            while (running) {
                for (MonitoredLog log : logs) {
                    measure(p, log);
                }
                Thread.sleep(interval.toMillis());
            }
        } catch (InterruptedException
                | org.apache.kafka.common.errors.InterruptException
                | org.apache.kafka.common.errors.WakeupException e) {
            // closed
        } catch (RuntimeException e) {
            LOG.error("the broker lag monitor stopped: {}", e.toString(), e);
        } finally {
            probe = null;
        }
    }

    /**
     * One measurement; a failure of any kind is counted and retried at the next interval (a broker
     * that answers oddly once must not stop the monitor), logged at its first and every 20th time
     * in a row.
     */
    private void measure(LagProbe p, MonitoredLog log) throws InterruptedException {
        try {
            listener.accept(p.measure(log));
            failuresInARow.remove(log.name());
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            if (!running || e instanceof org.apache.kafka.common.errors.InterruptException) {
                throw new InterruptedException("closed");
            }
            onFailure.run();
            int n = failuresInARow.merge(log.name(), 1, Integer::sum);
            if (n % 20 == 1) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                LOG.warn(
                        "could not measure the lag of {} (topic {}, group {}), {} time(s) in a"
                                + " row: {}",
                        log.name(),
                        log.topic(),
                        log.groupId(),
                        n,
                        String.valueOf(cause));
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        LagProbe p = probe;
        if (p != null) {
            p.wakeup();
        }
        thread.interrupt();
        thread.join(15_000);
        if (thread.isAlive()) {
            LOG.warn("the broker lag monitor thread did not stop within 15 s");
        }
    }
}
