package dev.floodgate.sources;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Streams one topic once, with {@code isolation.level=read_committed}, from the beginning of every
 * partition up to the end offsets (last stable offsets) taken when the scan opens, handing each
 * record to a callback and keeping none. There is no overall deadline: a long log takes as long as
 * it takes; the scan fails, naming the positions, only when no partition advances for the idle time
 * (a broker that stopped answering, or a transaction left open below the end taken at start). A
 * progress callback is called at most every {@link #PROGRESS_EVERY}.
 */
public final class TopicScan implements AutoCloseable {
    public static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(200);

    /** Gets each record; returns false to end the scan early. */
    @FunctionalInterface
    public interface Handler {
        boolean accept(ConsumerRecord<byte[], byte[]> record) throws Exception;
    }

    /** Hears how far the scan is: records read, records to read, records per second so far. */
    @FunctionalInterface
    public interface Progress {
        void report(String topic, long read, long total, double perSecond);
    }

    /** A topic that did not advance for the idle time. */
    public static final class Stalled extends IllegalStateException {
        Stalled(String message) {
            super(message);
        }
    }

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> begin;
    private final Map<TopicPartition, Long> end;

    private TopicScan(Properties client, String topic, Map<Integer, Long> fixedEnd) {
        this.topic = topic;
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Small fetches keep the buffered bytes small (a record larger than the limits still comes:
        // a fetch always returns the first batch whole).
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(1 << 20));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(4 << 20));
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            begin = new HashMap<>(consumer.beginningOffsets(partitions));
            end = new HashMap<>();
            if (fixedEnd == null) {
                end.putAll(consumer.endOffsets(partitions));
            } else {
                partitions.forEach(tp -> end.put(tp, fixedEnd.getOrDefault(tp.partition(), 0L)));
            }
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** Opens a scan of {@code topic} up to its end offsets now. */
    public static TopicScan open(Properties client, String topic) {
        return new TopicScan(client, topic, null);
    }

    /** Opens a scan of {@code topic} up to the given end offsets (partition to offset). */
    public static TopicScan open(Properties client, String topic, Map<Integer, Long> end) {
        return new TopicScan(client, topic, end);
    }

    /** The end offsets this scan reads to, by partition. */
    public Map<Integer, Long> endOffsets() {
        Map<Integer, Long> m = new HashMap<>();
        end.forEach((tp, o) -> m.put(tp.partition(), o));
        return m;
    }

    /**
     * Offsets between the beginning and the end taken: an upper bound of the records the scan hands
     * over (transaction markers and aborted records take offsets too).
     */
    public long total() {
        long n = 0;
        for (TopicPartition tp : partitions) {
            n += Math.max(0, end.get(tp) - begin.get(tp));
        }
        return n;
    }

    /**
     * Hands every record below the end offsets to {@code handler}, in log order per partition;
     * returns the number handed over.
     */
    public long forEach(Handler handler, Duration idleTimeout, Progress progress) throws Exception {
        long read = 0;
        long total = total();
        long start = System.nanoTime();
        long lastReport = start;
        long lastAdvance = start;
        long positions = positionSum();
        while (!atEnd()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                    continue;
                }
                read++;
                if (!handler.accept(r)) {
                    return read;
                }
            }
            long now = System.nanoTime();
            long p = positionSum();
            if (p != positions) {
                positions = p;
                lastAdvance = now;
            } else if (now - lastAdvance > idleTimeout.toNanos()) {
                throw new Stalled(
                        String.format(
                                "no progress reading %s for %d s (positions %s, end offsets %s)",
                                topic, idleTimeout.toSeconds(), positions(), end));
            }
            if (now - lastReport >= PROGRESS_EVERY.toNanos()) {
                lastReport = now;
                progress.report(topic, read, total, read / ((now - start) / 1e9));
            }
        }
        return read;
    }

    private boolean atEnd() {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private long positionSum() {
        long s = 0;
        for (TopicPartition tp : partitions) {
            s += consumer.position(tp);
        }
        return s;
    }

    private Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> m = new HashMap<>();
        partitions.forEach(tp -> m.put(tp, consumer.position(tp)));
        return m;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
