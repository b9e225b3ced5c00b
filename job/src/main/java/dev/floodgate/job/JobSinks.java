package dev.floodgate.job;

import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedEvent;
import org.apache.flink.api.connector.sink2.Sink;

/**
 * Where a Floodgate job writes: the edges of the graph, injected so that tests can pass their own.
 *
 * @param processed one result per processed event
 * @param shed events whose processing was shed (live job only; may be null in the backfill job)
 * @param deadLetters poison records and requests that failed after their retries
 * @param archive the raw archive of every valid event, or null when disabled
 */
public record JobSinks(
        Sink<ProcessedEvent> processed,
        Sink<ShedEvent> shed,
        Sink<DeadLetter> deadLetters,
        Sink<Interaction> archive) {}
