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
 * the real processor and, before a call, asks the capacity-limited service's {@code POST /fault}
 * (at most every {@link #ASK_EVERY_MILLIS} per subtask, so the ask costs the task thread almost
 * nothing); when it answers {@code fire} (once per armed fault, however often the job restarts) the
 * call throws {@link InjectedTaskFault} on the task thread, which fails the processing task as a
 * bug in the processing operator would. Any event can carry the fault, so it fires within a
 * fraction of a second of being armed even when the job is far behind the log (a marked event
 * waited behind 190,000 others in a full run). Every other call goes to the real processor
 * unchanged.
 */
public final class FaultHookProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;

    /** How often one subtask's hook asks the service whether a fault is armed. */
    static final long ASK_EVERY_MILLIS = 200;

    private final EventProcessor delegate;
    private final String faultUri;
    private transient HttpClient client;
    private transient long nextAsk;

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
        if (System.currentTimeMillis() >= nextAsk && fires()) {
            throw new InjectedTaskFault("campaign fault hook: task exception for " + event.eventId);
        }
        return delegate.process(event);
    }

    @Override
    public CompletableFuture<String> process(Interaction event, boolean urgent) {
        if (System.currentTimeMillis() >= nextAsk && fires()) {
            throw new InjectedTaskFault("campaign fault hook: task exception for " + event.eventId);
        }
        return delegate.process(event, urgent);
    }

    @Override
    public boolean servesUrgentFirst() {
        return delegate.servesUrgentFirst();
    }

    private boolean fires() {
        nextAsk = System.currentTimeMillis() + ASK_EVERY_MILLIS;
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
