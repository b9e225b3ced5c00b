package dev.floodgate.operators.process;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.contract.RecordLimits;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Processes an event by POSTing it as JSON ({@code event_id, customer_id, seq, channel, priority,
 * body|uri}) to the endpoint of its channel; the response body is the result. A non-2xx answer
 * completes exceptionally with a {@link ProcessingException} naming the status, the channel and a
 * fixed reason ({@link #failure}): never the error body (which may echo customer text) nor the
 * endpoint URL (which may carry a credential). The body is read up to {@link
 * RecordLimits#MAX_RESPONSE_BYTES}: a longer one, or a result whose processed record would not fit
 * the sinks' budget, is a permanent {@link ProcessingException} (a dead letter, never a failing
 * sink or a response held whole in memory). A request longer than {@code requestTimeout} completes
 * with {@link java.net.http.HttpTimeoutException}. Cancelling the returned future aborts the
 * exchange (the JDK client closes its connection), so the service stops counting the call. The JDK
 * {@link HttpClient} and its callback threads are created in {@link #open()} and released in {@link
 * #close()}.
 *
 * <p>Security ({@link ServiceTls}, {@link ServiceAuth}): the stores and the credential are read in
 * {@link #open()}, on the TaskManager; the processor itself (shipped in the job graph) holds only
 * paths and references. A TLS handshake that fails (a certificate the truststore does not trust, a
 * client certificate the service refuses) is a {@link ProcessingException.Kind#SERVICE} failure:
 * the event is shed and counts against the lane's circuit, it never becomes a dead letter.
 */
public class HttpEventProcessor implements EventProcessor {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EnumMap<Channel, URI> endpoints;
    private final Duration requestTimeout;
    private final String version;
    private final ServiceTls tls;
    private final ServiceAuth auth;

    /** Fixed headers on every call ({@link #withHeader}): the backfill's priority. */
    private final List<RequestHeader> headers = new java.util.ArrayList<>();

    private transient HttpClient client;
    private transient ExecutorService callbacks;
    // resolved in open(): never serialized, logged or part of a message
    private transient String authValue;

    public HttpEventProcessor(
            Map<Channel, URI> endpoints, Duration requestTimeout, String version) {
        this(endpoints, requestTimeout, version, ServiceTls.jvmDefault(), ServiceAuth.none());
    }

    public HttpEventProcessor(
            Map<Channel, URI> endpoints,
            Duration requestTimeout,
            String version,
            ServiceTls tls,
            ServiceAuth auth) {
        this.endpoints = new EnumMap<>(endpoints);
        this.requestTimeout = requestTimeout;
        this.version = version;
        this.tls = tls;
        this.auth = auth;
    }

    /** Endpoints {@code <base>/voice}, {@code <base>/chat}, {@code <base>/image}. */
    public static HttpEventProcessor forBaseUri(URI base, Duration requestTimeout, String version) {
        return forBaseUri(
                base, requestTimeout, version, ServiceTls.jvmDefault(), ServiceAuth.none());
    }

    /** {@link #forBaseUri(URI, Duration, String)} with TLS settings and a credential. */
    public static HttpEventProcessor forBaseUri(
            URI base, Duration requestTimeout, String version, ServiceTls tls, ServiceAuth auth) {
        Map<Channel, URI> endpoints = new EnumMap<>(Channel.class);
        String root = base.toString().endsWith("/") ? base.toString() : base + "/";
        for (Channel c : Channel.values()) {
            endpoints.put(c, URI.create(root + c.wireName()));
        }
        return new HttpEventProcessor(endpoints, requestTimeout, version, tls, auth);
    }

    /**
     * This processor with {@code header} on every call besides the others (the backfill's {@code
     * Priority: u=7}). Its name may not be the credential's.
     */
    public HttpEventProcessor withHeader(RequestHeader header) {
        if (auth.isSet() && auth.headerName().equalsIgnoreCase(header.name())) {
            throw new IllegalArgumentException(
                    "the header " + header.name() + " carries the credential already");
        }
        HttpEventProcessor copy =
                new HttpEventProcessor(endpoints, requestTimeout, version, tls, auth);
        copy.headers.addAll(headers);
        copy.headers.add(header);
        return copy;
    }

    /** The fixed headers of {@link #withHeader}, in order. */
    public List<RequestHeader> headers() {
        return List.copyOf(headers);
    }

    @Override
    public String name() {
        return "http-" + version;
    }

    @Override
    public void open() {
        SSLContext ssl = tls.context();
        authValue = auth.isSet() ? auth.value() : null;
        callbacks =
                Executors.newCachedThreadPool(
                        r -> new CallbackThread(r, "http-processor-" + version));
        client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(requestTimeout)
                        .sslContext(ssl)
                        .executor(callbacks)
                        .build();
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        URI endpoint = endpoints.get(event.channel);
        if (endpoint == null) {
            return CompletableFuture.failedFuture(
                    new ProcessingException(
                            0,
                            "no endpoint configured for channel " + event.channel,
                            ProcessingException.Kind.SERVICE));
        }
        HttpRequest.Builder builder;
        try {
            builder =
                    HttpRequest.newBuilder(endpoint)
                            .timeout(requestTimeout)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(payloadBytes(event)));
            for (RequestHeader h : headers) {
                builder.header(h.name(), h.value());
            }
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest request;
        try {
            if (authValue != null) {
                builder.header(auth.headerName(), authValue);
            }
            request = builder.build();
        } catch (RuntimeException e) {
            // the builder's message quotes the header's value, the credential: the class only. The
            // same for every call, so the service's settings, not the event (ServiceAuth#value
            // refuses such values at start; this is the net under it)
            return CompletableFuture.failedFuture(
                    new ProcessingException(
                            0,
                            "the request to the "
                                    + event.channel.wireName()
                                    + " service could not carry its credential header ("
                                    + e.getClass().getSimpleName()
                                    + ")",
                            ProcessingException.Kind.SERVICE));
        }
        // the client's futures, its dependents too, abort the exchange on cancel(true) (JDK 16+;
        // HttpEventProcessorTest checks it), so the result is returned as the client derives it
        return client.sendAsync(request, info -> new BoundedBody(info, event.channel))
                .handle(
                        (response, error) -> {
                            if (error != null) {
                                throw tlsFailure(error, event.channel);
                            }
                            int status = response.statusCode();
                            String body = response.body();
                            if (status / 100 != 2) {
                                // status and a fixed reason only: an error body may echo the
                                // request (customer text), the endpoint may hold a credential
                                throw ProcessingException.ofHttpStatus(
                                        status,
                                        failure(status, event.channel),
                                        retryAfterMillis(response.headers()));
                            }
                            if (!OutputCodec.processedRecordFits(event, name(), body)) {
                                throw new ProcessingException(
                                        status,
                                        "HTTP "
                                                + status
                                                + " from the "
                                                + event.channel.wireName()
                                                + " service: the response ("
                                                + body.length()
                                                + " characters) does not fit a processed record of "
                                                + RecordLimits.RECORD_BUDGET_BYTES
                                                + " bytes",
                                        false);
                            }
                            return body;
                        });
    }

    /**
     * A response body read up to {@link RecordLimits#MAX_RESPONSE_BYTES}, decoded with the charset
     * of its Content-Type (UTF-8 by default). A longer success body fails the call with a permanent
     * {@link ProcessingException} (the same event would get the same answer: a dead letter, not a
     * retry), without reading the rest; a longer error body is cut, its status decides. Either way
     * no response can take more memory than the bound.
     */
    static final class BoundedBody implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final int status;
        private final Channel channel;
        private final Charset charset;
        private final long declaredLength;
        private byte[] bytes = new byte[1024];
        private int length;
        private Flow.Subscription subscription;

        BoundedBody(HttpResponse.ResponseInfo info, Channel channel) {
            this.status = info.statusCode();
            this.channel = channel;
            this.charset = charset(info.headers().firstValue("Content-Type").orElse(""));
            this.declaredLength = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (status / 100 == 2 && declaredLength > RecordLimits.MAX_RESPONSE_BYTES) {
                s.cancel();
                result.completeExceptionally(tooLarge(declaredLength + " bytes"));
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                int n = b.remaining();
                if ((long) length + n > RecordLimits.MAX_RESPONSE_BYTES) {
                    subscription.cancel();
                    if (status / 100 == 2) {
                        result.completeExceptionally(tooLarge("over that"));
                    } else {
                        int take = RecordLimits.MAX_RESPONSE_BYTES - length;
                        b.get(grow(take), length, take);
                        length += take;
                        result.complete(decoded());
                    }
                    return;
                }
                b.get(grow(n), length, n);
                length += n;
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(decoded());
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        private byte[] grow(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(length + more, 2 * bytes.length));
            }
            return bytes;
        }

        private String decoded() {
            return new String(bytes, 0, length, charset);
        }

        private ProcessingException tooLarge(String size) {
            return new ProcessingException(
                    status,
                    "HTTP "
                            + status
                            + " from the "
                            + channel.wireName()
                            + " service: the response body is "
                            + size
                            + ": at most "
                            + RecordLimits.MAX_RESPONSE_BYTES
                            + " bytes are read",
                    false);
        }

        /** The charset parameter of a Content-Type, UTF-8 if there is none or it is unknown. */
        static Charset charset(String contentType) {
            for (String part : contentType.split(";")) {
                String p = part.trim();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    try {
                        return Charset.forName(p.substring(8).replace("\"", "").trim());
                    } catch (RuntimeException e) {
                        return StandardCharsets.UTF_8;
                    }
                }
            }
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * The message of an error answer: {@code HTTP <status> from the <channel> service: <reason>},
     * the reason fixed per {@link ProcessingException.Kind}. Never the response body (a service
     * that echoes the request would put customer text into dead letters, shed headers and logs) nor
     * the endpoint (its URL may carry a credential).
     */
    static String failure(int status, Channel channel) {
        return "HTTP " + status + " from the " + channel.wireName() + " service: " + reason(status);
    }

    /**
     * {@code error} as it completes the call: a TLS handshake that failed becomes a {@link
     * ProcessingException.Kind#SERVICE} failure (the same call fails the same way until the
     * service's certificate or the job's trust settings change: not retried, shed, counted against
     * the circuit, never a dead letter); anything else is passed on as it is.
     */
    static RuntimeException tlsFailure(Throwable error, Channel channel) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException || refusedByPeer(t)) {
                return new ProcessingException(
                        0,
                        "TLS with the "
                                + channel.wireName()
                                + " service failed ("
                                + t.getClass().getSimpleName()
                                + ": "
                                + SafeText.withoutUrls(t.getMessage())
                                + "): check the service's certificate and the truststore, or the"
                                + " client certificate",
                        ProcessingException.Kind.SERVICE);
            }
        }
        return error instanceof CompletionException ce ? ce : new CompletionException(error);
    }

    /**
     * An {@link SSLException} that is the service's refusal of this client's TLS (a fatal alert
     * about a certificate, after a TLS 1.3 handshake the client already took for done) or an answer
     * that is no TLS at all (plain HTTP on an https URL): settings, not a passing fault.
     */
    private static boolean refusedByPeer(Throwable t) {
        if (!(t instanceof SSLException) || t.getMessage() == null) {
            return false;
        }
        String m = t.getMessage();
        return m.contains("certificate")
                || m.contains("unknown_ca")
                || m.contains("handshake_failure")
                || m.contains("nrecognized SSL message");
    }

    /**
     * A {@code Retry-After} in seconds (RFC 9110; an HTTP date is not read) in milliseconds, or -1
     * when there is none or it is not a number of seconds.
     */
    static long retryAfterMillis(java.net.http.HttpHeaders headers) {
        String v = headers.firstValue("Retry-After").orElse(null);
        if (v == null || v.isBlank() || v.strip().length() > 9) {
            return -1;
        }
        try {
            long seconds = Long.parseLong(v.strip());
            return seconds < 0 ? -1 : seconds * 1000;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The fixed reason of an error status, by whose failure it is. */
    static String reason(int status) {
        return switch (ProcessingException.kindOf(status)) {
            case EVENT -> "rejected the event";
            case SERVICE -> "refused the call (credential or address)";
            case TRANSIENT -> "unavailable";
        };
    }

    /**
     * {@link #payload}'s JSON, written straight to bytes: the same fields in the same order,
     * without building the tree first (a tree per call was a tenth of the client's allocations).
     */
    static byte[] payloadBytes(Interaction event) throws IOException {
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event_id", event.eventId);
            g.writeStringField("customer_id", event.customerId);
            g.writeNumberField("seq", event.seq);
            g.writeStringField("channel", event.channel.wireName());
            g.writeStringField(
                    "priority", event.priority == null ? null : event.priority.wireName());
            if (event.body != null) {
                g.writeStringField("body", event.body);
            }
            if (event.uri != null) {
                g.writeStringField("uri", event.uri);
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    static ObjectNode payload(Interaction event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("event_id", event.eventId);
        node.put("customer_id", event.customerId);
        node.put("seq", event.seq);
        node.put("channel", event.channel.wireName());
        node.put("priority", event.priority == null ? null : event.priority.wireName());
        if (event.body != null) {
            node.put("body", event.body);
        }
        if (event.uri != null) {
            node.put("uri", event.uri);
        }
        return node;
    }

    /** A thread of the client's callback pool. */
    private static final class CallbackThread extends Thread {
        CallbackThread(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }

    @Override
    public void close() {
        client = null;
        authValue = null;
        if (callbacks != null) {
            callbacks.shutdownNow();
            callbacks = null;
        }
    }
}
