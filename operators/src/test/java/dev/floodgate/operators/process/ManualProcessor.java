package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A processor whose calls the test completes by hand, in any order: {@link #started()} lists the
 * calls in flight by event id. Calls live in a static registry by instance id, so the processor
 * survives being serialized with a job graph.
 */
final class ManualProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Map<String, CompletableFuture<String>>> CALLS =
            new ConcurrentHashMap<>();
    private static final Map<String, List<String>> LOG = new ConcurrentHashMap<>();
    private static final Map<String, List<String>> URGENT = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();

    ManualProcessor() {
        CALLS.put(id, java.util.Collections.synchronizedMap(new LinkedHashMap<>()));
        LOG.put(id, java.util.Collections.synchronizedList(new ArrayList<>()));
        URGENT.put(id, java.util.Collections.synchronizedList(new ArrayList<>()));
    }

    @Override
    public CompletableFuture<String> process(Interaction event, boolean urgent) {
        if (urgent) {
            URGENT.get(id).add(event.eventId);
        }
        return process(event);
    }

    /**
     * The calls started as urgent ({@link EventProcessor#process(Interaction, boolean)}), in order.
     */
    List<String> urgentLog() {
        synchronized (URGENT.get(id)) {
            return new ArrayList<>(URGENT.get(id));
        }
    }

    @Override
    public String name() {
        return "manual/1";
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        CompletableFuture<String> f = new CompletableFuture<>();
        CALLS.get(id).put(event.eventId, f);
        LOG.get(id).add(event.eventId);
        return f;
    }

    /** Event ids of the calls in flight, in the order they started. */
    List<String> started() {
        synchronized (CALLS.get(id)) {
            return new ArrayList<>(CALLS.get(id).keySet());
        }
    }

    /** Every call ever started, in order (a restored event is called again). */
    List<String> callLog() {
        synchronized (LOG.get(id)) {
            return new ArrayList<>(LOG.get(id));
        }
    }

    void succeed(String eventId) {
        CALLS.get(id).remove(eventId).complete("result of " + eventId);
    }

    void fail(String eventId, Throwable error) {
        CALLS.get(id).remove(eventId).completeExceptionally(error);
    }

    /** Forgets the calls in flight (as a crashed task would). */
    void forget() {
        CALLS.get(id).clear();
    }
}
