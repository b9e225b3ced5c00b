package dev.floodgate.job;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.job.tools.Reconcile;
import dev.floodgate.job.tools.ReconcileReport;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.sinks.ShedRecordSerializer;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import dev.floodgate.testkit.net.ConcurrencyCountingProxy;
import dev.floodgate.testkit.service.CapacityLimitedService;
import dev.floodgate.testkit.service.ServiceOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lanes under faults (issue 34, "Done when"): the live job with its default lane options (an
 * adaptive in-flight limit, at most 64 voice calls per subtask) but a short breaker and request
 * timeout, as a user may set them ({@code --circuit-open-for 500ms}, doubling while probes fail, at
 * most 8x; {@code --request-timeout 2s}, so a hang opens the circuit a couple of seconds after it
 * starts), on a real broker and a MiniCluster, calm traffic far below the capacity of the {@link
 * CapacityLimitedService} (voice, chat and image from many customers, a share of it {@code high}),
 * the service reached through a {@link ConcurrencyCountingProxy} that counts the calls the service
 * sees at once. In one run the voice service first hangs for 30 s (no answer; held calls dropped at
 * the end), then answers 401 (an expired credential) for 20 s.
 *
 * <p>For each fault, with R the time the service is healthy again and B the breaker's backoff in
 * effect at R (the most it can be: the job's {@code --circuit-open-for} doubled at every probe
 * since the first {@code circuit_open} shed of the fault, at most 8x; the open period itself if the
 * circuit did not open before R; the bounds are computed from the options the job runs with):
 *
 * <ul>
 *   <li>no dead letters (an outage is backlog, not poison);
 *   <li>the voice lane back to normal within 2B after R: no {@code circuit_open} shed later, and a
 *       voice event logged after R processed live by then;
 *   <li>voice {@code high} shed only while the service was down, plus what the breaker needs to see
 *       it back (the next probe starts with the first voice event after the open period, at most B
 *       after R, and events arriving while it is in flight are shed: at most 2B after R); the count
 *       and times of those after R are logged;
 *   <li>chat and image never shed, their p99 age while voice is down within 1 s of the calm one;
 *   <li>the service never sees more voice calls at once than the lanes' ceilings together
 *       (parallelism x max in flight), counted at the proxy, abandoned calls included.
 * </ul>
 *
 * Each fault is watched until R + 2B and then until the breaker of each subtask has shown its state
 * after that bound: a voice event of a customer of that subtask, logged after the bound, processed
 * live (closed) or shed {@code circuit_open} (still shut, a failure); the next fault starts only
 * then, so every output is attributed to one fault by its time. Then the backfill drain of the shed
 * lane and reconcile: every event processed exactly once. Outputs are read {@code read_committed}.
 * Every check is a soft assertion: a failing run reports all of them with their figures; the
 * figures are also logged in one summary line per fault.
 */
@Timeout(value = 7, unit = TimeUnit.MINUTES)
class LaneOutagesITCase {
    private static final Logger LOG = LoggerFactory.getLogger(LaneOutagesITCase.class);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    private static final int PARALLELISM = 2;
    private static final Duration HANG = Duration.ofSeconds(30);
    private static final Duration UNAUTHORIZED = Duration.ofSeconds(20);
    private static final Duration WARM_UP = Duration.ofSeconds(8);

    /** The live job's {@code --circuit-open-for}: the breaker's first open period. */
    private static final String CIRCUIT_OPEN_FOR = "500ms";

    /** The live job's {@code --request-timeout}: a hang opens the circuit after one of these. */
    private static final String REQUEST_TIMEOUT = "2s";

    /**
     * After each fault's bound: the longest wait for every subtask's breaker to show its state (a
     * voice event of one of its customers logged after the bound); not shown by then is logged.
     */
    private static final Duration MAX_MARGIN = Duration.ofSeconds(10);

    /** Calm traffic: 20 events/s, voice 3/s against a voice service of 10 calls/s. */
    private static final double EVENTS_PER_SECOND = 20;

