package dev.floodgate.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The physical limit of reading and writing every event exactly once on this machine, without
 * Flink: plain {@link KafkaConsumer}s copy a topic to another through transactional {@link
 * KafkaProducer}s (consume-transform- produce: the consumed offsets are committed in the same
 * transaction), one transaction per commit interval. Producer batching is the job's sink's (linger
 * 20 ms, 256 KiB batches, lz4). {@code threads} copy loops share the partitions.
 */
final class RawPipe {
    private RawPipe() {}

    /** Copies everything up to the end offsets found at start; returns the seconds it took. */
    static double copy(
            String bootstrap,
            String from,
            String to,
            String group,
            Duration commitInterval,
            int threads)
            throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        Map<TopicPartition, Long> end;
        try (KafkaConsumer<byte[], byte[]> probe = consumer(bootstrap, group)) {
            probe.partitionsFor(from)
                    .forEach(i -> partitions.add(new TopicPartition(from, i.partition())));
            end = probe.endOffsets(partitions);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> loops = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            List<TopicPartition> mine = new ArrayList<>();
            for (int i = t; i < partitions.size(); i += threads) {
                mine.add(partitions.get(i));
            }
            String id = group + "-" + t;
            Thread loop =
                    new Thread(
                            () -> {
                                try {
                                    copyLoop(bootstrap, group, id, mine, end, to, commitInterval);
                                } catch (Throwable e) {
                                    failure.compareAndSet(null, e);
                                }
                            },
                            "raw-pipe-" + t);
            loops.add(loop);
            loop.start();
        }
        for (Thread loop : loops) {
            loop.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("raw pipe failed: " + failure.get(), failure.get());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void copyLoop(
            String bootstrap,
            String group,
            String transactionalId,
            List<TopicPartition> mine,
            Map<TopicPartition, Long> end,
            String to,
            Duration commitInterval) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, group);
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(
                                p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            consumer.assign(mine);
            consumer.seekToBeginning(mine);
            producer.beginTransaction();
            long nextCommit = System.nanoTime() + commitInterval.toNanos();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            while (mine.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    producer.send(
                            new ProducerRecord<>(to, r.key(), r.value()),
                            (m, e) -> {
                                if (e != null) {
                                    sendFailure.compareAndSet(null, e);
                                }
                            });
                    offsets.put(
                            new TopicPartition(r.topic(), r.partition()),
                            new OffsetAndMetadata(r.offset() + 1));
                }
                if (System.nanoTime() >= nextCommit) {
                    commit(producer, consumer, offsets, sendFailure);
                    producer.beginTransaction();
                    nextCommit = System.nanoTime() + commitInterval.toNanos();
                }
            }
            commit(producer, consumer, offsets, sendFailure);
        }
    }

    private static void commit(
            KafkaProducer<byte[], byte[]> producer,
            KafkaConsumer<byte[], byte[]> consumer,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            AtomicReference<Exception> sendFailure) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction(); // flushes: every send of the transaction has its result now
        if (sendFailure.get() != null) {
            throw new IllegalStateException(
                    "a record was not written: " + sendFailure.get(), sendFailure.get());
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
