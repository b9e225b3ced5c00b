package dev.floodgate.bench;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.events.InteractionRecords;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Fills a topic as fast as the broker takes it with valid contract v1 events of about {@code
 * eventBytes} each (the body or uri padded), keyed by customer, each customer's seq counting up
 * from 1 (so ordering never waits), the seed's daily channel mix (12% voice, 9% image, rest chat)
 * and 10% {@code high}. Every send is checked.
 */
final class LogFiller {
    record Filled(long events, double meanBytes, double rate) {}

    private LogFiller() {}

    /**
     * {@code events} events; customers drawn at random, or in turn ({@code everyCustomer}: each of
     * the {@code customers} gets its share, so {@code events == customers} gives exactly one event
     * each).
     */
    static Filled fill(
            String bootstrap,
            String topic,
            int events,
            int customers,
            int eventBytes,
            long seed,
            boolean everyCustomer) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        // as KafkaIO: one request in flight, or under load a retry can race a later batch and the
        // in-process
        // broker answers OutOfOrderSequenceException until the batches expire
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        AtomicReference<Exception> failure = new AtomicReference<>();
        Random random = new Random(seed);
        long[] seq = new long[customers];
        long bytes = 0;
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                int c = everyCustomer ? i % customers : random.nextInt(customers);
                double r = random.nextDouble();
                Channel channel =
                        r < 0.12 ? Channel.VOICE : r < 0.21 ? Channel.IMAGE : Channel.CHAT;
                Priority priority =
                        random.nextDouble() < 0.1
                                ? Priority.HIGH
                                : random.nextBoolean() ? Priority.NORMAL : Priority.LOW;
                Interaction in =
                        InteractionRecords.event(
                                "c" + c, ++seq[c], channel, priority, System.currentTimeMillis());
                byte[] value = pad(in, eventBytes);
                bytes += value.length;
                producer.send(
                        new ProducerRecord<>(
                                topic, in.customerId.getBytes(StandardCharsets.UTF_8), value),
                        (metadata, error) -> {
                            if (error != null) {
                                failure.compareAndSet(null, error);
                            }
                        });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "a record was not written: " + failure.get(), failure.get());
        }
        return new Filled(
                events, (double) bytes / events, events / ((System.nanoTime() - t0) / 1e9));
    }

    private static byte[] pad(Interaction in, int eventBytes) {
        byte[] value = InteractionCodec.write(in);
        int missing = eventBytes - value.length;
        if (missing <= 1) {
            return value;
        }
        String padding = "x".repeat(missing - 1);
        if (in.body != null) {
            in.body = in.body + " " + padding;
        } else {
            in.uri = in.uri + "/" + padding;
        }
        return InteractionCodec.write(in);
    }
}