    private static final double VOICE_SHARE = 0.15;
    private static final double IMAGE_SHARE = 0.25;
    private static final double HIGH_SHARE = 0.3;
    private static final int CUSTOMERS = 300;

    /** The breaker's cap: its open period doubles while probes fail, at most 8x. */
    private static final int MAX_BACKOFF = 8;

    /** Chat and image ages may exceed the calm p99 by this much (a loaded 2-core machine). */
    private static final long AGE_SLACK_MS = 1000;

    private static final String VOICE_PATH = "/" + Channel.VOICE.wireName();

    /** One fault and what was measured around it. Times are epoch milliseconds. */
    static final class Fault {
        final String name;
        long start;
        long recovered;
        long end = Long.MAX_VALUE; // the next fault's start, or none
        Long firstCircuitOpen;
        long backoffMs;
        int maxVoiceAtService;
        int maxHeldByService;
        long shownMs = -1; // after the bound, until every subtask's breaker showed its state

        Fault(String name) {
            this.name = name;
        }

        long boundMs() {
            return 2 * backoffMs;
        }

        boolean within(long t) {
            return t >= start && t < end;
        }
    }

    private String bootstrap;
    private FloodgateOptions live;
    private long openForMs;

    @Test
    void theVoiceLaneRecoversFromAHangAndFromExpiredCredentials() throws Exception {
        long testStart = System.nanoTime();
        bootstrap = KAFKA.bootstrapServers();
        SoftAssertions soft = new SoftAssertions();
        try (CapacityLimitedService service =
                        new CapacityLimitedService(ServiceOptions.defaults()).start();
                ConcurrencyCountingProxy proxy =
                        ConcurrencyCountingProxy.start(service.baseUri())) {
            live =
                    options(
                            JobKind.LIVE,
                            proxy,
                            "--circuit-open-for",
                            CIRCUIT_OPEN_FOR,
                            "--request-timeout",
                            REQUEST_TIMEOUT);
            openForMs = live.get(FloodgateOptions.CIRCUIT_OPEN_FOR).toMillis();
            Topics.create(
                    bootstrap,
                    4,
                    Duration.ofDays(1),
                    live.get(FloodgateOptions.INPUT_TOPIC),
                    live.get(FloodgateOptions.PROCESSED_TOPIC),
                    live.get(FloodgateOptions.SHED_TOPIC),
                    live.get(FloodgateOptions.DLQ_TOPIC));
            Topics.createCompacted(bootstrap, live.get(FloodgateOptions.DRAIN_PROGRESS_TOPIC));
            int voiceBudget = PARALLELISM * live.get(FloodgateOptions.MAX_IN_FLIGHT_VOICE);

            Fault hang = new Fault("voice hangs " + HANG.toSeconds() + " s");
            Fault unauthorized = new Fault("voice answers 401 " + UNAUTHORIZED.toSeconds() + " s");
            Traffic traffic = new Traffic(live.get(FloodgateOptions.INPUT_TOPIC));
            JobClient job =
                    FloodgateJob.submit(
                            TestEnvironments.withBoundedRestarts(PARALLELISM, 1000), live);
            long calmFrom;
            try {
                traffic.start();
                awaitFirstOutput();
                calmFrom = System.currentTimeMillis();
                Thread.sleep(WARM_UP.toMillis());

                hang.start = System.currentTimeMillis();
                proxy.resetMax();
                service.hang(Channel.VOICE, HANG);
                watch(hang, HANG, service, proxy);
                LOG.info(
                        "after the hang: service {}, proxy {}",
                        service.statsJson(),
                        proxy.summary());

                unauthorized.start = System.currentTimeMillis();
                hang.end = unauthorized.start;
                proxy.resetMax();
                service.answer(Channel.VOICE, 401, UNAUTHORIZED);
                watch(unauthorized, UNAUTHORIZED, service, proxy);
                traffic.stop();
                LOG.info(
                        "after the 401s: service {}, proxy {}",
                        service.statsJson(),
                        proxy.summary());

                long stopped = System.nanoTime();
                int accounted = awaitAccounted(traffic.sent().size(), Duration.ofSeconds(90));
                soft.assertThat(accounted)
                        .as("live outputs (processed, shed, dead letters) for the events sent")
                        .isGreaterThanOrEqualTo(traffic.sent().size());
                long accountedAt = System.nanoTime();
                job.cancel().get(1, TimeUnit.MINUTES);
                LOG.info(
                        "live outputs accounted for {} ms after the traffic stopped, job cancelled in {} ms",
                        TimeUnit.NANOSECONDS.toMillis(accountedAt - stopped),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - accountedAt));
            } finally {
                traffic.stop();
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    job.cancel();
                }
            }
            Outputs out = Outputs.read(bootstrap, live);

