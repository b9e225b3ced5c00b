package dev.floodgate.testkit.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.floodgate.model.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A processing service that answers at once, for throughput benchmarks of the HTTP path: real
 * HTTP/1.1 on 127.0.0.1 (the JDK server, keep-alive), {@code POST /voice}, {@code /chat}, {@code
 * /image} answered 200 with a small fixed JSON result as soon as the request body is read. It has
 * no capacity limit and does as little as a server can per call (no parsing, a fixed response), so
 * that a benchmark measures the job's side of the call; {@link #calls()} counts what it served.
 * Handlers run on a fixed pool of {@code threads}: a call never waits, so more threads than cores
 * only cost switches. Unlike {@link CapacityLimitedService} it has no faults, TLS or credential
 * check.
 *
 * <p>The batch endpoints {@code POST /voice/batch} (and {@code /chat/batch}, {@code /image/batch};
 * docs/contracts.md) answer a JSON array of {@code n} items {@code {"result": RESULT}} for a
 * request array of {@code n} events, counting the request once in {@link #requests()} and each
 * event in {@link #calls()}; the request array is only counted (a streaming parse skipping each
 * object), not read; one that is not an array of objects is answered 400.
 */
public final class InstantService implements AutoCloseable {
    /** The result every call gets. */
    public static final String RESULT = "{\"result\":\"processed\"}";

    private static final String NODELAY = "sun.net.httpserver.nodelay";

    private static final byte[] RESULT_BYTES = RESULT.getBytes(StandardCharsets.UTF_8);

    /** One item of a batch answer: RESULT as the item's result string. */
    private static final byte[] ITEM_BYTES =
            ("{\"result\":\"" + RESULT.replace("\"", "\\\"") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);

    private static final JsonFactory JSON = new JsonFactory();

    private final LongAdder calls = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final HttpServer server;
    private final ExecutorService workers;

    private InstantService(HttpServer server, ExecutorService workers) {
        this.server = server;
        this.workers = workers;
    }

    /**
     * Starts the service on a free port of 127.0.0.1 with {@code threads} handler threads; with 0,
     * calls are answered on the server's dispatcher thread itself (no hand-off per call).
     */
    public static InstantService start(int threads) throws IOException {
        // the JDK server writes a response's headers and body apart: with Nagle's algorithm on,
        // the body waits for the client's delayed ACK (tens of ms a call). Read once per JVM, when
        // the first JDK HTTP server starts.
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService workers =
                threads == 0
                        ? null
                        : Executors.newFixedThreadPool(
                                threads,
                                r -> {
                                    Thread t =
                                            new Thread(r, "instant-service-" + n.incrementAndGet());
                                    t.setDaemon(true);
                                    return t;
                                });
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.setExecutor(workers);
        InstantService service = new InstantService(server, workers);
        for (Channel c : Channel.values()) {
            server.createContext("/" + c.wireName(), service::serve);
        }
        server.start();
        return service;
    }

    private void serve(HttpExchange exchange) throws IOException {
        if (exchange.getRequestURI().getPath().endsWith("/batch")) {
            serveBatch(exchange);
            return;
        }
        try (exchange) {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            // counted before the answer: a client that has its answer finds it counted
            calls.increment();
            requests.increment();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, RESULT_BYTES.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(RESULT_BYTES);
            }
        }
    }

    private void serveBatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] request;
            try (InputStream in = exchange.getRequestBody()) {
                request = in.readAllBytes();
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            int n = items(request);
            if (n < 0) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            byte[] answer = new byte[2 + n * ITEM_BYTES.length + Math.max(0, n - 1)];
            int at = 0;
            answer[at++] = '[';
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    answer[at++] = ',';
                }
                System.arraycopy(ITEM_BYTES, 0, answer, at, ITEM_BYTES.length);
                at += ITEM_BYTES.length;
            }
            answer[at] = ']';
            calls.add(n);
            requests.increment();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    /** The objects in a JSON array, -1 if {@code json} is not an array of objects. */
    private static int items(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return -1;
            }
            int n = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.START_OBJECT) {
                    return -1;
                }
                p.skipChildren();
                n++;
            }
            return n;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Events answered 200 so far: one per per-event call, one per item of a batch. */
    public long calls() {
        return calls.sum();
    }

    /** HTTP requests answered 200 so far: per-event calls and batch requests. */
    public long requests() {
        return requests.sum();
    }

    /** The base URL: the job appends {@code /voice}, {@code /chat}, {@code /image}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        if (workers != null) {
            workers.shutdownNow();
            workers.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
