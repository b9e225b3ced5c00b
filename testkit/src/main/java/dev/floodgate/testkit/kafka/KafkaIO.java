package dev.floodgate.testkit.kafka;

import dev.floodgate.sources.CommittedRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writes records to and reads committed records from a broker: for the tests and the demo. */
public final class KafkaIO {
    private KafkaIO() {}

    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return producer(bootstrapServers, Map.of());
    }

    /** A producer that also gets {@code clientProperties} (security settings). */
    public static KafkaProducer<byte[], byte[]> producer(
            String bootstrapServers, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // One request in flight: a retry under load can never race a later batch (seen here as
        // OutOfOrderSequenceException loops that dropped a partition's batches).
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Writes every record and fails if any was not acknowledged: a lost write is never silent. */
    public static void produce(
            String bootstrapServers, List<ProducerRecord<byte[], byte[]>> records) {
        produce(bootstrapServers, Map.of(), records);
    }

    /** The same with client settings (security). */
    public static void produce(
            String bootstrapServers,
            Map<String, String> clientProperties,
            List<ProducerRecord<byte[], byte[]>> records) {
        try (KafkaProducer<byte[], byte[]> producer =
                producer(bootstrapServers, clientProperties)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
            for (ProducerRecord<byte[], byte[]> r : records) {
                acks.add(producer.send(r));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while producing", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "a record was not written: " + e.getCause(), e.getCause());
        }
    }

    /** Everything committed to {@code topic} right now ({@link CommittedRecords#readAll}). */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String bootstrapServers, String topic) {
        return CommittedRecords.readAll(bootstrapServers, topic);
    }

    /** The same with client settings (security). */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String bootstrapServers, Map<String, String> clientProperties, String topic) {
        return CommittedRecords.readAll(bootstrapServers, clientProperties, topic);
    }
}
