package dev.floodgate.operators.process;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends a request again, at once, when the kept-alive connection it went out on turned out closed
 * before any byte of an answer came back. A server may close an idle connection at any time (RFC
 * 9112, 9.3.1; a load balancer's idle timeout, a server over its cap of idle connections), and a
 * client that reuses it in the same instant sees "header parser received no bytes". The service
 * never answered, so the request is sent again (RFC 9112, 9.3.1.1; the service's calls may be
 * repeated, as every retry repeats them); the JDK client does this itself only for GET and HEAD.
 * Without it, each such close was a failed call: after the calls of a job that had held hundreds of
 * connections, a JDK server closed every connection of the next over its cap of 200 idle ones, 7%
 * of the calls failed, the lane's circuit opened and 53% of the events were shed as {@code
 * circuit_open} against a healthy service (docs/benchmarks.md, section 1b).
 *
 * <p>At most {@link #MAX_RESENDS} resends a request, each on a connection the client picks anew,
 * and only when it failed within {@link #WITHIN} of being sent: they are not retries of a failing
 * service (no backoff, not counted against the circuit), and a request that still finds closed
 * connections, or was dropped later, fails as before, into the lanes' retries. A connection the
 * server resets instead of closing is not told apart here: the lanes retry it. Cancelling the
 * returned future cancels the exchange in flight (the JDK client aborts it). Counted in {@link
 * #resends()}; thread-safe.
 */
final class StaleConnections {
    static final int MAX_RESENDS = 3;

    /**
     * A connection found closed fails its request at once; one that fails later without an answer
     * was dropped while the service worked on it (a crash, a proxy's timeout): that is a failure of
     * the service, for the lanes' retries and the circuit, not resent here.
     */
    static final Duration WITHIN = Duration.ofSeconds(1);

    private static final long WITHIN_NANOS = WITHIN.toNanos();

    private final LongAdder resends = new LongAdder();

    /**
     * {@code client.sendAsync(request, handler)}, sent again (at most {@link #MAX_RESENDS} times)
     * while it fails because its connection was closed before an answer.
     */
    <T> CompletableFuture<HttpResponse<T>> send(
            HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<HttpResponse<T>>> current = new AtomicReference<>();
        attempt(client, request, handler, result, current, 0);
        result.whenComplete(
                (r, e) -> {
                    if (e instanceof CancellationException) {
                        current.get().cancel(true);
                    }
                });
        return result;
    }

    private <T> void attempt(
            HttpClient client,
            HttpRequest request,
            HttpResponse.BodyHandler<T> handler,
            CompletableFuture<HttpResponse<T>> result,
            AtomicReference<CompletableFuture<HttpResponse<T>>> current,
            int resent) {
        long sentAt = System.nanoTime();
        CompletableFuture<HttpResponse<T>> sent;
        try {
            sent = client.sendAsync(request, handler);
        } catch (RuntimeException e) { // a resend runs in a callback: nobody else would see it
            result.completeExceptionally(e);
            return;
        }
        current.set(sent);
        if (result.isCancelled()) { // cancelled while this one was being sent
            sent.cancel(true);
            return;
        }
        sent.whenComplete(
                (response, error) -> {
                    if (error == null) {
                        result.complete(response);
                    } else if (resent < MAX_RESENDS
                            && System.nanoTime() - sentAt <= WITHIN_NANOS
                            && closedBeforeAnswer(error)
                            && !result.isDone()) {
                        resends.increment();
                        attempt(client, request, handler, result, current, resent + 1);
                    } else {
                        result.completeExceptionally(error);
                    }
                });
    }

    /**
     * Whether {@code error} says the connection ended before the first byte of an answer (the JDK
     * client's "header parser received no bytes"). An end after some bytes of an answer is not one:
     * the service did answer, and the lanes' retries decide.
     */
    static boolean closedBeforeAnswer(Throwable error) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        return cause instanceof IOException
                && cause.getMessage() != null
                && cause.getMessage().contains("received no bytes");
    }

    /** Requests sent again so far because their connection had been closed. */
    long resends() {
        return resends.sum();
    }
}
