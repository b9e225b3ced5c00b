package dev.floodgate.testkit.service;

import dev.floodgate.model.Channel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Options of {@link CapacityLimitedService}. Defaults (demo scale, speech-to-text the slowest):
 * voice 2 at a time x 200 ms (about 10 calls/s), image 4 x 100 ms (about 40/s), chat 16 x 5 ms
 * (about 3,200/s); any free port; no failure injection; failure status 500 (retryable).
 */
public final class ServiceOptions {
    private final Map<Channel, Integer> concurrency = new EnumMap<>(Channel.class);
    private final Map<Channel, Duration> latency = new EnumMap<>(Channel.class);
    private int port;
    private String failureMarker;
    private int failureStatus = 500;
    private int hangEndStatus;
    private ServiceTlsOptions tls;
    private String requiredHeader;
    private String requiredHeaderValue;
    private boolean honoursPriority;
    private int lowQueueLimit = Integer.MAX_VALUE;
    private Duration lowRetryAfter = Duration.ZERO;

    public ServiceOptions() {
        channel(Channel.VOICE, 2, Duration.ofMillis(200));
        channel(Channel.IMAGE, 4, Duration.ofMillis(100));
        channel(Channel.CHAT, 16, Duration.ofMillis(5));
    }

    public static ServiceOptions defaults() {
        return new ServiceOptions();
    }

    /**
     * Throughput of {@code channel}: {@code concurrency} requests at a time, each taking {@code
     * latency}.
     */
    public ServiceOptions channel(Channel channel, int concurrency, Duration latency) {
        if (concurrency < 1 || latency.isNegative()) {
            throw new IllegalArgumentException(
                    "concurrency must be >= 1 and latency >= 0 for " + channel);
        }
        this.concurrency.put(channel, concurrency);
        this.latency.put(channel, latency);
        return this;
    }

    /** Port to bind on 127.0.0.1; 0 (the default) picks a free one. */
    public ServiceOptions port(int port) {
        this.port = port;
        return this;
    }

    /**
     * Every request whose body contains {@code marker} is answered with {@link
     * #failureStatus(int)}.
     */
    public ServiceOptions failWhenBodyContains(String marker) {
        this.failureMarker = marker;
        return this;
    }

    public ServiceOptions failureStatus(int status) {
        this.failureStatus = status;
        return this;
    }

    /**
     * How a request held by a hang ends when the window is over: 0 (the default) closes the
     * connection without an answer; a status (e.g. 504) answers with it.
     */
    public ServiceOptions hangEndsWith(int status) {
        if (status != 0 && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("0 or an HTTP status, got " + status);
        }
        this.hangEndStatus = status;
        return this;
    }

    /**
     * Serves HTTPS with the key and certificate of the PKCS12 store {@code keystore} (the test CA's
     * broker certificate: SAN 127.0.0.1); with {@code clientTruststore} it requires a client
     * certificate that store trusts (mutual TLS), without it asks for none.
     */
    public ServiceOptions https(Path keystore, String password, Path clientTruststore) {
        this.tls = new ServiceTlsOptions(keystore, password, clientTruststore);
        return this;
    }

    /**
     * Answers 401 to every channel request that does not carry {@code name: value} (a service that
     * wants a credential); {@code /stats} counts them.
     */
    public ServiceOptions requireHeader(String name, String value) {
        this.requiredHeader = name;
        this.requiredHeaderValue = value;
        return this;
    }

    /**
     * Serves by RFC 9218's {@code Priority} header: a request whose urgency is below the default
     * ({@code u=4} to {@code u=7}; a backfill sends {@code u=7}) is low-urgency and gets a worker
     * only when no normal request waits (strict priority, non-preemptive: a call being served
     * finishes). Without it (the default) the header is ignored: one FIFO.
     */
    public ServiceOptions honourPriority() {
        this.honoursPriority = true;
        return this;
    }

    /**
     * With {@link #honourPriority()}: a low-urgency request that finds {@code maxWaiting}
     * low-urgency requests waiting is answered 429 at once, with {@code Retry-After} in whole
     * seconds (rounded up; none if {@code retryAfter} is zero), as a service that bounds its
     * background queue does.
     */
    public ServiceOptions lowUrgencyQueueLimit(int maxWaiting, Duration retryAfter) {
        if (maxWaiting < 0 || retryAfter.isNegative()) {
            throw new IllegalArgumentException("maxWaiting >= 0 and retryAfter >= 0");
        }
        this.lowQueueLimit = maxWaiting;
        this.lowRetryAfter = retryAfter;
        return this;
    }

    boolean honoursPriority() {
        return honoursPriority;
    }

    int lowQueueLimit() {
        return lowQueueLimit;
    }

    Duration lowRetryAfter() {
        return lowRetryAfter;
    }

    ServiceTlsOptions tls() {
        return tls;
    }

    String requiredHeader() {
        return requiredHeader;
    }

    String requiredHeaderValue() {
        return requiredHeaderValue;
    }

    int hangEndStatus() {
        return hangEndStatus;
    }

    int concurrency(Channel channel) {
        return concurrency.get(channel);
    }

    Duration latency(Channel channel) {
        return latency.get(channel);
    }

    int port() {
        return port;
    }

    String failureMarker() {
        return failureMarker;
    }

    int failureStatus() {
        return failureStatus;
    }
}
