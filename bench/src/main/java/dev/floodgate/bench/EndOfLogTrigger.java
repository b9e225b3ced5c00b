package dev.floodgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;

/**
 * Commits a job's output at the end of the log, as the raw pipe does: a watcher thread reads the
 * job's sink writers' record counters in-process ({@link SinkProgress}, every 2 ms) and triggers
 * one checkpoint over REST once they have handed {@code events} records to their producers. {@link
 * #close} stops the watcher; {@link #result} reads the triggered checkpoint's outcome, which the
 * cluster otherwise keeps and waits for when it shuts down.
 */
final class EndOfLogTrigger implements AutoCloseable {
    private final BenchContext ctx;
    private final String jobId;
    private final Thread watcher;
    private volatile long triggeredAt; // System.nanoTime() when the count was reached, 0 until then
    private volatile Exception failure;
    private volatile String requestId;
    private String result;

    EndOfLogTrigger(BenchContext ctx, String jobId, long events, String... sinks) {
        this.ctx = ctx;
        this.jobId = jobId;
        watcher =
                new Thread(
                        () -> {
                            try {
                                while (SinkProgress.sent(jobId, sinks) < events) {
                                    Thread.sleep(2);
                                }
                                triggeredAt = System.nanoTime();
                                requestId = ctx.rest().triggerCheckpoint(jobId);
                            } catch (InterruptedException e) {
                                // the run ended (or failed) first
                            } catch (Exception e) {
                                failure = e;
                            }
                        },
                        "end-of-log-checkpoint");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * When the sinks had sent every event and the checkpoint was triggered (System.nanoTime()), or
     * NaN if they never had (a periodic checkpoint may still complete before the triggered one:
     * that run then did not need it).
     */
    double triggeredAt() {
        if (failure != null) {
            throw new IllegalStateException(
                    "triggering the end-of-log checkpoint failed: " + failure, failure);
        }
        return triggeredAt == 0 ? Double.NaN : triggeredAt;
    }

    @Override
    public void close() throws InterruptedException {
        watcher.interrupt();
        watcher.join();
    }

    /**
     * Where the checkpoint's time went, from the REST API's statistics: its end-to-end duration and
     * size, and per task its slowest subtask's synchronous and asynchronous snapshot and alignment.
     */
    private String timing(long checkpointId) {
        try {
            JsonNode d = ctx.rest().get("/jobs/" + jobId + "/checkpoints/details/" + checkpointId);
            JsonNode vertices = ctx.rest().get("/jobs/" + jobId).path("vertices");
            StringBuilder b =
                    new StringBuilder(
                            String.format(
                                    " (%d ms end to end, %.1f MB",
                                    d.path("end_to_end_duration").asLong(),
                                    d.path("state_size").asLong() / 1e6));
            for (Iterator<String> it = d.path("tasks").fieldNames(); it.hasNext(); ) {
                String vertex = it.next();
                JsonNode s =
                        ctx.rest()
                                .get(
                                        "/jobs/"
                                                + jobId
                                                + "/checkpoints/details/"
                                                + checkpointId
                                                + "/subtasks/"
                                                + vertex)
                                .path("summary");
                b.append(
                        String.format(
                                "; %s: slowest subtask's sync %d, async %d, alignment %d, start"
                                        + " delay %d ms; largest subtask %.1f MB",
                                vertexName(vertices, vertex),
                                s.path("checkpoint_duration").path("sync").path("max").asLong(),
                                s.path("checkpoint_duration").path("async").path("max").asLong(),
                                s.path("alignment").path("duration").path("max").asLong(),
                                s.path("start_delay").path("max").asLong(),
                                s.path("state_size").path("max").asLong() / 1e6));
            }
            return b.append(')').toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return " (statistics not read: interrupted)";
        } catch (Exception e) {
            return " (statistics not readable: " + e + ")";
        }
    }

    private static String vertexName(JsonNode vertices, String vertex) {
        for (JsonNode v : vertices) {
            if (v.path("id").asText().equals(vertex)) {
                String name = v.path("name").asText();
                return name.length() > 40 ? name.substring(0, 40) + "..." : name;
            }
        }
        return vertex;
    }

    /**
     * How the triggered checkpoint ended (completed, or failed by the job's cancel if a periodic
     * one committed everything first), waiting up to a minute for it; read once, then remembered.
     * Call after {@link #close}.
     */
    synchronized String result() {
        if (result != null) {
            return result;
        }
        if (requestId == null) {
            return result = "not triggered";
        }
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                JsonNode r = ctx.rest().checkpointTrigger(jobId, requestId);
                if (r.path("status").path("id").asText().equals("COMPLETED")) {
                    JsonNode op = r.path("operation");
                    return result =
                            op.has("checkpointId")
                                    ? "completed, checkpoint "
                                            + op.path("checkpointId").asLong()
                                            + timing(op.path("checkpointId").asLong())
                                    : "failed: " + op.path("failureCause").path("class").asText();
                }
                Thread.sleep(50);
            }
            return result = "still in progress after 60 s";
        } catch (Exception e) {
            return result = "not readable: " + e;
        }
    }
}
