package dev.floodgate.bench.campaign;

import dev.floodgate.model.Interaction;
import dev.floodgate.operators.process.EventProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The fault campaign's test-only fault hook in the processing path (never in the job jar): wraps
 * the real processor and, for an event whose chat body contains {@link #MARKER}, first asks the
 * capacity-limited service's {@code POST /fault}; when it answers {@code fire} (once per armed
 * fault, however often the job restarts) the call throws {@link InjectedTaskFault} on the task
 * thread, which fails the processing task as a bug in the processing operator would. Every other
 * event, and a marked one that finds no armed fault, goes to the real processor unchanged.
 */
public final class FaultHookProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;

    /** What a chat body contains to make the hook ask whether to fail. */
    public static final String MARKER = "floodgate-campaign-task-fault";

    private final EventProcessor delegate;
    private final String faultUri;
    private transient HttpClient client;

    public FaultHookProcessor(EventProcessor delegate, String faultUri) {
        this.delegate = delegate;
        this.faultUri = faultUri;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void open() throws Exception {
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        delegate.open();
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        if (event.body != null && event.body.contains(MARKER) && fires()) {
            throw new InjectedTaskFault("campaign fault hook: task exception for " + event.eventId);
        }
        return delegate.process(event);
    }

    private boolean fires() {
        try {
            HttpResponse<String> answer =
                    client.send(
                            HttpRequest.newBuilder(URI.create(faultUri))
                                    .timeout(Duration.ofSeconds(2))
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200 && "fire".equals(answer.body());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        delegate.close();
    }

    /**
     * The injected failure: an {@link Error}, because the processing operator turns every {@link
     * Exception} of a call into a processing outcome (retry, shed, dead letter) by design.
     */
    public static final class InjectedTaskFault extends Error {
        private static final long serialVersionUID = 1L;

        InjectedTaskFault(String message) {
            super(message);
        }
    }
}
