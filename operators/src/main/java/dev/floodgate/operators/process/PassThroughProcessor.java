package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import java.util.concurrent.CompletableFuture;

/**
 * Zero-cost processing: the result is the event's own content. For tests, benchmarks and dry runs.
 */
public class PassThroughProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;

    private final String version;

    public PassThroughProcessor() {
        this("v1");
    }

    public PassThroughProcessor(String version) {
        this.version = version;
    }

    @Override
    public String name() {
        return "passthrough-" + version;
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        String content = event.body != null ? event.body : event.uri;
        return CompletableFuture.completedFuture(content);
    }
}
