package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import java.io.Serializable;
import java.util.concurrent.CompletableFuture;

/**
 * The expensive per-event work (speech-to-text, embedding, indexing) behind one asynchronous call.
 * Created on the client, shipped to the task managers, opened once per subtask.
 */
public interface EventProcessor extends Serializable, AutoCloseable {

    /**
     * Name and version written into every result, so a replay with corrected code can be told
     * apart.
     */
    String name();

    /** Called once per subtask before the first {@link #process}. */
    default void open() throws Exception {}

    /**
     * Starts processing one event; the future completes with the service's result or fails. A first
     * call runs on the task thread, a retry on the subtask's timeout thread, possibly at the same
     * time: implementations must be thread-safe, and a call that blocks delays the timeouts and
     * retries of the other events.
     */
    CompletableFuture<String> process(Interaction event);

    /**
     * {@link #process(Interaction)} of an event the job needs before the others ({@code urgent}: a
     * {@code high} event, or one its customer's {@code high} event waits behind). A processor whose
     * service serves by priority tells it so ({@link HttpEventProcessor#withUrgentHeader}); by
     * default the call is like any other.
     */
    default CompletableFuture<String> process(Interaction event, boolean urgent) {
        return process(event);
    }

    /**
     * Whether the service serves urgent calls ({@link #process(Interaction, boolean)}) before the
     * others, so that a call that is not urgent may wait there behind urgent calls sent after it.
     */
    default boolean servesUrgentFirst() {
        return false;
    }

    @Override
    default void close() throws Exception {}
}
