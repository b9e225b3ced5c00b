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
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 *
 * <p>Batching ({@link #batching}, {@code --processor-batch-max} above 1): the calls of a channel
 * are coalesced by a {@link RequestCoalescer} into requests to {@code <endpoint>/batch} (a JSON
 * array of the per-event bodies, answered by an array of per-item results, docs/contracts.md), at
 * most {@code requestsInFlight} per channel; each event keeps its own future, with the failures
 * above per event. A batch of one goes to the batch endpoint too: a service without it fails at the
 * first call (every call is a {@link ProcessingException.Kind#SERVICE} failure, alerted), rather
 * than only once load makes batches; and one form of answer is one path to test.
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

    /** On urgent calls only ({@link #withUrgentHeader}): the live job's {@code high}; or null. */
    private RequestHeader urgentHeader;

    /** Events per request: 1 is one request per event; above, {@link RequestCoalescer}. */
    private final int batchMax;

    /** With {@code batchMax} above 1: requests in flight per channel (of this subtask). */
    private final int requestsInFlight;

    private transient HttpClient client;
    private transient StaleConnections stale;
    // with batchMax above 1: the coalescer of each channel with an endpoint, and of its urgent
    // calls when they carry a header of their own (a request has one priority)
    private transient EnumMap<Channel, RequestCoalescer> coalescers;
    private transient EnumMap<Channel, RequestCoalescer> urgentCoalescers;
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
        this(endpoints, requestTimeout, version, tls, auth, 1, 1);
    }

    private HttpEventProcessor(
            Map<Channel, URI> endpoints,
            Duration requestTimeout,
            String version,
            ServiceTls tls,
            ServiceAuth auth,
            int batchMax,
            int requestsInFlight) {
        if (batchMax < 1 || requestsInFlight < 1) {
            throw new IllegalArgumentException("batchMax and requestsInFlight must be at least 1");
        }
        this.endpoints = new EnumMap<>(endpoints);
        this.requestTimeout = requestTimeout;
        this.version = version;
        this.tls = tls;
        this.auth = auth;
        this.batchMax = batchMax;
        this.requestsInFlight = requestsInFlight;
    }

    /**
     * This processor coalescing calls ({@link RequestCoalescer}): up to {@code batchMax} events in
     * one request to the batch endpoint {@code <channel endpoint>/batch}, at most {@code
     * requestsInFlight} requests in flight per channel. {@code batchMax} 1 is one request per event
     * to the channel's endpoint, as without this call ({@code requestsInFlight} is then unused: the
     * lanes bound the calls).
     */
    public HttpEventProcessor batching(int batchMax, int requestsInFlight) {
        return copy(batchMax, requestsInFlight);
    }

    private HttpEventProcessor copy(int batchMax, int requestsInFlight) {
        HttpEventProcessor copy =
                new HttpEventProcessor(
                        endpoints, requestTimeout, version, tls, auth, batchMax, requestsInFlight);
        copy.headers.addAll(headers);
        copy.urgentHeader = urgentHeader;
        return copy;
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
        notTheCredential(header);
        HttpEventProcessor copy = copy(batchMax, requestsInFlight);
        copy.headers.add(header);
        return copy;
    }

    /**
     * This processor with {@code header} on urgent calls ({@link #process(Interaction, boolean)}:
     * the live job's {@code Priority: u=1} on {@code high} events and those a {@code high} event
     * waits behind), in place of a fixed header of the same name. Batched, urgent events go in
     * requests of their own, with {@code requestsInFlight} of their own per channel: up to twice
     * {@code requestsInFlight} requests per channel in all.
     */
    public HttpEventProcessor withUrgentHeader(RequestHeader header) {
        notTheCredential(header);
        HttpEventProcessor copy = copy(batchMax, requestsInFlight);
        copy.urgentHeader = header;
        return copy;
    }

    /** The header of urgent calls ({@link #withUrgentHeader}), if any. */
    public java.util.Optional<RequestHeader> urgentHeader() {
        return java.util.Optional.ofNullable(urgentHeader);
    }

    private void notTheCredential(RequestHeader header) {
        if (auth.isSet() && auth.headerName().equalsIgnoreCase(header.name())) {
            throw new IllegalArgumentException(
                    "the header " + header.name() + " carries the credential already");
        }
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
        stale = new StaleConnections();
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
        if (batchMax > 1) {
            coalescers = coalescers(false);
            urgentCoalescers = urgentHeader == null ? null : coalescers(true);
        }
    }

    private EnumMap<Channel, RequestCoalescer> coalescers(boolean urgent) {
        EnumMap<Channel, RequestCoalescer> m = new EnumMap<>(Channel.class);
        for (Map.Entry<Channel, URI> e : endpoints.entrySet()) {
            Channel channel = e.getKey();
            URI batchUri = batchEndpoint(e.getValue());
            m.put(
                    channel,
                    new RequestCoalescer(
                            batch -> sendBatch(channel, batchUri, batch, urgent),
                            batchMax,
                            requestsInFlight));
        }
        return m;
    }

    /** {@code <endpoint>/batch}: the batch endpoint of a channel. */
    static URI batchEndpoint(URI endpoint) {
        String e = endpoint.toString();
        return URI.create(e.endsWith("/") ? e + "batch" : e + "/batch");
    }

    @Override
    public CompletableFuture<String> process(Interaction event) {
        return send(event, false);
    }

    /**
     * With {@link #withUrgentHeader}: a service that honours the header serves urgent calls first.
     */
    @Override
    public boolean servesUrgentFirst() {
        return urgentHeader != null;
    }

    /** With {@link #withUrgentHeader}, an urgent call carries its header; else as any call. */
    @Override
    public CompletableFuture<String> process(Interaction event, boolean urgent) {
        return send(event, urgent && urgentHeader != null);
    }

    private CompletableFuture<String> send(Interaction event, boolean urgent) {
        URI endpoint = endpoints.get(event.channel);
        if (endpoint == null) {
            return CompletableFuture.failedFuture(
                    new ProcessingException(
                            0,
                            "no endpoint configured for channel " + event.channel,
                            ProcessingException.Kind.SERVICE));
        }
        // read once: close() on the task thread may clear them while a retry runs here
        EnumMap<Channel, RequestCoalescer> batching = urgent ? urgentCoalescers : coalescers;
        if (batching != null) {
            return batching.get(event.channel).submit(event);
        }
        HttpRequest request;
        try {
            request = request(endpoint, payloadBytes(event), event.channel, urgent);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        // cancel(true) of the result aborts the exchange (HttpEventProcessorTest checks it)
        CompletableFuture<HttpResponse<String>> sent =
                stale.send(client, request, info -> new BoundedBody(info, event.channel));
        CompletableFuture<String> result =
                sent.handle(
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
                                throw tooLargeForRecord(status, event.channel, body);
                            }
                            return body;
                        });
        result.whenComplete(
                (v, e) -> {
                    if (e instanceof CancellationException) {
                        sent.cancel(true);
                    }
                });
        return result;
    }

    /**
     * The POST of {@code body} to {@code uri}, with the credential header. A header the client
     * refuses fails with a {@link ProcessingException.Kind#SERVICE} failure naming the exception's
     * class only: the builder's message quotes the header's value, the credential. The same for
     * every call, so the service's settings, not the event ({@link ServiceAuth#value} refuses such
     * values at start; this is the net under it).
     */
    private HttpRequest request(URI uri, byte[] body, Channel channel, boolean urgent) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(uri)
                        .timeout(requestTimeout)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            if (authValue != null) {
                builder.header(auth.headerName(), authValue);
            }
            for (RequestHeader h : headers) {
                if (!(urgent && h.name().equalsIgnoreCase(urgentHeader.name()))) {
                    builder.header(h.name(), h.value());
                }
            }
            if (urgent) {
                builder.header(urgentHeader.name(), urgentHeader.value());
            }
            return builder.build();
        } catch (RuntimeException e) {
            throw new ProcessingException(
                    0,
                    "the request to the "
                            + channel.wireName()
                            + " service could not carry its credential header ("
                            + e.getClass().getSimpleName()
                            + ")",
                    ProcessingException.Kind.SERVICE);
        }
    }

    private static ProcessingException tooLargeForRecord(int status, Channel channel, String body) {
        return new ProcessingException(
                status,
                "HTTP "
                        + status
                        + " from the "
                        + channel.wireName()
                        + " service: the response ("
                        + body.length()
                        + " characters) does not fit a processed record of "
                        + RecordLimits.RECORD_BUDGET_BYTES
                        + " bytes",
                false);
    }

    /**
     * One request of the batch endpoint for {@code batch} ({@link RequestCoalescer.Transport}): the
     * body is the JSON array of the events' per-event bodies ({@link #batchBytes}); the answer is
     * read up to {@code n x} {@link RecordLimits#MAX_RESPONSE_BYTES} (the memory bound per event in
     * flight of one request per event) and completes each item, in order ({@link BatchAnswer}).
     * What fails the whole request fails each of its events the way it fails a per-event request: a
     * transport error or timeout ({@link #tlsFailure}), a non-2xx status ({@link #failure}). An
     * answer over the bound, or one that is not an array of {@code n} items, fails them as {@link
     * ProcessingException.Kind#SERVICE} (the service breaks the contract, e.g. it has no batch
     * endpoint: shed, alerted, never dead letters for events that may be fine). An item with a
     * status fails only its event; an item's result is checked against the record budget as a
     * per-event body is.
     */
    private CompletableFuture<?> sendBatch(
            Channel channel, URI uri, List<RequestCoalescer.Item> batch, boolean urgent) {
        int n = batch.size();
        HttpRequest request;
        try {
            List<Interaction> events = new ArrayList<>(n);
            for (RequestCoalescer.Item item : batch) {
                events.add(item.event);
            }
            request = request(uri, batchBytes(events), channel, urgent);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        long limit = (long) n * RecordLimits.MAX_RESPONSE_BYTES;
        CompletableFuture<HttpResponse<String>> sent =
                stale.send(client, request, info -> new BoundedBody(info, channel, limit));
        CompletableFuture<Void> done =
                sent.handle(
                        (response, error) -> {
                            if (error != null) {
                                failAll(batch, batchFailure(error, channel));
                                return null;
                            }
                            int status = response.statusCode();
                            if (status / 100 != 2) {
                                failAll(
                                        batch,
                                        ProcessingException.ofHttpStatus(
                                                status, failure(status, channel)));
                                return null;
                            }
                            BatchAnswer answer = BatchAnswer.parse(response.body(), n);
                            if (answer == null) {
                                failAll(
                                        batch,
                                        new ProcessingException(
                                                status,
                                                "HTTP "
                                                        + status
                                                        + " from the "
                                                        + channel.wireName()
                                                        + " service: the batch answer is not an"
                                                        + " array of "
                                                        + n
                                                        + " items (has the service a batch"
                                                        + " endpoint?)",
                                                ProcessingException.Kind.SERVICE));
                                return null;
                            }
                            for (int i = 0; i < n; i++) {
                                complete(batch.get(i), answer, i, status, channel);
                            }
                            return null;
                        });
        // the client's request timeout ends when the answer's headers arrive: an answer whose body
        // never ends would hold the request's events and its slot for good (the lanes' total
        // timeout would free the events, not the slot). Bounded here, the exchange then aborted.
        long bound = 2 * requestTimeout.toMillis();
        CompletableFuture<Void> result =
                done.orTimeout(bound, TimeUnit.MILLISECONDS)
                        .whenComplete(
                                (v, e) -> {
                                    if (e instanceof TimeoutException) {
                                        failAll(
                                                batch,
                                                new HttpTimeoutException(
                                                        "no whole answer within " + bound + " ms"));
                                        sent.cancel(true);
                                    }
                                });
        // an abort (every event of the request cancelled) reaches the exchange
        result.whenComplete(
                (v, e) -> {
                    if (e instanceof CancellationException) {
                        sent.cancel(true);
                    }
                });
        return result;
    }

    private void complete(
            RequestCoalescer.Item item, BatchAnswer answer, int i, int status, Channel channel) {
        String result = answer.results[i];
        if (result == null) {
            int itemStatus = answer.statuses[i];
            item.completeExceptionally(
                    itemStatus == BatchAnswer.MALFORMED_ITEM
                            ? new ProcessingException(
                                    status,
                                    "HTTP "
                                            + status
                                            + " from the "
                                            + channel.wireName()
                                            + " service: a batch item is neither a result nor an"
                                            + " error status",
                                    ProcessingException.Kind.SERVICE)
                            : ProcessingException.ofHttpStatus(
                                    itemStatus, failure(itemStatus, channel)));
        } else if (!OutputCodec.processedRecordFits(item.event, name(), result)) {
            item.completeExceptionally(tooLargeForRecord(status, channel, result));
        } else {
            item.complete(result);
        }
    }

    /**
     * What fails a whole batch request, as {@link #tlsFailure}; but an answer over its bound
     * ({@link BoundedBody}), permanent for one event, is not known to be any one event's: the
     * service's failure for each (shed, alerted), never dead letters for the neighbours of the
     * event whose result was too long.
     */
    static RuntimeException batchFailure(Throwable error, Channel channel) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        if (cause instanceof ProcessingException pe
                && pe.kind() == ProcessingException.Kind.EVENT) {
            return new ProcessingException(
                    pe.status(),
                    pe.getMessage() + " for the batch: not known to be one event's",
                    ProcessingException.Kind.SERVICE);
        }
        return tlsFailure(error, channel);
    }

    /** Fails every event of a request with the same error (a no-op for one already complete). */
    private static void failAll(List<RequestCoalescer.Item> batch, Throwable error) {
        for (RequestCoalescer.Item item : batch) {
            item.completeExceptionally(error);
        }
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
        private final long limit;
        private byte[] bytes = new byte[1024];
        private int length;
        private Flow.Subscription subscription;

        BoundedBody(HttpResponse.ResponseInfo info, Channel channel) {
            this(info, channel, RecordLimits.MAX_RESPONSE_BYTES);
        }

        /** A body read up to {@code limit} bytes (a batch answer: n x the per-event bound). */
        BoundedBody(HttpResponse.ResponseInfo info, Channel channel, long limit) {
            this.limit = limit;
            this.status = info.statusCode();
            this.channel = channel;
            this.charset = charset(info.headers().firstValue("Content-Type").orElse(""));
            this.declaredLength = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (status / 100 == 2 && declaredLength > limit) {
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
                if ((long) length + n > limit) {
                    subscription.cancel();
                    if (status / 100 == 2) {
                        result.completeExceptionally(tooLarge("over that"));
                    } else {
                        int take = (int) (limit - length);
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
                            + limit
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
            writePayload(g, event);
        }
        return out.toByteArray();
    }

    /**
     * The body of a batch request: the JSON array of the events' {@link #payloadBytes}, byte for
     * byte {@code [} + the bodies joined by {@code ,} + {@code ]} (HttpPayloadProperties).
     */
    static byte[] batchBytes(List<? extends Interaction> events) throws IOException {
        ByteArrayBuilder out = new ByteArrayBuilder(512 * events.size());
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (Interaction event : events) {
                writePayload(g, event);
            }
            g.writeEndArray();
        }
        return out.toByteArray();
    }

    private static void writePayload(JsonGenerator g, Interaction event) throws IOException {
        g.writeStartObject();
        g.writeStringField("event_id", event.eventId);
        g.writeStringField("customer_id", event.customerId);
        g.writeNumberField("seq", event.seq);
        g.writeStringField("channel", event.channel.wireName());
        g.writeStringField("priority", event.priority == null ? null : event.priority.wireName());
        if (event.body != null) {
            g.writeStringField("body", event.body);
        }
        if (event.uri != null) {
            g.writeStringField("uri", event.uri);
        }
        g.writeEndObject();
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

    /**
     * Requests sent again because their kept-alive connection was closed before an answer ({@link
     * StaleConnections}), since {@link #open()}.
     */
    public long staleConnectionResends() {
        return stale == null ? 0 : stale.resends();
    }

    @Override
    public void close() {
        if (urgentCoalescers != null) {
            urgentCoalescers.values().forEach(RequestCoalescer::close);
            urgentCoalescers = null;
        }
        if (coalescers != null) {
            coalescers.values().forEach(RequestCoalescer::close);
            coalescers = null;
        }
        client = null;
        authValue = null;
        if (callbacks != null) {
            callbacks.shutdownNow();
            callbacks = null;
        }
    }
}
