package dev.floodgate.job.tools;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.InvalidRecordException;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.job.tools.ReconcileReport.Problem;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.sources.CommittedRecords;
import dev.floodgate.sources.TopicScan;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves the pipeline's promise from the topics alone: every valid input event was processed
 * exactly once across the counted lanes, and every invalid input record is in the dead-letter
 * topic. Streams each topic once with {@code read_committed} (input, processed, dead letters, shed)
 * to the end offsets taken when it starts reading it, keeping per distinct event id only an {@link
 * EventTable} slot, so memory grows by about 40 bytes per event and never with record sizes. An
 * event is identified by its id and recognised by its content: a copy with the same content is a
 * redelivery, a different event with the same id is reported. The ids of missing events are known
 * only at the end: a second pass over the input collects the first few.
 */
public final class Reconcile {
    /** How long a topic may not advance before reconcile gives up on it. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(Reconcile.class);

    private final FloodgateOptions options;
    private final Set<Lane> lanes;
    private final Duration idleTimeout;
    private final Consumer<String> progress;
    private final Properties client;
    private final EventFingerprint fingerprint = new EventFingerprint();
    private final long[] key = new long[2];
    private final PositionSet invalid = new PositionSet();
    private final Map<String, Long> byLane = new TreeMap<>();
    private final Samples idShared = new Samples();
    private final Samples duplicated = new Samples();
    private final Samples mismatched = new Samples();
    private final Samples notInInput = new Samples();
    private final Samples processingFailed = new Samples();
    private final Samples shedNotDrained = new Samples();
    private final Samples missing = new Samples();
    private EventTable table;
    private Map<Integer, Long> inputEnd;
    private long redeliveries;

    private Reconcile(
            FloodgateOptions options,
            Set<Lane> lanes,
            Duration idleTimeout,
            Consumer<String> progress) {
        this.options = options;
        this.lanes = lanes;
        this.idleTimeout = idleTimeout;
        this.progress = progress;
        this.client =
                CommittedRecords.clientProperties(
                        options.get(FloodgateOptions.BOOTSTRAP_SERVERS),
                        KafkaClientConfig.from(options).clientProperties());
    }

    /** Reconciles the topics named in {@code options}, counting the given lanes as processing. */
    public static ReconcileReport run(FloodgateOptions options, Set<Lane> lanes)
            throws IOException {
        return run(options, lanes, DEFAULT_IDLE_TIMEOUT, LOG::info);
    }

    /** The same, with the idle time per topic and a receiver of progress lines (every ~5 s). */
    public static ReconcileReport run(
            FloodgateOptions options,
            Set<Lane> lanes,
            Duration idleTimeout,
            Consumer<String> progress)
            throws IOException {
        return new Reconcile(options, lanes, idleTimeout, progress).reconcile();
    }

    private ReconcileReport reconcile() throws IOException {
        String input = options.get(FloodgateOptions.INPUT_TOPIC);
        int maxBytes = options.get(FloodgateOptions.MAX_RECORD_BYTES);
        scan(input, null, r -> readInput(r, maxBytes));
        scan(options.get(FloodgateOptions.PROCESSED_TOPIC), null, this::readProcessed);
        scan(options.get(FloodgateOptions.DLQ_TOPIC), null, r -> readDeadLetter(r, input));
        scan(options.get(FloodgateOptions.SHED_TOPIC), null, this::readShed);
        long[] n = tally();
        if (missing.count > 0) {
            scan(input, inputEnd, r -> findMissing(r, maxBytes));
        }
        long valid = table.size();
        return new ReconcileReport(
                valid,
                redeliveries,
                invalid.size(),
                n[0],
                processingFailed.problem(n[1]),
                missing.problem(n[2]),
                shedNotDrained.problem(n[3]),
                duplicated.problem(n[4]),
                idShared.problem(n[5]),
                mismatched.problem(n[6]),
                notInInput.problem(notInInput.count),
                new Problem(invalid.unmarkedCount(), invalid.unmarked(input, Problem.SHOWN)),
                byLane);
    }

    private boolean readInput(ConsumerRecord<byte[], byte[]> r, int maxBytes) {
        Interaction in;
        try {
            in = InteractionCodec.parse(raw(r), maxBytes);
        } catch (InvalidRecordException e) {
            invalid.add(r.partition(), r.offset());
            return true;
        }
        fingerprint.id(in.eventId, key);
        long content = fingerprint.content(in);
        int slot =
                table.add(
                        key[0],
                        key[1],
                        content,
                        fingerprint.header(
                                in.customerId, in.seq, in.channel, in.priority, in.occurredAt));
        if (slot >= 0) {
            if (table.content(slot) == content) {
                redeliveries++;
            } else if (table.flag(slot, EventTable.ID_SHARED)) {
                idShared.offer(in.eventId);
            }
        }
        return true;
    }

    private boolean readProcessed(ConsumerRecord<byte[], byte[]> r) throws IOException {
        ProcessedEvent p = OutputCodec.readProcessed(r.value());
        if (!lanes.contains(p.lane)) {
            return true;
        }
        byLane.merge(p.lane.wireName(), 1L, Long::sum);
        int slot = slotOf(p.eventId);
        if (slot < 0) {
            notInInput.count++;
            notInInput.offer(p.eventId);
            return true;
        }
        boolean shared = table.has(slot, EventTable.ID_SHARED);
        if (table.countProcessed(slot) == 2 && !shared) {
            duplicated.offer(p.eventId);
        }
        int header = fingerprint.header(p.customerId, p.seq, p.channel, p.priority, p.occurredAt);
        if (header != table.header(slot) && table.flag(slot, EventTable.MISMATCH) && !shared) {
            mismatched.offer(p.eventId);
        }
        return true;
    }