            // the backfill drain of the shed lane, with the service healthy (its own defaults: no
            // circuit, the default request timeout); the live outputs, read above before it
            // writes, are checked while it runs
            long drainStart = System.nanoTime();
            FloodgateOptions drain = options(JobKind.BACKFILL, proxy);
            JobClient drainJob =
                    BackfillJob.submit(
                            TestEnvironments.withBoundedRestarts(PARALLELISM, 1000), drain);

            long calmTo = hang.start;
            Map<Channel, Long> calmP99 = new HashMap<>();
            for (Channel c : List.of(Channel.CHAT, Channel.IMAGE)) {
                calmP99.put(c, p99(out.ages(c, t -> t >= calmFrom && t < calmTo)));
            }
            soft.assertThat(out.deadLetters)
                    .as("dead letters (reasons %s)", out.deadLetterReasons())
                    .isEmpty();
            soft.assertThat(
                            out.shedOf(Channel.CHAT, null).size()
                                    + out.shedOf(Channel.IMAGE, null).size())
                    .as(
                            "chat and image shed (reasons %s)",
                            out.shedReasons(c -> c != Channel.VOICE))
                    .isZero();
            soft.assertThat(out.shedHighVoice(t -> t < hang.start))
                    .as("voice high shed before the first fault")
                    .isEmpty();
            for (Fault f : List.of(hang, unauthorized)) {
                check(f, out, calmP99, voiceBudget, soft);
            }

