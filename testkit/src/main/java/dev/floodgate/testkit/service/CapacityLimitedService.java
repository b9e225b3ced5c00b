package dev.floodgate.testkit.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.floodgate.model.Channel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A processing service with a fixed capacity, for demos and tests: real HTTP on 127.0.0.1, {@code
 * POST /voice}, {@code /chat}, {@code /image}. Each channel serves at most {@code concurrency}
 * requests at a time, each taking {@code latency}, so its throughput is about {@code concurrency /
 * latency}; requests beyond that wait in a FIFO queue, they are not rejected (like a GPU pool with
 * a queue in front). A request whose body contains the failure marker is answered with the failure
 * status after its latency. {@code GET /stats} reports calls and failures per channel as JSON.
 * {@code POST /fault} is the test-only fault hook of the fault campaign: it answers 200 {@code
 * fire} once per {@link #armTaskFault()} and 204 otherwise, so a test processor that asks it fails
 * its task exactly once per armed fault, however often the job restarts. Faults per channel, each
 * for a window from now: {@link #outage} (503 at once), {@link #hang} (no answer until the window
 * ends) and {@link #answer} (a fixed status at once, e.g. 401); {@code /stats} counts what each
 * did. With {@link ServiceOptions#https} it serves HTTPS (mutual TLS with a client truststore);
 * with {@link ServiceOptions#requireHeader} it answers 401 to a channel request without the
 * credential. With {@link ServiceOptions#honourPriority} the queue is not FIFO but strict priority
 * between the RFC 9218 urgencies ({@link Urgency}: {@code Priority: u=0..2} before normal requests,
 * a live job's {@code high} events; {@code u=4..7} after them, a backfill's), optionally refusing
 * low-urgency ones with 429 when too many wait ({@link ServiceOptions#lowUrgencyQueueLimit}).
 * Options: {@link ServiceOptions}.
 *
 * <p>The batch endpoints {@code POST /voice/batch}, {@code /chat/batch}, {@code /image/batch}
 * (docs/contracts.md) take a JSON array of events and answer an array of per-item results in the
 * same order. A batch of {@code k} costs {@code k} service times: its items are served one after
 * the other, each taking a slot of the channel for the latency (so {@link #calls} counts events,
 * {@link #batchRequests} the requests). The faults above (credential, hang, answer, outage) are the
 * whole request's; the failure marker is an item's: that item is answered {@code {"status":
 * <failure status>}} and its neighbours are served.
 */
public final class CapacityLimitedService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CapacityLimitedService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServiceOptions options;
    private final Map<Channel, ChannelCapacity> channels = new EnumMap<>(Channel.class);
    private final AtomicInteger armedFaults = new AtomicInteger();
    private final AtomicInteger firedFaults = new AtomicInteger();
    private final AtomicLong unauthorized = new AtomicLong();
    private final Map<Channel, AtomicLong> batchRequests = new EnumMap<>(Channel.class);
    private volatile long lastFaultFiredAt;
    private HttpServer server;
    private ExecutorService workers;

    public CapacityLimitedService(ServiceOptions options) {
        this.options = options;
        for (Channel c : Channel.values()) {
            channels.put(
                    c,
                    new ChannelCapacity(
                            c,
                            options.concurrency(c),
                            options.latency(c),
                            options.honoursPriority()
                                    ? options.lowQueueLimit()
                                    : Integer.MAX_VALUE));
            batchRequests.put(c, new AtomicLong());
        }
    }

    public CapacityLimitedService start() throws IOException {
        AtomicInteger threads = new AtomicInteger();
        // unbounded on purpose: a waiting request holds a thread while it queues for a permit
        workers =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t =
                                    new Thread(r, "capacity-service-" + threads.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        InetSocketAddress address =
                new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port());
        if (options.tls() == null) {
            server = HttpServer.create(address, 256);
        } else {
            HttpsServer https = HttpsServer.create(address, 256);
            ServiceTlsOptions tls = options.tls();
            https.setHttpsConfigurator(
                    new HttpsConfigurator(tls.context()) {
                        @Override
                        public void configure(HttpsParameters params) {
                            SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                            ssl.setNeedClientAuth(tls.clientTruststore() != null);
                            params.setSSLParameters(ssl);
                        }
                    });
            server = https;
        }
        server.setExecutor(workers);
        for (Channel c : Channel.values()) {
            server.createContext("/" + c.wireName(), exchange -> serve(channels.get(c), exchange));
        }
        server.createContext("/stats", this::stats);
        server.createContext("/fault", this::fault);
        server.start();
        LOG.info("Capacity-limited service on {}: {}", baseUri(), channels.values());
        return this;
    }

    private void serve(ChannelCapacity channel, HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                Exchanges.respond(exchange, 405, "{\"error\":\"POST only\"}");
                return;
            }
            byte[] request = Exchanges.readAll(exchange.getRequestBody());
            if (options.requiredHeader() != null
                    && !options.requiredHeaderValue()
                            .equals(
                                    exchange.getRequestHeaders()
                                            .getFirst(options.requiredHeader()))) {
                unauthorized.incrementAndGet();
                Exchanges.respond(exchange, 401, "{\"error\":\"no valid credential\"}");
                return;
            }
            long now = System.nanoTime();
            if (channel.hangs(now)) {
                channel.holdWhileHanging();
                int status = options.hangEndStatus();
                if (status == 0) {
                    // closed without response headers: the JDK server closes the connection, the
                    // client reads no answer at all (a proxy or load balancer that drops the call)
                    return;
                }
                channel.answered(status);
                Exchanges.respond(exchange, status, "{\"error\":\"no answer in time (hang)\"}");
                return;
            }
            int answer = channel.answersNow(now);
            if (answer != 0) {
                channel.answered(answer);
                Exchanges.respond(exchange, answer, faultBody(answer));
                return;
            }
            if (now - channel.downUntilNanos() < 0) {
                channel.refused();
                Exchanges.respond(exchange, 503, "{\"error\":\"service down (outage)\"}");
                return;
            }
            Urgency urgency =
                    options.honoursPriority()
                            ? Urgency.of(exchange.getRequestHeaders().getFirst("Priority"))
                            : Urgency.NORMAL;
            if (exchange.getRequestURI().getPath().endsWith("/batch")) {
                serveBatch(channel, exchange, request, urgency);
                return;
            }
            String body = new String(request, StandardCharsets.UTF_8);
            boolean fail =
                    options.failureMarker() != null && body.contains(options.failureMarker());
            if (!channel.process(fail, urgency)) {
                long retryAfter = options.lowRetryAfter().toMillis();
                if (retryAfter > 0) {
                    exchange.getResponseHeaders()
                            .set("Retry-After", Long.toString((retryAfter + 999) / 1000));
                }
                Exchanges.respond(
                        exchange, 429, "{\"error\":\"too many low-urgency requests waiting\"}");
                return;
            }
            if (fail) {
                Exchanges.respond(
                        exchange, options.failureStatus(), "{\"error\":\"injected failure\"}");
                return;
            }
            ObjectNode result = JSON.createObjectNode();
            result.put("channel", channel.channel().wireName());
            JsonNode in = Exchanges.parseQuietly(JSON, request);
            result.put("event_id", in == null ? null : in.path("event_id").asText(null));
            result.put("result", "processed");
            Exchanges.respond(exchange, 200, JSON.writeValueAsString(result));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A batch request: its items one after the other, each as a call of its own of the request's
     * {@code urgency} (an item the low-urgency queue refuses is answered {@code {"status":429}}).
     */
    private void serveBatch(
            ChannelCapacity channel, HttpExchange exchange, byte[] request, Urgency urgency)
            throws IOException, InterruptedException {
        JsonNode in = Exchanges.parseQuietly(JSON, request);
        if (in == null || !in.isArray()) {
            Exchanges.respond(exchange, 400, "{\"error\":\"not a JSON array\"}");
            return;
        }
        batchRequests.get(channel.channel()).incrementAndGet();
        ArrayNode answer = JSON.createArrayNode();
        for (JsonNode item : in) {
            boolean fail =
                    options.failureMarker() != null
                            && item.toString().contains(options.failureMarker());
            ObjectNode out = answer.addObject();
            if (!channel.process(fail, urgency)) {
                out.put("status", 429);
                out.put("error", "too many low-urgency requests waiting");
            } else if (fail) {
                out.put("status", options.failureStatus());
                out.put("error", "injected failure");
            } else {
                ObjectNode result = JSON.createObjectNode();
                result.put("channel", channel.channel().wireName());
                result.put("event_id", item.path("event_id").asText(null));
                result.put("result", "processed");
                out.put("result", JSON.writeValueAsString(result));
            }
        }
        Exchanges.respond(exchange, 200, JSON.writeValueAsString(answer));
    }

    /** Batch requests served on {@code channel}. */
    public long batchRequests(Channel channel) {
        return batchRequests.get(channel).get();
    }

    private void stats(HttpExchange exchange) throws IOException {
        try (exchange) {
            Exchanges.readAll(exchange.getRequestBody());
            Exchanges.respond(exchange, 200, statsJson());
        }
    }

    private void fault(HttpExchange exchange) throws IOException {
        try (exchange) {
            Exchanges.readAll(exchange.getRequestBody());
            boolean fire = armedFaults.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            if (fire) {
                lastFaultFiredAt = System.currentTimeMillis();
                firedFaults.incrementAndGet();
                LOG.info("fault hook: a task fault fires");
                Exchanges.respond(exchange, 200, "fire");
            } else {
                exchange.sendResponseHeaders(204, -1);
            }
        }
    }

    /** Arms one task fault: the next {@code POST /fault} answers {@code fire}. */
    public void armTaskFault() {
        armedFaults.incrementAndGet();
    }

    /** Task faults that fired (answered {@code fire}). */
    public int firedTaskFaults() {
        return firedFaults.get();
    }

    /** When the last task fault fired (epoch millis), 0 if none did. */
    public long lastTaskFaultFiredAt() {
        return lastFaultFiredAt;
    }

    /**
     * Takes {@code channel} down for {@code duration} from now: its requests are answered 503 at
     * once (a transient failure), as a crashed GPU pool behind a load balancer would answer.
     */
    public void outage(Channel channel, Duration duration) {
        LOG.info("outage: {} answers 503 for {}", channel.wireName(), duration);
        channels.get(channel).downFor(duration);
    }

    /**
     * Makes {@code channel} hang for {@code duration} from now: requests that arrive in the window
     * get no answer; each is held until the window ends and then closed without a response (the
     * connection is dropped; or answered with {@link ServiceOptions#hangEndsWith(int)}'s status).
     * Requests after the window are served normally. The server cannot see a client that gives up
     * meanwhile: count what a client holds open with a {@code ConcurrencyCountingProxy} in front.
     */
    public void hang(Channel channel, Duration duration) {
        LOG.info("hang: {} answers nothing for {}", channel.wireName(), duration);
        channels.get(channel).hangFor(duration);
    }

    /**
     * Makes {@code channel} answer every request with {@code status} at once for {@code duration}
     * from now, with a JSON error body (401: an expired credential, 403, 404, a 3xx...), whatever
     * the request.
     */
    public void answer(Channel channel, int status, Duration duration) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        LOG.info("answer: {} answers {} for {}", channel.wireName(), status, duration);
        channels.get(channel).answerFor(status, duration);
    }

    private static String faultBody(int status) {
        String error =
                switch (status) {
                    case 401 -> "unauthorized: the credential has expired";
                    case 403 -> "forbidden";
                    case 404 -> "not found";
                    default -> "injected answer";
                };
        return "{\"error\":\"" + error + "\",\"status\":" + status + "}";
    }

    /** Calls and failures per channel, with each channel's capacity, as one JSON object. */
    public String statsJson() {
        ObjectNode root = JSON.createObjectNode();
        channels.forEach((c, cap) -> cap.writeTo(root.putObject(c.wireName())));
        return root.toString();
    }

    /** Requests served on {@code channel} (answered, failures included). */
    public long calls(Channel channel) {
        return channels.get(channel).calls();
    }

    public long failures(Channel channel) {
        return channels.get(channel).failures();
    }

    /** Requests answered 503 by an {@link #outage}. */
    public long refusedInOutage(Channel channel) {
        return channels.get(channel).refusedInOutage();
    }

    /** Low-urgency requests served on {@code channel} ({@link ServiceOptions#honourPriority()}). */
    public long lowUrgencyCalls(Channel channel) {
        return channels.get(channel).lowUrgencyCalls();
    }

    /**
     * High-urgency requests served on {@code channel} ({@link ServiceOptions#honourPriority()}).
     */
    public long highUrgencyCalls(Channel channel) {
        return channels.get(channel).highUrgencyCalls();
    }

    /** Low-urgency requests answered 429 ({@link ServiceOptions#lowUrgencyQueueLimit}). */
    public long lowUrgencyRefused(Channel channel) {
        return channels.get(channel).lowUrgencyRefused();
    }

    /**
     * Normal requests that arrived while every worker of {@code channel} was busy, at least one
     * with a low-urgency request (the wait strict priority cannot remove: it does not preempt).
     */
    public long normalBlockedByLow(Channel channel) {
        return channels.get(channel).permits().blockedByLow();
    }

    /** The total wait of {@link #normalBlockedByLow}'s requests, ms. */
    public long normalBlockedByLowMillis(Channel channel) {
        return channels.get(channel).permits().blockedByLowMillis();
    }

    /** Requests that arrived while {@code channel} hung and were held without an answer. */
    public long hung(Channel channel) {
        return channels.get(channel).hung();
    }

    /** Requests held by a hang right now. */
    public int hangingNow(Channel channel) {
        return channels.get(channel).hangingNow();
    }

    /** The most requests a hang of {@code channel} held at once. */
    public int maxHanging(Channel channel) {
        return channels.get(channel).maxHanging();
    }

    /**
     * Requests a fault answered with {@code status} ({@link #answer}, or a hang that ends with a
     * status); not the failure marker's nor the outage's answers.
     */
    public long answeredWith(Channel channel, int status) {
        return channels.get(channel).answeredWith(status);
    }

    /** Channel requests answered 401 for want of {@link ServiceOptions#requireHeader}'s header. */
    public long unauthorized() {
        return unauthorized.get();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI baseUri() {
        return URI.create((options.tls() == null ? "http" : "https") + "://127.0.0.1:" + port());
    }

    public URI endpoint(Channel channel) {
        return URI.create(baseUri() + "/" + channel.wireName());
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            workers.shutdownNow();
            LOG.info("Capacity-limited service stopped: {}", statsJson());
            server = null;
        }
    }
}