    private boolean readDeadLetter(ConsumerRecord<byte[], byte[]> r, String input)
            throws IOException {
        DeadLetter d = OutputCodec.readDeadLetter(r.value());
        if (!"process".equals(d.stage)) {
            if (input.equals(d.topic)) {
                invalid.mark(d.partition, d.offset);
            }
            return true;
        }
        String id = d.eventId != null ? d.eventId : parse(d, r).eventId;
        int slot = slotOf(id);
        if (slot >= 0
                && table.flag(slot, EventTable.DEAD_LETTERED)
                && table.count(slot) == 0
                && !table.has(slot, EventTable.ID_SHARED)) {
            processingFailed.offer(id);
        }
        return true;
    }

    private boolean readShed(ConsumerRecord<byte[], byte[]> r) throws IOException {
        String id = parse(raw(r), "shed record", r).eventId;
        int slot = slotOf(id);
        if (slot >= 0 && table.flag(slot, EventTable.SHED) && notProcessed(slot)) {
            shedNotDrained.offer(id);
        }
        return true;
    }

    private boolean findMissing(ConsumerRecord<byte[], byte[]> r, int maxBytes) {
        try {
            String id = InteractionCodec.parse(raw(r), maxBytes).eventId;
            int slot = slotOf(id);
            if (notProcessed(slot) && !missing.first.contains(id)) {
                missing.offer(id);
            }
        } catch (InvalidRecordException e) {
            // counted as invalid in the first pass
        }
        return missing.first.size() < Math.min(Problem.SHOWN, missing.count);
    }

    /** Neither processed nor a processing dead letter, and not an id shared by two events. */
    private boolean notProcessed(int slot) {
        return table.count(slot) == 0
                && !table.has(slot, EventTable.DEAD_LETTERED)
                && !table.has(slot, EventTable.ID_SHARED);
    }

    /**
     * Classifies every event once: processed once, processing dead letter, missing, of those shed,
     * duplicated, id shared, mismatched.
     */
    private long[] tally() {
        long[] n = new long[7];
        for (int i = 0; i < table.capacity(); i++) {
            if (!table.present(i)) {
                continue;
            }
            if (table.has(i, EventTable.ID_SHARED)) {
                n[5]++;
                continue;
            }
            if (table.has(i, EventTable.MISMATCH)) {
                n[6]++;
                continue;
            }
            int count = table.count(i);
            if (count == 1) {
                n[0]++;
            } else if (count > 1) {
                n[4]++;
            } else if (table.has(i, EventTable.DEAD_LETTERED)) {
                n[1]++;
            } else {
                n[2]++;
                n[3] += table.has(i, EventTable.SHED) ? 1 : 0;
            }
        }
        missing.count = n[2];
        return n;
    }

    private int slotOf(String eventId) {
        fingerprint.id(eventId, key);
        return table.find(key[0], key[1]);
    }

    private void scan(String topic, Map<Integer, Long> end, TopicScan.Handler handler)
            throws IOException {
        long t0 = System.nanoTime();
        try (TopicScan scan =
                end == null ? TopicScan.open(client, topic) : TopicScan.open(client, topic, end)) {
            if (table == null) {
                table = new EventTable(scan.total());
                inputEnd = scan.endOffsets();
            }
            long read =
                    scan.forEach(
                            handler,
                            idleTimeout,
                            (t, done, total, rate) ->
                                    progress.accept(
                                            String.format(
                                                    "reconcile: reading %s: %,d of %,d records (%d%%), %,.0f records/s",
                                                    t,
                                                    done,
                                                    total,
                                                    total == 0 ? 100 : done * 100 / total,
                                                    rate)));
            progress.accept(
                    String.format(
                            "reconcile: read %s%s: %,d records in %.1f s",
                            topic,
                            end == null ? "" : " again (ids of missing events)",
                            read,
                            (System.nanoTime() - t0) / 1e9));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read " + topic + ": " + e.getMessage(), e);
        }
    }

    private static Interaction parse(DeadLetter d, ConsumerRecord<byte[], byte[]> r)
            throws IOException {
        return parse(
                new RawRecord(d.key, d.value, d.topic, d.partition, d.offset, d.logTimestamp),
                "processing dead letter without an event id",
                r);
    }

    private static Interaction parse(RawRecord raw, String what, ConsumerRecord<byte[], byte[]> r)
            throws IOException {
        try {
            return InteractionCodec.parse(raw, Integer.MAX_VALUE);
        } catch (InvalidRecordException e) {
            throw new IOException(
                    "unreadable "
                            + what
                            + " at "
                            + r.topic()
                            + "-"
                            + r.partition()
                            + "@"
                            + r.offset(),
                    e);
        }
    }

    static Set<Lane> lanes(String spec) {
        Set<Lane> lanes = EnumSet.noneOf(Lane.class);
        for (String name : spec.split(",")) {
            Lane lane = Lane.fromWire(name.trim());
            if (lane == null) {
                throw new IllegalArgumentException("no lane " + name.trim());
            }
            lanes.add(lane);
        }
        return lanes;
    }

    private static RawRecord raw(ConsumerRecord<byte[], byte[]> r) {
        return new RawRecord(
                r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp());
    }

    /** A count and the first few ids offered. */
    private static final class Samples {
        long count;
        final List<String> first = new ArrayList<>();

        void offer(String id) {
            if (first.size() < Problem.SHOWN) {
                first.add(id);
            }
        }

        Problem problem(long total) {
            return new Problem(total, List.copyOf(first));
        }
    }
}
