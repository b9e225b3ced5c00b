package dev.floodgate.job;

import static dev.floodgate.job.FloodgateOptions.DRAIN_PRIORITY_HEADER;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_ALLOW_PLAINTEXT;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_AUTH_HEADER;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_AUTH_SECRET;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_KEYSTORE;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_KEYSTORE_PASSWORD;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_TRUSTSTORE;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_TRUSTSTORE_PASSWORD;
import static dev.floodgate.job.FloodgateOptions.PROCESSOR_URL;

import dev.floodgate.job.options.TypedOption;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.operators.process.RequestHeader;
import dev.floodgate.operators.process.SafeText;
import dev.floodgate.operators.process.SecretReference;
import dev.floodgate.operators.process.ServiceAuth;
import dev.floodgate.operators.process.ServiceTls;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processing service call's security settings, from the options: the URL ({@code https://}
 * unless {@code --processor-allow-plaintext}; no user info, query or fragment, which would be a
 * credential in the job parameters the web UI shows), the trust and client stores, and the
 * credential header. Secrets are options only as {@link SecretReference}s: a literal is refused at
 * start, naming the option and never echoing the value (an error message is logged and printed).
 * The references are resolved at start once, as a check (a missing file or variable stops the job
 * before it is submitted), and again by each TaskManager where it builds the HTTP client.
 */
