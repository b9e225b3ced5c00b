package dev.floodgate.bench.campaign;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.events.InteractionRecords;
import dev.floodgate.testkit.kafka.KafkaIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trickle of valid chat events (10/s, customers of their own, no seq) from when the generator's
 * phases end until the last fault has recovered: a fault after the main traffic still has output
 * that can resume. Reconcile counts these events like every other valid input event.
 */
final class TailProducer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TailProducer.class);

    private final Thread thread;
    private volatile boolean running = true;
    private volatile long sent;

    TailProducer(String bootstrap, String topic, Thread after) {
        thread =
                new Thread(
                        () -> {
                            try {
                                after.join();
                                try (KafkaProducer<byte[], byte[]> producer =
                                        KafkaIO.producer(bootstrap)) {
                                    while (running) {
                                        Interaction in =
                                                InteractionRecords.event(
                                                        "campaign-tail-" + (sent % 100),
                                                        Interaction.NO_SEQ,
                                                        Channel.CHAT,
                                                        Priority.HIGH,
                                                        System.currentTimeMillis());
                                        producer.send(InteractionRecords.record(topic, in));
                                        sent++;
                                        Thread.sleep(100);
                                    }
                                    producer.flush();
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } catch (RuntimeException e) {
                                LOG.error("tail producer failed", e);
                            }
                        },
                        "campaign-tail-producer");
        thread.setDaemon(true);
        thread.start();
    }

    long sent() {
        return sent;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(60_000);
        LOG.info("tail producer sent {} events after the main traffic", sent);
    }
}
