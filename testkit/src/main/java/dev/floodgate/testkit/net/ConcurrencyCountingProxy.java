package dev.floodgate.testkit.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on 127.0.0.1 (a free port) in front of an HTTP/1.1 server, for tests: it forwards
 * bytes both ways unchanged and counts what the server sees as concurrency from its clients,
 * including the requests a client abandons (an HTTP server handler cannot see a client disconnect;
 * the proxy can). A connection counts as <em>outstanding</em> from the first request line the
 * client sends until the first response bytes come back, or until either side closes the
 * connection. Counted per proxy and per path prefix (the request target's first segment, e.g.
 * {@code /voice}), with the maximum since the last {@link #resetMax()}.
 *
 * <p>One thread per direction of each connection. Requests on one connection are taken to be
 * sequential (no pipelining, as the JDK {@code HttpClient} sends them): client bytes that arrive
 * while a request is outstanding belong to it (its body); the next request starts with the first
 * client bytes after the response began. When either side closes, the proxy closes both, so a
 * client that gives up closes the proxy's connection to the server too. {@link #close()} stops it.
 */
public final class ConcurrencyCountingProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConcurrencyCountingProxy.class);
    private static final int MAX_REQUEST_LINE = 8 * 1024;
    private static final Set<String> METHODS =
            Set.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT");

    /** The counts of one path prefix, or of all together. */
    private static final class Counter {
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong abandoned = new AtomicLong();

        void begin() {
            requests.incrementAndGet();
            int now = outstanding.incrementAndGet();
            max.accumulateAndGet(now, Math::max);
        }

        void end(boolean abandonedByClose) {
            outstanding.decrementAndGet();
            if (abandonedByClose) {
                abandoned.incrementAndGet();
            }
        }
    }

    private final InetSocketAddress target;
    private final Counter total = new Counter();
    private final Map<String, Counter> byPrefix = new ConcurrentHashMap<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private ServerSocket server;
    private ExecutorService threads;
    private volatile boolean closed;

    private ConcurrencyCountingProxy(InetSocketAddress target) {
        this.target = target;
    }

    /** Starts a proxy to {@code target}'s host and port (its path is ignored). */
    public static ConcurrencyCountingProxy start(URI target) throws IOException {
        return start(new InetSocketAddress(target.getHost(), target.getPort()));
    }

    public static ConcurrencyCountingProxy start(InetSocketAddress target) throws IOException {
        ConcurrencyCountingProxy proxy = new ConcurrencyCountingProxy(target);
        proxy.listen();
        return proxy;
    }

    private void listen() throws IOException {
        AtomicInteger n = new AtomicInteger();
        threads =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "counting-proxy-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
        LOG.info("Concurrency-counting proxy on {} -> {}", baseUri(), target);
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("proxy on {} stops accepting: {}", baseUri(), e.toString());
                }
                return;
            }
            accepted.incrementAndGet();
            Connection c = new Connection(client);
            connections.add(c);
            if (closed) {
                c.close(false);
                return;
            }
            threads.execute(c::start);
        }
    }

    /** One client connection and its connection to the target. */
    private final class Connection {
        private final Socket client;
        private Socket upstream;
        private final byte[] line = new byte[MAX_REQUEST_LINE];
        private int lineLength;
        private boolean skipUntilResponse; // bytes that do not start a request: not counted
        private Counter outstanding; // the prefix counter of the request awaiting its response
        private boolean closed;

        Connection(Socket client) {
            this.client = client;
        }

        void start() {
            try {
                client.setTcpNoDelay(true);
                Socket up = new Socket();
                up.setTcpNoDelay(true);
                up.connect(target, 10_000);
                synchronized (this) {
                    if (closed) {
                        up.close();
                        return;
                    }
                    upstream = up;
                }
                threads.execute(() -> pump(upstream, client, false));
                pump(client, upstream, true);
            } catch (IOException e) {
                close(false);
            }
        }

        private void pump(Socket from, Socket to, boolean fromClient) {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (fromClient) {
                        requestBytes(buf, n);
                    } else {
                        responseBytes();
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // closed by the other pump, or reset by a peer
            } catch (IOException e) {
                LOG.debug("proxy connection ends: {}", e.toString());
            }
            close(fromClient);
        }

        /** Counts a request once its request line is complete (before its bytes go on). */
        private synchronized void requestBytes(byte[] buf, int n) {
            if (outstanding != null || skipUntilResponse || closed) {
                return; // the outstanding request's body, or bytes of no request
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    requestLine(new String(line, 0, lineLength, StandardCharsets.ISO_8859_1));
                    lineLength = 0;
                    return;
                }
                if (lineLength == line.length) {
                    lineLength = 0;
                    skipUntilResponse = true;
                    return;
                }
                line[lineLength++] = buf[i];
            }
        }

        private void requestLine(String requestLine) {
            String[] parts = requestLine.trim().split(" ");
            if (parts.length != 3 || !METHODS.contains(parts[0])) {
                skipUntilResponse = true;
                return;
            }
            Counter c = byPrefix.computeIfAbsent(prefix(parts[1]), p -> new Counter());
            total.begin();
            c.begin();
            outstanding = c;
        }

        private synchronized void responseBytes() {
            skipUntilResponse = false;
            lineLength = 0;
            if (outstanding != null) {
                total.end(false);
                outstanding.end(false);
                outstanding = null;
            }
        }

        /** Closes both sides; an outstanding request ends, abandoned if its client closed. */
        synchronized void close(boolean byClient) {
            if (closed) {
                return;
            }
            closed = true;
            if (outstanding != null) {
                total.end(byClient);
                outstanding.end(byClient);
                outstanding = null;
            }
            closeQuietly(client);
            if (upstream != null) {
                closeQuietly(upstream);
            }
            connections.remove(this);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** The first segment of a request target: {@code /voice} for {@code /voice/x?y=1}. */
    static String prefix(String target) {
        String path = target;
        int scheme = path.indexOf("://");
        if (scheme >= 0) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        int next = path.indexOf('/', 1);
        return next < 0 ? path : path.substring(0, next);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>}: use it in place of the target's base URI. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Connections with an outstanding request now, all prefixes together. */
    public int outstanding() {
        return total.outstanding.get();
    }

    /** Connections with an outstanding request to {@code prefix} (e.g. {@code /voice}) now. */
    public int outstanding(String prefix) {
        Counter c = byPrefix.get(prefix);
        return c == null ? 0 : c.outstanding.get();
    }

    /** The most outstanding requests at once since the start or the last {@link #resetMax()}. */
    public int maxOutstanding() {
        return total.max.get();
    }

    public int maxOutstanding(String prefix) {
        Counter c = byPrefix.get(prefix);
        return c == null ? 0 : c.max.get();
    }

    /** Requests seen to {@code prefix}. */
    public long requests(String prefix) {
        Counter c = byPrefix.get(prefix);
        return c == null ? 0 : c.requests.get();
    }

    /** Requests to {@code prefix} whose client closed the connection before any answer came. */
    public long abandoned(String prefix) {
        Counter c = byPrefix.get(prefix);
        return c == null ? 0 : c.abandoned.get();
    }

    /** Client connections open now. */
    public int openConnections() {
        return connections.size();
    }

    /** Client connections accepted since the start. */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Starts the maxima again from the outstanding requests of now. */
    public void resetMax() {
        total.max.set(total.outstanding.get());
        byPrefix.values().forEach(c -> c.max.set(c.outstanding.get()));
    }

    /** Per prefix: outstanding now, maximum, requests and abandoned, for a log line. */
    public String summary() {
        Map<String, String> m = new TreeMap<>();
        byPrefix.forEach(
                (p, c) ->
                        m.put(
                                p,
                                String.format(
                                        "outstanding=%d max=%d requests=%d abandoned=%d",
                                        c.outstanding.get(),
                                        c.max.get(),
                                        c.requests.get(),
                                        c.abandoned.get())));
        return m.toString();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // stopping anyway
        }
        for (Connection c : connections) {
            c.close(false);
        }
        threads.shutdownNow();
        LOG.info("Concurrency-counting proxy on {} stopped: {}", baseUri(), summary());
    }
}