final class ProcessorService {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorService.class);

    private ProcessorService() {}

    /**
     * Refuses options that do not go together, every problem at once, one a line, each naming its
     * option. Called when the options are parsed.
     */
    static void checkOptions(FloodgateOptions o) {
        List<String> problems = new ArrayList<>();
        if (o.isSet(PROCESSOR_URL)) {
            String problem = urlProblem(o.get(PROCESSOR_URL), o.get(PROCESSOR_ALLOW_PLAINTEXT));
            if (problem != null) {
                problems.add("option --" + PROCESSOR_URL.key + " " + problem);
            }
        }
        reference(o, PROCESSOR_TRUSTSTORE_PASSWORD, problems);
        reference(o, PROCESSOR_KEYSTORE_PASSWORD, problems);
        reference(o, PROCESSOR_AUTH_SECRET, problems);
        if (o.isSet(PROCESSOR_KEYSTORE) && !o.isSet(PROCESSOR_KEYSTORE_PASSWORD)) {
            problems.add(
                    "option --"
                            + PROCESSOR_KEYSTORE.key
                            + " needs --"
                            + PROCESSOR_KEYSTORE_PASSWORD.key);
        }
        if (o.isSet(PROCESSOR_AUTH_HEADER) != o.isSet(PROCESSOR_AUTH_SECRET)) {
            problems.add(
                    "options --"
                            + PROCESSOR_AUTH_HEADER.key
                            + " and --"
                            + PROCESSOR_AUTH_SECRET.key
                            + " go together: the header carries the secret");
        }
        if (o.isSet(PROCESSOR_AUTH_HEADER)) {
            String problem = ServiceAuth.headerProblem(o.get(PROCESSOR_AUTH_HEADER));
            if (problem != null) {
                problems.add("option --" + PROCESSOR_AUTH_HEADER.key + ": " + problem);
            }
        }
        if (o.isSet(PROCESSOR_AUTH_SECRET)
                && o.isSet(PROCESSOR_URL)
                && o.get(PROCESSOR_URL).regionMatches(true, 0, "http:", 0, 5)) {
            // --processor-allow-plaintext accepts customer text in clear, not the credential: a
            // credential seen once on the wire is the service's for whoever saw it
            problems.add(
                    "option --"
                            + PROCESSOR_AUTH_SECRET.key
                            + " over an http:// --"
                            + PROCESSOR_URL.key
                            + ": the credential would travel in clear; use https://");
        }
        for (TypedOption<String> option :
                List.of(DRAIN_PRIORITY_HEADER, FloodgateOptions.HIGH_PRIORITY_HEADER)) {
            if (!o.isSet(option)) {
                continue;
            }
            try {
                RequestHeader h = RequestHeader.parse(o.get(option));
                if (o.isSet(PROCESSOR_AUTH_HEADER)
                        && h.name().equalsIgnoreCase(o.get(PROCESSOR_AUTH_HEADER))) {
                    problems.add(
                            "option --"
                                    + option.key
                                    + ": the header "
                                    + h.name()
                                    + " is --"
                                    + PROCESSOR_AUTH_HEADER.key
                                    + " already");
                }
            } catch (IllegalArgumentException e) {
                // the reason names the header at most, never the value (it could be a credential
                // given in the wrong option)
                problems.add(
                        "option --"
                                + option.key
                                + " is not a header line 'Name: value' such as 'Priority: u="
                                + (option == DRAIN_PRIORITY_HEADER ? "7" : "1")
                                + "': "
                                + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
    }

    /**
     * {@code pipeline} with {@code option}'s header given to its HTTP processor by {@code
     * withHeader} ({@code calls}: which calls carry it, for the start log); unchanged when the
     * option is 'none', and with a warning when the processor calls no HTTP service (a dry run).
     */
    static Pipeline withHeader(
            Pipeline pipeline,
            FloodgateOptions o,
            TypedOption<String> option,
            java.util.function.BiFunction<HttpEventProcessor, RequestHeader, HttpEventProcessor>
                    withHeader,
            String calls) {
        java.util.Optional<RequestHeader> header = header(o, option);
        if (header.isEmpty()) {
            return pipeline;
        }
        if (!(pipeline.processor() instanceof HttpEventProcessor http)) {
            LOG.warn(
                    "--{}: the processor ({}) calls no HTTP service, no header is sent",
                    option.key,
                    pipeline.processor().name());
            return pipeline;
        }
        LOG.info("{} carry the header {} (--{})", calls, header.get().name(), option.key);
        return pipeline.withProcessor(withHeader.apply(http, header.get()));
    }

    /** A header option's header, or empty for 'none' (checked at parse time). */
    static java.util.Optional<RequestHeader> header(
            FloodgateOptions o, TypedOption<String> option) {
        return o.isSet(option)
                ? java.util.Optional.of(RequestHeader.parse(o.get(option)))
                : java.util.Optional.empty();
    }

    /**
     * Why {@code url} cannot be the service's base URL, or null. Never quotes the URL: its user
     * info or query may hold a credential.
     */
    static String urlProblem(String url, boolean allowPlaintext) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            // the reason only: the exception's message quotes the input
            return "is not a URL (" + e.getReason() + " at index " + e.getIndex() + ")";
        }
        if (uri.getRawUserInfo() != null) {
            return "holds user info (user:password@): refused, the URL is a job parameter the web UI "
                    + "shows and is named in logs; put the credential in --"
                    + PROCESSOR_AUTH_HEADER.key
                    + " and --"
                    + PROCESSOR_AUTH_SECRET.key;
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "holds a query or fragment: refused (a token there would be a job parameter); the "
                    + "channel is appended to the path, put a credential in --"
                    + PROCESSOR_AUTH_SECRET.key;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            return "is not an https:// URL with a host";
        }
        if (scheme.equals("http") && !allowPlaintext) {
            return "is http://: customer text would travel in clear to a service nobody verified; use "
                    + "https://, or pass --"
                    + PROCESSOR_ALLOW_PLAINTEXT.key
                    + " for a service on the same host or a test setup";
        }
        return null;
    }

    private static void reference(
            FloodgateOptions o, TypedOption<String> option, List<String> problems) {
        if (o.isSet(option) && !SecretReference.isReference(o.get(option))) {
            problems.add(
                    "option --"
                            + option.key
                            + " is not a reference of the form "
                            + SecretReference.FORM
                            + ": a literal secret is refused (it would be a job parameter)");
        }
    }

    /** The TLS settings of the options (paths and references only). */
    static ServiceTls tls(FloodgateOptions o) {
        ServiceTls tls = ServiceTls.jvmDefault();
        if (o.isSet(PROCESSOR_TRUSTSTORE)) {
            tls =
                    tls.withTruststore(
                            Path.of(o.get(PROCESSOR_TRUSTSTORE)),
                            optionalReference(o, PROCESSOR_TRUSTSTORE_PASSWORD));
        }
        if (o.isSet(PROCESSOR_KEYSTORE)) {
            tls =
                    tls.withKeystore(
                            Path.of(o.get(PROCESSOR_KEYSTORE)),
                            SecretReference.of(o.get(PROCESSOR_KEYSTORE_PASSWORD)));
        }
        return tls;
    }

    /** The credential header of the options, or none. */
    static ServiceAuth auth(FloodgateOptions o) {
        return o.isSet(PROCESSOR_AUTH_HEADER)
                ? ServiceAuth.header(
                        o.get(PROCESSOR_AUTH_HEADER),
                        SecretReference.of(o.get(PROCESSOR_AUTH_SECRET)))
                : ServiceAuth.none();
    }

    private static SecretReference optionalReference(
            FloodgateOptions o, TypedOption<String> option) {
        return o.isSet(option) ? SecretReference.of(o.get(option)) : null;
    }

    /**
     * The HTTP processor of the options, its stores and secrets read once here as the start check
     * (then dropped: the processor carries paths and references). A store or secret that cannot be
     * read stops the job before it is submitted, naming the option's path or reference.
     */
    static HttpEventProcessor processor(FloodgateOptions o) {
        URI base = URI.create(o.get(PROCESSOR_URL));
        ServiceTls tls = tls(o);
        ServiceAuth auth = auth(o);
        try {
            tls.context();
            if (auth.isSet()) {
                auth.value();
            }
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(
                    "the processing service's TLS or credential settings cannot be used here: "
                            + e.getMessage(),
                    e);
        }
        // scheme, host, port and path only; the stores by path, the credential by its reference
        LOG.info(
                "Processing service at {}, {}, {}",
                SafeText.endpoint(base),
                tls,
                auth.isSet() ? "credential " + auth : "no credential");
        if (base.getScheme().equalsIgnoreCase("http")) {
            LOG.warn(
                    "--{}: the processing service is called over plain HTTP (customer text in clear)",
                    PROCESSOR_ALLOW_PLAINTEXT.key);
        }
        int batchMax = o.get(FloodgateOptions.PROCESSOR_BATCH_MAX);
        if (batchMax > 1) {
            LOG.info(
                    "Calls coalesced: up to {} events per request to <url>/<channel>/batch, {}"
                            + " requests in flight per channel and subtask",
                    batchMax,
                    o.get(FloodgateOptions.PROCESSOR_REQUESTS_IN_FLIGHT));
        }
        return HttpEventProcessor.forBaseUri(
                        base,
                        o.get(FloodgateOptions.REQUEST_TIMEOUT),
                        o.get(FloodgateOptions.PROCESSOR_VERSION),
                        tls,
                        auth)
                .batching(batchMax, o.get(FloodgateOptions.PROCESSOR_REQUESTS_IN_FLIGHT));
    }
}
