package dev.floodgate.testkit.events;

import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testkit.kafka.KafkaIO;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a realistic stream of interactions to the log at a controlled rate, phase by phase (calm,
 * flood, calm): a channel mix, a share of {@code high} priority, a hot customer, poison records,
 * redelivered duplicates and swapped (out-of-order) neighbours. It remembers what it sent, so tests
 * and the demo can check where it went.
 */
public final class FloodGenerator {

    /** One phase of the story: a rate held for a duration. */
    public record Phase(String name, double eventsPerSecond, Duration duration) {}

    /** The shape of the stream. Shares are fractions of all events. */
    public record Profile(
            int customers,
            double voiceShare,
            double imageShare,
            double highShare,
            double poisonShare,
            double duplicateShare,
            double outOfOrderShare,
            double hotCustomerShare) {

        /** The seed's daily mix: about 12% voice, 79% chat, 9% image; 10% high; 0.1% poison. */
        public static Profile monday(int customers) {
            return new Profile(customers, 0.12, 0.09, 0.10, 0.001, 0.01, 0.01, 0.02);
        }
    }

    private final String bootstrapServers;
    private final String topic;
    private final Profile profile;
    private final Random random;
    private final Map<String, Long> nextSeq = new HashMap<>();
    private final List<Interaction> sentValid = new ArrayList<>();
    private final Map<DeadLetterReason, Integer> sentPoison = new HashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicBoolean endPhase = new AtomicBoolean();
    private Interaction held;
    private int poisonCount;

    public FloodGenerator(String bootstrapServers, String topic, Profile profile, long seed) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.profile = profile;
        this.random = new Random(seed);
    }

    /** Runs the phases in order, blocking until the last one ends. */
    public void run(List<Phase> phases, PhaseListener listener) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaIO.producer(bootstrapServers)) {
            for (Phase phase : phases) {
                listener.onPhase(phase);
                endPhase.set(false);
                long nanosPerEvent = (long) (1e9 / phase.eventsPerSecond());
                long start = System.nanoTime();
                long end = start + phase.duration().toNanos();
                long next = start;
                while (next < end && !endPhase.get()) {
                    long now = System.nanoTime();
                    if (next > now) {
                        LockSupport.parkNanos(next - now);
                    }
                    sendOne(producer);
                    next += nanosPerEvent;
                }
            }
            if (held != null) {
                send(producer, InteractionRecords.record(topic, held));
                held = null;
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "a record was not written: " + failure.get(), failure.get());
        }
    }

    /**
     * Sends asynchronously; the first failure is kept and fails {@link #run}: a lost write is never
     * silent.
     */
    private void send(
            KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) {
        producer.send(
                record,
                (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
    }

    private void sendOne(KafkaProducer<byte[], byte[]> producer) {
        sent.incrementAndGet();
        if (random.nextDouble() < profile.poisonShare()) {
            DeadLetterReason[] kinds = {
                DeadLetterReason.BAD_JSON,
                DeadLetterReason.UNKNOWN_CHANNEL,
                DeadLetterReason.KEY_MISMATCH,
                DeadLetterReason.INVALID_UTF8,
                DeadLetterReason.MISSING_FIELD,
                DeadLetterReason.UNSUPPORTED_SCHEMA
            };
            DeadLetterReason kind = kinds[poisonCount % kinds.length];
            send(producer, InteractionRecords.poison(topic, kind, poisonCount++, 1 << 20));
            sentPoison.merge(kind, 1, Integer::sum);
            return;
        }
        if (!sentValid.isEmpty() && random.nextDouble() < profile.duplicateShare()) {
            // a gateway redelivers an event it already sent: same event_id, same seq
            send(
                    producer,
                    InteractionRecords.record(
                            topic, sentValid.get(random.nextInt(sentValid.size()))));
            return;
        }
        Interaction in = next();
        sentValid.add(in);
        if (held != null) {
            ProducerRecord<byte[], byte[]> later = InteractionRecords.record(topic, held);
            send(producer, InteractionRecords.record(topic, in));
            send(producer, later);
            held = null;
        } else if (random.nextDouble() < profile.outOfOrderShare()) {
            held = in; // sent after the customer's next event
        } else {
            send(producer, InteractionRecords.record(topic, in));
        }
    }

    private Interaction next() {
        String customer =
                random.nextDouble() < profile.hotCustomerShare()
                        ? "hot-1"
                        : "c" + random.nextInt(profile.customers());
        if (held != null) {
            customer =
                    held.customerId; // the swap partner of a held event is the same customer's next
            // event
        }
        long seq = nextSeq.merge(customer, 1L, Long::sum);
        double r = random.nextDouble();
        Channel channel =
                r < profile.voiceShare()
                        ? Channel.VOICE
                        : r < profile.voiceShare() + profile.imageShare()
                                ? Channel.IMAGE
                                : Channel.CHAT;
        Priority priority =
                random.nextDouble() < profile.highShare()
                        ? Priority.HIGH
                        : random.nextBoolean() ? Priority.NORMAL : Priority.LOW;
        return InteractionRecords.event(
                customer, seq, channel, priority, System.currentTimeMillis());
    }

    /**
     * Ends the phase now running early (from another thread): {@link #run} goes on with the next
     * one, so a test can hold a flood until what it waits for happens, and no longer.
     */
    public void endPhase() {
        endPhase.set(true);
    }

    /** Every distinct valid event sent so far. */
    public List<Interaction> sentValid() {
        return sentValid;
    }

    public Map<DeadLetterReason, Integer> sentPoison() {
        return sentPoison;
    }

    /** Records written, duplicates and poison included. */
    public long recordsSent() {
        return sent.get();
    }

    /** Called when a phase begins. */
    public interface PhaseListener {
        void onPhase(Phase phase);
    }
}
