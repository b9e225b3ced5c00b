package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.testing.TestEnvironments;
import dev.floodgate.job.tools.Reconcile;
import dev.floodgate.job.tools.ReconcileReport;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.sinks.ExactlyOnceKafkaSinks;
import dev.floodgate.sinks.ShedRecordSerializer;
import dev.floodgate.sources.InteractionLogSource;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaBroker;
import dev.floodgate.testkit.kafka.KafkaIO;
import dev.floodgate.testkit.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two gateways write one customer's events: out of order (neighbours swapped, short runs shuffled)
 * and some of them twice. The live job restores each customer's order and drops the redeliveries:
 * the processed topic, read {@code read_committed}, holds every event once, in seq order per
 * customer. And issue 29's stream (producers whose clocks disagree, that restart their sequence,
 * with and without {@code seq_epoch}): nothing is lost, nothing goes late, nothing comes out twice.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OrderingITCase {
    private static final int CUSTOMERS = 150;
    private static final int EVENTS_PER_CUSTOMER = 20;
    private static final Logger LOG = LoggerFactory.getLogger(OrderingITCase.class);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestEnvironments.miniCluster();

    @Test
    void outOfOrderAndRedeliveredEventsComeOutInOrderExactlyOnce() throws Exception {
        String bootstrap = KAFKA.bootstrapServers();
        Topics.create(
                bootstrap,
                4,
                Duration.ofDays(1),
                "o.interactions",
                "o.processed",
                "o.shed",
                "o.dlq");
        Random random = new Random(5);
        Map<String, List<Interaction>> byCustomer = new LinkedHashMap<>();
        List<ProducerRecord<byte[], byte[]>> gatewayA = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> gatewayB = new ArrayList<>();
        int duplicates = 0;
        for (int c = 0; c < CUSTOMERS; c++) {
            String customer = "cust-" + c;
            List<Interaction> events = new ArrayList<>();
            for (long seq = 1; seq <= EVENTS_PER_CUSTOMER; seq++) {
                events.add(
                        InteractionRecords.event(
                                customer,
                                seq,
                                Channel.values()[random.nextInt(3)],
                                Priority.NORMAL,
                                System.currentTimeMillis()));
            }
            byCustomer.put(customer, events);
            List<Interaction> arrival = new ArrayList<>(events);
            for (int i = 0; i + 3 <= arrival.size(); i += 3) {
                Collections.shuffle(
                        arrival.subList(i, i + 3), random); // short runs arrive shuffled
            }
            for (Interaction in : arrival) {
                // each event goes through one gateway; about 10% are redelivered by the other one
                // later
                (random.nextBoolean() ? gatewayA : gatewayB)
                        .add(InteractionRecords.record("o.interactions", in));
                if (random.nextDouble() < 0.1) {
                    (random.nextBoolean() ? gatewayA : gatewayB)
                            .add(InteractionRecords.record("o.interactions", in));
                    duplicates++;
                }
            }
        }
        assertThat(duplicates).isPositive();
        Thread a = new Thread(() -> KafkaIO.produce(bootstrap, gatewayA));
        Thread b = new Thread(() -> KafkaIO.produce(bootstrap, gatewayB));
        a.start();
        b.start();
        a.join();
        b.join();

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        ExactlyOnceKafkaSinks sinks =
                new ExactlyOnceKafkaSinks(bootstrap, "ordering", Duration.ofMinutes(5));
        FloodgateJob.defineWorkflow(
                env,
                InteractionLogSource.toEndOffsets(
                        bootstrap, "o.interactions", "ordering", "earliest", Duration.ofDays(1)),
                new JobSinks(
                        sinks.processed("o.processed"),
                        sinks.shed("o.shed"),
                        sinks.deadLetters("o.dlq", "all"),
                        null),
                Pipeline.defaults().withShedPolicy(ShedPolicy.none()));
        env.execute("ordering");

        Map<String, List<Long>> seqs = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(bootstrap, "o.processed")) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            seqs.computeIfAbsent(p.customerId, k -> new ArrayList<>()).add(p.seq);
        }
        List<Long> expected =
                LongStream.rangeClosed(1, EVENTS_PER_CUSTOMER).boxed().collect(Collectors.toList());
        assertThat(seqs).hasSize(CUSTOMERS);
        seqs.forEach(
                (customer, got) -> assertThat(got).as("seqs of %s", customer).isEqualTo(expected));
        assertThat(KafkaIO.readCommitted(bootstrap, "o.dlq")).isEmpty();
    }

    /**
     * Issue 29's stream, as a new user's producers wrote it, end to end: 290 ordinary customers (20
     * events each, a few neighbours swapped, {@code occurred_at} anywhere in a ten-minute window of
     * a producer clock of their own: a voice call is logged after it ended with its start time, the
     * chats during it before it), 5 whose producer restarts its seq at 1 with new ids and its clock
     * 1 s behind the old sequence's (no epoch), 5 with {@code seq_epoch} whose epoch 1's last event
     * is written after epoch 2's first (its seq 2, written before its seq 1), and redelivered
     * copies right after their original and at the very end. There is no real gap, so nothing may
     * go late: every event is processed exactly once, in seq order per customer, sequence and
     * channel, and reconcile agrees.
     */
    @Test
    void producersWhoseClocksDisagreeAndWhoRestartLoseNothingAndShedNothing() throws Exception {
        long started = System.nanoTime();
        String bootstrap = KAFKA.bootstrapServers();
        String in = "o29.interactions";
        String processed = "o29.processed";
        String shed = "o29.shed";
        String dlq = "o29.dlq";
        Topics.create(bootstrap, 4, Duration.ofDays(1), in, processed, shed, dlq);
        Issue29Stream stream = new Issue29Stream(in, new Random(29), System.currentTimeMillis());
        ExecutorService gateways = Executors.newFixedThreadPool(2);
        try {
            Future<?> a = gateways.submit(() -> KafkaIO.produce(bootstrap, stream.gatewayA));
            Future<?> b = gateways.submit(() -> KafkaIO.produce(bootstrap, stream.gatewayB));
            a.get(1, TimeUnit.MINUTES);
            b.get(1, TimeUnit.MINUTES);
        } finally {
            gateways.shutdownNow();
        }
        KafkaIO.produce(bootstrap, stream.atTheEnd); // late redeliveries, after everything else

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        ExactlyOnceKafkaSinks sinks =
                new ExactlyOnceKafkaSinks(bootstrap, "ordering-29", Duration.ofMinutes(5));
        FloodgateJob.defineWorkflow(
                env,
                InteractionLogSource.toEndOffsets(
                        bootstrap, in, "ordering-29", "earliest", Duration.ofDays(1)),
                new JobSinks(
                        sinks.processed(processed),
                        sinks.shed(shed),
                        sinks.deadLetters(dlq, "all"),
                        null),
                Pipeline.defaults().withShedPolicy(ShedPolicy.none()));
        long jobStarted = System.nanoTime();
        env.execute("ordering, issue 29");
        long jobMillis = (System.nanoTime() - jobStarted) / 1_000_000;

        List<ProcessedEvent> results = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(bootstrap, processed)) {
            results.add(OutputCodec.readProcessed(r.value()));
        }
        List<Interaction> shedEvents = new ArrayList<>();
        List<String> shedReasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(bootstrap, shed)) {
            Header reason = r.headers().lastHeader(ShedRecordSerializer.HEADER_SHED_REASON);
            shedReasons.add(
                    reason == null ? "none" : new String(reason.value(), StandardCharsets.UTF_8));
            shedEvents.add(InteractionRecords.read(r));
        }
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaIO.readCommitted(bootstrap, dlq);
        LOG.info(
                "issue 29: sent {} distinct events ({} customers, {} copies right after, {} at the"
                        + " end); processed {}, shed {} {}, dead letters {}; job {} ms",
                stream.sent.size(),
                stream.customers,
                stream.copiesRightAfter,
                stream.atTheEnd.size(),
                results.size(),
                shedEvents.size(),
                shedReasons.stream()
                        .collect(
                                Collectors.groupingBy(r -> r, TreeMap::new, Collectors.counting())),
                deadLetters.size(),
                jobMillis);

        // (1) every event sent is in processed or shed, once, and nothing else is
        Map<String, List<String>> whereOut = new HashMap<>();
        results.forEach(
                p -> whereOut.computeIfAbsent(p.eventId, k -> new ArrayList<>()).add("processed"));
        shedEvents.forEach(
                s -> whereOut.computeIfAbsent(s.eventId, k -> new ArrayList<>()).add("shed"));
        List<String> twice = new ArrayList<>();
        whereOut.forEach(
                (id, where) -> {
                    if (where.size() > 1) {
                        twice.add(stream.describe(id) + " " + where);
                    }
                });
        List<String> missing = new ArrayList<>();
        stream.sent.keySet().stream()
                .filter(id -> !whereOut.containsKey(id))
                .forEach(id -> missing.add(stream.describe(id)));
        Set<String> notSent = new HashSet<>(whereOut.keySet());
        notSent.removeAll(stream.sent.keySet());
        assertThat(twice).as("event ids out more than once (processed and shed)").isEmpty();
        assertThat(missing).as("events in neither processed nor shed").isEmpty();
        assertThat(notSent).as("event ids out that were never sent").isEmpty();

        // (2) no real gap in this stream: nothing is late, nothing is shed
        List<String> shedDescribed = new ArrayList<>();
        for (int i = 0; i < shedEvents.size(); i++) {
            shedDescribed.add(
                    stream.describe(shedEvents.get(i).eventId) + " " + shedReasons.get(i));
        }
        assertThat(shedDescribed).as("shed records").isEmpty();

        // (3) per customer, sequence and channel the processed seqs rise strictly, and each
        // result is its event's (seq and seq_epoch)
        Map<String, List<Long>> seqs = new TreeMap<>();
        List<String> notTheirEvent = new ArrayList<>();
        for (ProcessedEvent p : results) {
            Interaction sent = stream.sent.get(p.eventId);
            if (sent.seq != p.seq || sent.seqEpoch != p.seqEpoch) {
                notTheirEvent.add(stream.describe(p.eventId) + " came out as " + p);
            }
            seqs.computeIfAbsent(
                            p.customerId + " " + stream.sequenceOf.get(p.eventId) + " " + p.channel,
                            k -> new ArrayList<>())
                    .add(p.seq);
        }
        assertThat(notTheirEvent).isEmpty();
        List<String> outOfOrder = new ArrayList<>();
        seqs.forEach(
                (key, got) -> {
                    for (int i = 1; i < got.size(); i++) {
                        if (got.get(i) <= got.get(i - 1)) {
                            outOfOrder.add(key + ": " + got);
                            break;
                        }
                    }
                });
        assertThat(outOfOrder).as("customer, sequence, channel: seqs in output order").isEmpty();

        // (4) nothing is a dead letter
        assertThat(deadLetters).isEmpty();

        // and reconcile, from the topics alone: every valid input event processed once, live
        ReconcileReport report =
                Reconcile.run(
                        FloodgateOptions.fromArgs(
                                new String[] {
                                    "--dry-run",
                                    "true",
                                    "--bootstrap-servers",
                                    bootstrap,
                                    "--input-topic",
                                    in,
                                    "--processed-topic",
                                    processed,
                                    "--shed-topic",
                                    shed,
                                    "--dlq-topic",
                                    dlq
                                },
                                JobKind.LIVE),
                        EnumSet.of(Lane.LIVE));
        assertThat(report.passed()).as(report.render()).isTrue();
        assertThat(report.validEvents()).isEqualTo(stream.sent.size());
        assertThat(report.processedOnce()).isEqualTo(stream.sent.size());
        assertThat(report.redeliveries())
                .isEqualTo(stream.copiesRightAfter + stream.atTheEnd.size());
        LOG.info("issue 29: passed in {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Issue 29's input. Each customer is written by one of the two gateways, customers interleaved
     * at random, so a customer's events reach the log exactly in the order built here; a copy
     * repeats its original's bytes.
     */
    private static final class Issue29Stream {
        private static final int ORDINARY = 290;
        private static final int ORDINARY_EVENTS = 20;
        private static final int RESTARTING = 5;
        private static final int RESTART_EVENTS = 15;
        private static final int WITH_EPOCHS = 5;
        private static final int EPOCH_EVENTS = 10;
        private static final long STEP = 100; // ms between a special producer's events

        final int customers = ORDINARY + RESTARTING + WITH_EPOCHS;

        /** Every distinct event sent, by id. */
        final Map<String, Interaction> sent = new LinkedHashMap<>();

        /** The sequence each event belongs to: {@code g1}, {@code g2} (restart), {@code e1}... */
        final Map<String, String> sequenceOf = new HashMap<>();

        final List<ProducerRecord<byte[], byte[]>> gatewayA = new ArrayList<>();
        final List<ProducerRecord<byte[], byte[]>> gatewayB = new ArrayList<>();
        final List<ProducerRecord<byte[], byte[]>> atTheEnd = new ArrayList<>();
        int copiesRightAfter;

        private final String topic;
        private final Random random;
        private final Map<String, ProducerRecord<byte[], byte[]>> records = new HashMap<>();
        private final Set<String> redeliverLate = new HashSet<>();

        Issue29Stream(String topic, Random random, long now) {
            this.topic = topic;
            this.random = random;
            List<Deque<Interaction>> a = new ArrayList<>();
            List<Deque<Interaction>> b = new ArrayList<>();
            for (int c = 0; c < customers; c++) {
                List<Interaction> written;
                if (c < ORDINARY) {
                    written = ordinary("i29-" + c, now);
                } else if (c < ORDINARY + RESTARTING) {
                    written = restarting("i29-restart-" + c, now);
                } else {
                    written = withEpochs("i29-epoch-" + c, now);
                }
                (c % 2 == 0 ? a : b).add(new ArrayDeque<>(written));
            }
            interleave(a, gatewayA);
            interleave(b, gatewayB);
            for (String id : sent.keySet()) {
                if (redeliverLate.contains(id) || random.nextDouble() < 0.03) {
                    atTheEnd.add(copy(id));
                }
            }
            Collections.shuffle(atTheEnd, random);
        }

        /** Seqs 1..20 in order but for a few swapped neighbours; occurred_at unrelated to seq. */
        private List<Interaction> ordinary(String customer, long now) {
            long clock = now - Duration.ofHours(1).toMillis() + random.nextInt(600_000) - 300_000;
            List<Interaction> events = new ArrayList<>();
            for (long seq = 1; seq <= ORDINARY_EVENTS; seq++) {
                events.add(add(event(customer, seq, clock + random.nextInt(600_000)), "g1"));
            }
            swapSomeNeighbours(events, 0, events.size());
            return events;
        }

        /**
         * Seqs 1..15, then the producer starts over (seq 1..15, new ids, no epoch) with its clock 1
         * s behind the old sequence's: most of the new sequence "occurred" before the old one's
         * end. The new seq 1 comes first of its sequence; no event crosses the restart.
         */
        private List<Interaction> restarting(String customer, long now) {
            long clock = now - Duration.ofMinutes(30).toMillis();
            List<Interaction> first = new ArrayList<>();
            List<Interaction> second = new ArrayList<>();
            for (long seq = 1; seq <= RESTART_EVENTS; seq++) {
                first.add(add(event(customer, seq, clock + seq * STEP), "g1"));
            }
            long behind = clock + RESTART_EVENTS * STEP - 1_000;
            for (long seq = 1; seq <= RESTART_EVENTS; seq++) {
                second.add(add(event(customer, seq, behind + seq * STEP), "g2"));
            }
            redeliverLate.add(first.get(0).eventId);
            redeliverLate.add(first.get(RESTART_EVENTS - 1).eventId);
            redeliverLate.add(second.get(0).eventId);
            swapSomeNeighbours(first, 0, first.size());
            swapSomeNeighbours(second, 1, second.size());
            List<Interaction> written = new ArrayList<>(first);
            written.addAll(second);
            return written;
        }

        /**
         * Epoch 1 seqs 1..10, epoch 2 seqs 1..10 (its clock 1 s behind), written: epoch 1's 1..9,
         * epoch 2's 2, epoch 1's 10 (a neighbour swapped across the restart), epoch 2's 1, 3..10.
         */
        private List<Interaction> withEpochs(String customer, long now) {
            long clock = now - Duration.ofMinutes(20).toMillis();
            List<Interaction> first = new ArrayList<>();
            List<Interaction> second = new ArrayList<>();
            for (long seq = 1; seq <= EPOCH_EVENTS; seq++) {
                first.add(
                        add(
                                InteractionRecords.withSeqEpoch(
                                        event(customer, seq, clock + seq * STEP), 1),
                                "e1"));
            }
            long behind = clock + EPOCH_EVENTS * STEP - 1_000;
            for (long seq = 1; seq <= EPOCH_EVENTS; seq++) {
                second.add(
                        add(
                                InteractionRecords.withSeqEpoch(
                                        event(customer, seq, behind + seq * STEP), 2),
                                "e2"));
            }
            Interaction lastOfFirst = first.get(EPOCH_EVENTS - 1);
            redeliverLate.add(first.get(0).eventId);
            redeliverLate.add(lastOfFirst.eventId);
            redeliverLate.add(second.get(1).eventId);
            List<Interaction> written = new ArrayList<>(first.subList(0, EPOCH_EVENTS - 1));
            swapSomeNeighbours(written, 0, written.size());
            written.add(second.get(1));
            written.add(lastOfFirst);
            written.add(second.get(0));
            List<Interaction> rest = new ArrayList<>(second.subList(2, EPOCH_EVENTS));
            swapSomeNeighbours(rest, 0, rest.size());
            written.addAll(rest);
            return written;
        }

        private Interaction event(String customer, long seq, long occurredAt) {
            return InteractionRecords.event(
                    customer,
                    seq,
                    Channel.values()[random.nextInt(Channel.values().length)],
                    Priority.values()[random.nextInt(Priority.values().length)],
                    occurredAt);
        }

        private Interaction add(Interaction in, String sequence) {
            sent.put(in.eventId, in);
            sequenceOf.put(in.eventId, sequence);
            records.put(in.eventId, InteractionRecords.record(topic, in));
            return in;
        }

        /** Swaps about one neighbour pair in eight within [from, to); no event moves twice. */
        private void swapSomeNeighbours(List<Interaction> events, int from, int to) {
            for (int i = from; i + 1 < to; i++) {
                if (random.nextInt(8) == 0) {
                    Collections.swap(events, i, i + 1);
                    i++;
                }
            }
        }

        /** One gateway's writes: its customers interleaved at random, each in its own order. */
        private void interleave(
                List<Deque<Interaction>> customers, List<ProducerRecord<byte[], byte[]>> out) {
            List<Deque<Interaction>> left = new ArrayList<>(customers);
            while (!left.isEmpty()) {
                int i = random.nextInt(left.size());
                Interaction next = left.get(i).poll();
                out.add(records.get(next.eventId));
                if (random.nextInt(20) == 0) {
                    out.add(copy(next.eventId)); // redelivered right away
                    copiesRightAfter++;
                }
                if (left.get(i).isEmpty()) {
                    left.set(i, left.get(left.size() - 1));
                    left.remove(left.size() - 1);
                }
            }
        }

        /** A redelivery: the same key and value bytes as the original record. */
        private ProducerRecord<byte[], byte[]> copy(String eventId) {
            ProducerRecord<byte[], byte[]> original = records.get(eventId);
            return new ProducerRecord<>(topic, original.key(), original.value());
        }

        String describe(String eventId) {
            Interaction in = sent.get(eventId);
            return in == null
                    ? "unknown " + eventId
                    : in.customerId
                            + " "
                            + sequenceOf.get(eventId)
                            + "#"
                            + in.seq
                            + " "
                            + in.channel
                            + " "
                            + eventId;
        }
    }
}