            // the drain's end, then reconcile
            drainJob.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            long drainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drainStart);
            ReconcileReport report = Reconcile.run(live, EnumSet.of(Lane.LIVE, Lane.BACKFILL));
            LOG.info(
                    "drain of {} shed events took {} ms; {}",
                    out.shed.size(),
                    drainMs,
                    report.render());
            soft.assertThat(report.passed()).as(report.render()).isTrue();
            soft.assertThat(report.processedOnce())
                    .as("events processed exactly once")
                    .isEqualTo(traffic.sent().size());
            LOG.info(
                    "lane outages: {} events sent, {} processed live, {} shed {}, {} dead letters {}, "
                            + "calm p99 age chat {} ms image {} ms; service {}; wall time {} s",
                    traffic.sent().size(),
                    out.processed.size(),
                    out.shed.size(),
                    out.shedReasons(c -> true),
                    out.deadLetters.size(),
                    out.deadLetterReasons(),
                    calmP99.get(Channel.CHAT),
                    calmP99.get(Channel.IMAGE),
                    service.statsJson(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - testStart));
        }
        soft.assertAll();
    }

    private FloodgateOptions options(JobKind kind, ConcurrencyCountingProxy proxy, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--kafka-plaintext",
                                "true",
                                "--bootstrap-servers",
                                bootstrap,
                                "--processor-url",
                                proxy.baseUri().toString(),
                                "--processor-allow-plaintext",
                                "--parallelism",
                                Integer.toString(PARALLELISM),
                                // outputs become visible to read_committed readers at each
                                // checkpoint
                                "--checkpoint-interval",
                                "1s"));
        args.addAll(List.of(more));
        return FloodgateOptions.fromArgs(args.toArray(String[]::new), kind);
    }

    /**
     * Waits out a fault of {@code duration} that started at {@code f.start}, finds the breaker's
     * backoff at recovery from the committed shed lane, watches for twice that, then until every
     * subtask's breaker has shown its state after that bound.
     */
    private void watch(
            Fault f,
            Duration duration,
            CapacityLimitedService service,
            ConcurrencyCountingProxy proxy)
            throws InterruptedException {
        f.recovered = f.start + duration.toMillis();
        sleepUntil(f.recovered + 2_000); // shed records committed at the next checkpoint
        Outputs so = Outputs.read(bootstrap, live, false);
        f.firstCircuitOpen =
                so.shed.stream()
                        .filter(s -> s.event.channel == Channel.VOICE)
                        .filter(s -> "circuit_open".equals(s.reason))
                        .map(s -> s.at)
                        .filter(t -> t >= f.start && t <= f.recovered)
                        .min(Long::compare)
                        .orElse(null);
        f.backoffMs = backoffAt(f.firstCircuitOpen, f.recovered, openForMs);
        long bound = f.recovered + f.boundMs();
        sleepUntil(bound);
        f.shownMs = awaitBreakersShown(bound, bound + MAX_MARGIN.toMillis());
        f.maxVoiceAtService = proxy.maxOutstanding(VOICE_PATH);
        f.maxHeldByService = service.maxHanging(Channel.VOICE);
    }

    /**
     * The longest backoff the breaker can be in at {@code recovered}: open for {@code openForMs} at
     * the first {@code circuit_open} shed, then twice, 4x, 8x that, each probe failing at once
     * (slower probes only shorten it).
     */
    static long backoffAt(Long firstOpen, long recovered, long openForMs) {
        if (firstOpen == null || firstOpen > recovered) {
            return openForMs;
        }
        long t = firstOpen;
        int b = 1;
        while (t + openForMs * b <= recovered) {
            t += openForMs * b;
            b = Math.min(MAX_BACKOFF, b * 2);
        }
        return openForMs * b;
    }

    /**
     * Waits (at most until {@code deadline}) until, for every subtask, a voice event of one of its
     * customers logged at or after {@code bound} has been processed live or shed {@code
     * circuit_open}: its breaker has shown whether it is closed after the bound (a breaker that
     * stays shut sheds it). Returns the ms after the bound until then, -1 if not all showed.
     */
    private long awaitBreakersShown(long bound, long deadline) throws InterruptedException {
        while (true) {
            Outputs out = Outputs.read(bootstrap, live, false);
            boolean[] shown = new boolean[PARALLELISM];
            for (ProcessedEvent p : out.processed) {
                if (p.channel == Channel.VOICE && p.lane == Lane.LIVE && p.logTimestamp >= bound) {
                    shown[subtaskOf(p.customerId)] = true;
                }
            }
            for (Shed s : out.shed) {
                if (s.event.channel == Channel.VOICE
                        && s.reason.equals("circuit_open")
                        && s.event.logTimestamp >= bound) {
                    shown[subtaskOf(s.event.customerId)] = true;
                }
            }
            boolean all = true;
            for (boolean b : shown) {
                all &= b;
            }
            long now = System.currentTimeMillis();
            if (all) {
                return now - bound;
            }
            if (now >= deadline) {
                return -1;
            }
            Thread.sleep(250);
        }
    }

    /** The subtask of the lanes that processes {@code customer}'s events (keyed by customer). */
    private static int subtaskOf(String customer) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                customer, FloodgateJob.MAX_PARALLELISM, PARALLELISM);
    }

    private void check(
            Fault f,
            Outputs out,
            Map<Channel, Long> calmP99,
            int voiceBudget,
            SoftAssertions soft) {
        long r = f.recovered;
        long bound = r + f.boundMs();
        List<Shed> voiceShed = out.shed(s -> s.event.channel == Channel.VOICE && f.within(s.at));
        Map<String, Long> reasons =
                voiceShed.stream()
                        .collect(
                                Collectors.groupingBy(
                                        s -> s.reason, TreeMap::new, Collectors.counting()));
        List<Long> circuitOpenAfterR =
                voiceShed.stream()
                        .filter(s -> s.reason.equals("circuit_open") && s.at > r)
                        .map(s -> s.at - r)
                        .sorted()
                        .toList();
        List<Shed> high = out.shedHighVoice(f::within);
        List<Long> highAfterR =
                high.stream().filter(s -> s.at > r).map(s -> s.at - r).sorted().toList();
        Map<String, Long> highReasons =
                high.stream()
                        .collect(
                                Collectors.groupingBy(
                                        s -> s.reason, TreeMap::new, Collectors.counting()));
        List<DeadLetter> dead = out.deadLetters.stream().filter(d -> f.within(d.failedAt)).toList();
        Long firstLiveVoice =
                out.processed.stream()
                        .filter(p -> p.channel == Channel.VOICE && p.lane == Lane.LIVE)
                        .filter(p -> p.logTimestamp >= r && p.logTimestamp < f.end)
                        .map(p -> p.processedAt - r)
                        .min(Long::compare)
                        .orElse(null);
        long voiceLive =
                out.processed.stream()
                        .filter(p -> p.channel == Channel.VOICE && f.within(p.logTimestamp))
                        .count();
        Map<Channel, Long> p99 = new HashMap<>();
        for (Channel c : List.of(Channel.CHAT, Channel.IMAGE)) {
            p99.put(c, p99(out.ages(c, t -> t >= f.start && t < Math.min(bound, f.end))));
        }
        LOG.info(
                "fault '{}': recovered at +{} s, first circuit_open at {}, backoff at recovery {} s, "
                        + "bound 2x = {} s; voice shed {}; circuit_open after recovery: {} (ms after it: {}); "
                        + "voice high shed {} {}, after recovery {} (ms after it: {}); first voice logged after "
                        + "recovery processed live {} ms after it; voice processed live {}; dead letters {}; "
                        + "p99 age chat {} ms image {} ms (calm {} / {}); max voice calls at the service {} "
                        + "(budget {}), held by the hang at once {}; every subtask's breaker shown "
                        + "{} ms after the bound",
                f.name,
                (r - f.start) / 1000,
                f.firstCircuitOpen == null ? "none" : "+" + (f.firstCircuitOpen - f.start) + " ms",
                f.backoffMs / 1000,
                f.boundMs() / 1000,
                reasons,
                circuitOpenAfterR.size(),
                circuitOpenAfterR,
                high.size(),
                highReasons,
                highAfterR.size(),
                highAfterR,
                firstLiveVoice,
                voiceLive,
                dead.size(),
                p99.get(Channel.CHAT),
                p99.get(Channel.IMAGE),
                calmP99.get(Channel.CHAT),
                calmP99.get(Channel.IMAGE),
                f.maxVoiceAtService,
                voiceBudget,
                f.maxHeldByService,
                f.shownMs < 0 ? "not (" + MAX_MARGIN.toMillis() + " ms waited)" : f.shownMs);

        soft.assertThat(dead)
                .as(
                        "%s: dead letters (%s)",
                        f.name, dead.stream().limit(3).map(d -> d.reason + " " + d.error).toList())
                .isEmpty();
        soft.assertThat(circuitOpenAfterR)
                .as(
                        "%s: ms after recovery of the voice circuit_open sheds (none later than 2x the backoff, %d ms)",
                        f.name, f.boundMs())
                .noneMatch(t -> t > f.boundMs());
        soft.assertThat(firstLiveVoice)
                .as(
                        "%s: ms after recovery until a voice event logged after it was processed live (at most %d)",
                        f.name, f.boundMs())
                .isNotNull()
                .isLessThanOrEqualTo(f.boundMs());
        // The next probe starts with the first voice event after the open period (at most B after
        // R) and events arriving while it is in flight are shed: what the breaker needs to see the
        // service back is bounded by the lane's own bound, 2B, not by B.
        soft.assertThat(highAfterR)
                .as(
                        "%s: ms after recovery of the voice high sheds (only while the breaker has not seen the service back: at most 2x the backoff, %d ms)",
                        f.name, f.boundMs())
                .noneMatch(t -> t > f.boundMs());
        soft.assertThat(highReasons.keySet())
                .as("%s: reasons of the voice high sheds", f.name)
                .isSubsetOf("circuit_open", "service_unavailable");
        for (Channel c : List.of(Channel.CHAT, Channel.IMAGE)) {
            soft.assertThat(p99.get(c))
                    .as(
                            "%s: p99 age of %s while voice is down (calm %d ms)",
                            f.name, c.wireName(), calmP99.get(c))
                    .isLessThanOrEqualTo(calmP99.get(c) + AGE_SLACK_MS);
        }
        soft.assertThat(f.maxVoiceAtService)
                .as("%s: voice calls at the service at once (the lanes' budgets together)", f.name)
                .isLessThanOrEqualTo(voiceBudget);
    }

    private void awaitFirstOutput() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (KafkaIO.readCommitted(bootstrap, live.get(FloodgateOptions.PROCESSED_TOPIC))
                .isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the live job processed nothing within 60 s");
            }
            Thread.sleep(250);
        }
    }

    /**
     * Waits until the live outputs hold a record for each event sent; returns how many they hold.
     */
    private int awaitAccounted(int sent, Duration within) throws InterruptedException {
        long deadline = System.currentTimeMillis() + within.toMillis();
        int n;
        while ((n = countOutputs()) < sent && System.currentTimeMillis() < deadline) {
            Thread.sleep(250);
        }
        return n;
    }

    private int countOutputs() {
        int n = 0;
        for (String topic :
                List.of(
                        live.get(FloodgateOptions.PROCESSED_TOPIC),
                        live.get(FloodgateOptions.SHED_TOPIC),
                        live.get(FloodgateOptions.DLQ_TOPIC))) {
            n += KafkaIO.readCommitted(bootstrap, topic).size();
        }
        return n;
    }

    private static void sleepUntil(long epochMillis) throws InterruptedException {
        long left;
        while ((left = epochMillis - System.currentTimeMillis()) > 0) {
            Thread.sleep(Math.min(left, 500));
        }
    }

    /** Nearest-rank p99 of the values; 0 when none. */
    private static long p99(List<Long> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.max(0, (int) Math.ceil(0.99 * sorted.size()) - 1));
    }

    /** A shed record: its event, reason and when it was written (the record's timestamp). */
    record Shed(Interaction event, String reason, long at) {}

    /** The live job's committed outputs. */
    static final class Outputs {
        final List<ProcessedEvent> processed = new ArrayList<>();
        final List<Shed> shed = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();

        static Outputs read(String bootstrap, FloodgateOptions o) {
            return read(bootstrap, o, true);
        }

        /** The processed and shed outputs, and the dead letters if {@code withDeadLetters}. */
        static Outputs read(String bootstrap, FloodgateOptions o, boolean withDeadLetters) {
            Outputs out = new Outputs();
            try {
                for (ConsumerRecord<byte[], byte[]> r :
                        KafkaIO.readCommitted(bootstrap, o.get(FloodgateOptions.PROCESSED_TOPIC))) {
                    out.processed.add(OutputCodec.readProcessed(r.value()));
                }
                for (ConsumerRecord<byte[], byte[]> r :
                        KafkaIO.readCommitted(bootstrap, o.get(FloodgateOptions.SHED_TOPIC))) {
                    var h = r.headers().lastHeader(ShedRecordSerializer.HEADER_SHED_REASON);
                    out.shed.add(
                            new Shed(
                                    InteractionRecords.read(r),
                                    h == null
                                            ? "none"
                                            : new String(h.value(), StandardCharsets.UTF_8),
                                    r.timestamp()));
                }
                if (withDeadLetters) {
                    for (ConsumerRecord<byte[], byte[]> r :
                            KafkaIO.readCommitted(bootstrap, o.get(FloodgateOptions.DLQ_TOPIC))) {
                        out.deadLetters.add(OutputCodec.readDeadLetter(r.value()));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the live job's outputs", e);
            }
            return out;
        }

        List<Shed> shed(Predicate<Shed> which) {
            return shed.stream().filter(which).toList();
        }

        List<Shed> shedOf(Channel channel, Priority priority) {
            return shed(
                    s ->
                            s.event.channel == channel
                                    && (priority == null || s.event.priority == priority));
        }

        List<Shed> shedHighVoice(Predicate<Long> at) {
            return shed(
                    s ->
                            s.event.channel == Channel.VOICE
                                    && s.event.priority == Priority.HIGH
                                    && at.test(s.at));
        }

        Map<String, Long> shedReasons(Predicate<Channel> channels) {
            return shed.stream()
                    .filter(s -> channels.test(s.event.channel))
                    .collect(
                            Collectors.groupingBy(
                                    s -> s.event.channel.wireName() + "/" + s.reason,
                                    TreeMap::new,
                                    Collectors.counting()));
        }

        Map<String, Long> deadLetterReasons() {
            return deadLetters.stream()
                    .collect(
                            Collectors.groupingBy(
                                    d -> String.valueOf(d.reason),
                                    TreeMap::new,
                                    Collectors.counting()));
        }

        /**
         * Ages at processing (ms) of {@code channel}'s events logged at a time {@code when} takes.
         */
        List<Long> ages(Channel channel, Predicate<Long> when) {
            return processed.stream()
                    .filter(p -> p.channel == channel && when.test(p.logTimestamp))
                    .map(ProcessedEvent::ageMillis)
                    .toList();
        }
    }

    /**
     * Calm traffic on its own thread: {@value #EVENTS_PER_SECOND} events/s from {@value #CUSTOMERS}
     * customers, each customer's seqs in order; voice, image and chat in fixed shares, a share of
     * each {@code high}.
     */
    private final class Traffic {
        private final String topic;
        private final List<Interaction> sent = Collections.synchronizedList(new ArrayList<>());
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private volatile boolean stopped;
        private Thread thread;

        Traffic(String topic) {
            this.topic = topic;
        }

        void start() {
            thread = new Thread(this::run, "calm-traffic");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            Random random = new Random(34);
            Map<String, Long> seqs = new HashMap<>();
            long nanosPerEvent = (long) (1e9 / EVENTS_PER_SECOND);
            try (KafkaProducer<byte[], byte[]> producer = KafkaIO.producer(bootstrap)) {
                long next = System.nanoTime();
                while (!stopped) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                        continue;
                    }
                    next += nanosPerEvent;
                    String customer = "c" + random.nextInt(CUSTOMERS);
                    double x = random.nextDouble();
                    Channel channel =
                            x < VOICE_SHARE
                                    ? Channel.VOICE
                                    : x < VOICE_SHARE + IMAGE_SHARE ? Channel.IMAGE : Channel.CHAT;
                    Priority priority =
                            random.nextDouble() < HIGH_SHARE
                                    ? Priority.HIGH
                                    : random.nextBoolean() ? Priority.NORMAL : Priority.LOW;
                    Interaction in =
                            InteractionRecords.event(
                                    customer,
                                    seqs.merge(customer, 1L, Long::sum),
                                    channel,
                                    priority,
                                    System.currentTimeMillis());
                    producer.send(
                            InteractionRecords.record(topic, in),
                            (meta, error) -> {
                                if (error != null) {
                                    failure.compareAndSet(null, error);
                                }
                            });
                    sent.add(in);
                }
                producer.flush();
            }
        }

        void stop() throws InterruptedException {
            stopped = true;
            if (thread != null) {
                thread.join(10_000);
            }
            if (failure.get() != null) {
                throw new IllegalStateException("an event was not written", failure.get());
            }
        }

        List<Interaction> sent() {
            return sent;
        }
    }
}
