package dev.floodgate.demo;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.InvalidRecordException;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.sinks.ShedRecordSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the output topics (processed, shed, dead letters) from where they ended when the demo
 * started, for the live view: counts per lane, the event ids accounted for, and the ages of the
 * events processed since the last look. It reads {@code read_uncommitted}, to see records as the
 * job writes them rather than in jumps at each checkpoint; the verdict comes from {@code
 * Reconcile}, which reads {@code read_committed}.
 */
final class OutputTail implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String processedTopic;
    private final String shedTopic;
    private final Map<Lane, Long> processedByLane = new EnumMap<>(Lane.class);
    private final Set<String> accounted = new HashSet<>();
    private final Map<String, Long> deadLettersByReason = new TreeMap<>();
    private final List<Long> highAges = new ArrayList<>();
    private final List<Long> chatAges = new ArrayList<>();
    private final List<Long> otherAges = new ArrayList<>();
    private final List<Long> backfillAges = new ArrayList<>();
    private long shed;
    private long backfillVoice;

    private final FreshnessStats freshness;

    OutputTail(
            String bootstrap,
            String processedTopic,
            String shedTopic,
            String dlqTopic,
            FreshnessStats freshness) {
        this.freshness = freshness;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        p.put(
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                "20"); // a look once a second sees what is there now
        this.consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.processedTopic = processedTopic;
        this.shedTopic = shedTopic;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(processedTopic, shedTopic, dlqTopic)) {
            consumer.partitionsFor(topic)
                    .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(
                partitions); // this run's records only, also on a broker with earlier runs' data
        partitions.forEach(consumer::position);
    }

    /** Reads everything written since the last call. */
    void poll() {
        int n;
        Duration wait = Duration.ofMillis(200);
        do {
            n = 0;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
                n++;
                if (r.topic().equals(processedTopic)) {
                    onProcessed(read(() -> OutputCodec.readProcessed(r.value())));
                } else if (r.topic().equals(shedTopic)) {
                    shed++;
                    dev.floodgate.model.Interaction event = parse(r);
                    accounted.add(event.eventId);
                    freshness.shed(event.channel, loggedAt(r), shedReason(r));
                } else {
                    onDeadLetter(read(() -> OutputCodec.readDeadLetter(r.value())));
                }
            }
            wait = Duration.ofMillis(20);
        } while (n > 0);
    }

    private void onProcessed(ProcessedEvent p) {
        processedByLane.merge(p.lane, 1L, Long::sum);
        accounted.add(p.eventId);
        if (p.lane == Lane.LIVE) {
            if (p.channel == Channel.CHAT) {
                chatAges.add(p.ageMillis());
            } else if (p.channel == Channel.VOICE) {
                (p.priority == Priority.HIGH ? highAges : otherAges).add(p.ageMillis());
            }
            freshness.live(p.channel, p.priority, p.processedAt, p.ageMillis());
        } else if (p.lane == Lane.BACKFILL) {
            backfillAges.add(p.ageMillis());
            if (p.channel == Channel.VOICE) {
                backfillVoice++;
            }
        }
    }

    private void onDeadLetter(DeadLetter d) {
        deadLettersByReason.merge(d.reason.wireName(), 1L, Long::sum);
        if ("process".equals(d.stage)) {
            accounted.add(
                    parse(
                                    new RawRecord(
                                            d.key,
                                            d.value,
                                            d.topic,
                                            d.partition,
                                            d.offset,
                                            d.logTimestamp))
                            .eventId);
        }
    }

    /**
     * When the shed event was logged in the interaction log (its header), else on the shed topic.
     */
    /** The shed record's reason header (a {@code ShedReason} wire name), {@code ?} without one. */
    private static String shedReason(ConsumerRecord<byte[], byte[]> r) {
        org.apache.kafka.common.header.Header h =
                r.headers().lastHeader(dev.floodgate.sinks.ShedRecordSerializer.HEADER_SHED_REASON);
        return h == null ? "?" : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static long loggedAt(ConsumerRecord<byte[], byte[]> r) {
        Header h = r.headers().lastHeader(ShedRecordSerializer.HEADER_LOGGED_AT);
        return h == null
                ? r.timestamp()
                : Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
    }

    private static dev.floodgate.model.Interaction parse(ConsumerRecord<byte[], byte[]> r) {
        return parse(
                new RawRecord(
                        r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp()));
    }

    private static dev.floodgate.model.Interaction parse(RawRecord raw) {
        try {
            return InteractionCodec.parse(raw, Integer.MAX_VALUE);
        } catch (InvalidRecordException e) {
            throw new IllegalStateException(
                    "an output record of the job is not contract v1: " + e.getMessage(), e);
        }
    }

    long processed(Lane lane) {
        return processedByLane.getOrDefault(lane, 0L);
    }

    /** Voice calls the backfill lane processed (the drain's share of speech-to-text). */
    long backfillVoice() {
        return backfillVoice;
    }

    long shed() {
        return shed;
    }

    long deadLetters() {
        return deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    Map<String, Long> deadLettersByReason() {
        return deadLettersByReason;
    }

    /**
     * Whether every one of {@code eventIds} was processed, shed or dead-lettered by the processing.
     */
    boolean accountsFor(Iterable<String> eventIds) {
        return unaccounted(eventIds) == 0;
    }

    /** How many of {@code eventIds} were neither processed, shed nor dead-lettered yet. */
    long unaccounted(Iterable<String> eventIds) {
        long n = 0;
        for (String id : eventIds) {
            if (!accounted.contains(id)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Ages (ms) of the live lane's {@code high} voice calls processed since the last call; clears
     * them.
     */
    List<Long> takeHighAges() {
        return take(highAges);
    }

    /**
     * Ages (ms) of the live lane's {@code normal} and {@code low} voice calls processed since the
     * last call; clears them.
     */
    List<Long> takeOtherAges() {
        return take(otherAges);
    }

    /** Ages (ms) of the live lane's chat events processed since the last call; clears them. */
    List<Long> takeChatAges() {
        return take(chatAges);
    }

    /** Ages (ms) of the backfill lane's events processed since the last call; clears them. */
    List<Long> takeBackfillAges() {
        return take(backfillAges);
    }

    private static List<Long> take(List<Long> ages) {
        List<Long> out = new ArrayList<>(ages);
        ages.clear();
        return out;
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T read(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
