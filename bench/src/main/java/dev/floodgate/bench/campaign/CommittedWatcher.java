package dev.floodgate.bench.campaign;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code read_committed} reader of the processed and shed topics that runs through the whole
 * campaign, as a downstream consumer would: when each processed record became visible (against its
 * log append time: the longest hold-back by an open transaction), when it was processed (to tell
 * when output resumed after a fault), per-customer order of the live lane (seqs strictly rising in
 * each customer's partition), which processor version processed the live lane's results and when
 * (the first and last processing time of each: an upgrade cuts cleanly when no result of the old
 * version was processed after the first of the new one), and the distinct and repeated event ids of
 * both topics.
 */
final class CommittedWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedWatcher.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String processedTopic;
    private final Thread thread;
    private volatile boolean running = true;

    private long[] processedAt = new long[1 << 16];
    private long[] seenAt = new long[1 << 16];
    private int count;
    private final Set<String> processedIds = new HashSet<>();
    private final Set<String> shedIds = new HashSet<>();
    private long processedRepeats;
    private long shedRecords;
    private final Map<String, Long> lastLiveSeq = new HashMap<>();
    private long orderViolations;
    private final List<String> orderExamples = new ArrayList<>();
    private long maxHoldBackMs;

    /** Live lane, per processor: {results, first processedAt, last processedAt}. */
    private final Map<String, long[]> liveByProcessor = new java.util.TreeMap<>();

    private long backfillResults;

    CommittedWatcher(String bootstrap, String processedTopic, String shedTopic) {
        this.processedTopic = processedTopic;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(processedTopic, shedTopic)) {
            for (PartitionInfo info : consumer.partitionsFor(t, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(t, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "campaign-committed-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    accept(r, System.currentTimeMillis());
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (Exception e) {
                LOG.warn("committed watcher: {}", e.toString());
            }
        }
    }

    private synchronized void accept(ConsumerRecord<byte[], byte[]> r, long now) throws Exception {
        if (!r.topic().equals(processedTopic)) {
            shedRecords++;
            shedIds.add(
                    InteractionCodec.parse(
                                    new RawRecord(
                                            r.key(),
                                            r.value(),
                                            r.topic(),
                                            r.partition(),
                                            r.offset(),
                                            r.timestamp()),
                                    Integer.MAX_VALUE)
                            .eventId);
            return;
        }
        ProcessedEvent p = OutputCodec.readProcessed(r.value());
        maxHoldBackMs = Math.max(maxHoldBackMs, now - r.timestamp());
        if (count == processedAt.length) {
            processedAt = Arrays.copyOf(processedAt, count * 2);
            seenAt = Arrays.copyOf(seenAt, count * 2);
        }
        processedAt[count] = p.processedAt;
        seenAt[count] = now;
        count++;
        if (!processedIds.add(p.eventId)) {
            processedRepeats++;
        }
        if (p.lane == Lane.LIVE) {
            long[] v =
                    liveByProcessor.computeIfAbsent(
                            p.processor, k -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
            v[0]++;
            v[1] = Math.min(v[1], p.processedAt);
            v[2] = Math.max(v[2], p.processedAt);
        } else {
            backfillResults++;
        }
        if (p.lane == Lane.LIVE && p.seq > 0) {
            // the live job's default --order-scope channel: in seq order within each channel's lane
            String scope = p.customerId + "/" + p.channel;
            Long last = lastLiveSeq.put(scope, p.seq);
            if (last != null && p.seq <= last) {
                orderViolations++;
                if (orderExamples.size() < 5) {
                    orderExamples.add(scope + ": seq " + p.seq + " after " + last);
                }
            }
        }
    }

    /**
     * The first committed output processed after {@code afterMillis}: {processedAt, seenAt}, or
     * null if none yet.
     */
    synchronized long[] firstProcessedAfter(long afterMillis) {
        long[] best = null;
        for (int i = 0; i < count; i++) {
            if (processedAt[i] > afterMillis && (best == null || processedAt[i] < best[0])) {
                best = new long[] {processedAt[i], seenAt[i]};
            }
        }
        return best;
    }

    synchronized int distinctProcessed() {
        return processedIds.size();
    }

    /** Distinct event ids in processed or shed. */
    synchronized int distinctAccounted() {
        Set<String> all = new HashSet<>(processedIds);
        all.addAll(shedIds);
        return all.size();
    }

    synchronized boolean accounted(String eventId) {
        return processedIds.contains(eventId) || shedIds.contains(eventId);
    }

    synchronized long processedRepeats() {
        return processedRepeats;
    }

    synchronized long shedRecords() {
        return shedRecords;
    }

    synchronized long orderViolations() {
        return orderViolations;
    }

    synchronized List<String> orderExamples() {
        return new ArrayList<>(orderExamples);
    }

    /** Live lane results per processor name: {count, first processedAt, last processedAt}. */
    synchronized Map<String, long[]> liveByProcessor() {
        Map<String, long[]> copy = new java.util.TreeMap<>();
        liveByProcessor.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /** Results of the backfill lane (the drain) seen so far. */
    synchronized long backfillResults() {
        return backfillResults;
    }

    synchronized long maxHoldBackMs() {
        return maxHoldBackMs;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
        consumer.close(Duration.ofSeconds(5));
    }
}
