package dev.floodgate.testkit.service;

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
 */
public final class InstantService implements AutoCloseable {
    /** The result every call gets. */
    public static final String RESULT = "{\"result\":\"processed\"}";

    private static final String NODELAY = "sun.net.httpserver.nodelay";

    private static final byte[] RESULT_BYTES = RESULT.getBytes(StandardCharsets.UTF_8);

    private final LongAdder calls = new LongAdder();
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
        try (exchange) {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, RESULT_BYTES.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(RESULT_BYTES);
            }
            calls.increment();
        }
    }

    /** Calls answered 200 so far. */
    public long calls() {
        return calls.sum();
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
