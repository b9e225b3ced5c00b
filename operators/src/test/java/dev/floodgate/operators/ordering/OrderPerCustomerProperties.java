package dev.floodgate.operators.ordering;

import static dev.floodgate.operators.ordering.OrderingHarness.at;
import static dev.floodgate.operators.ordering.OrderingHarness.gaps;
import static dev.floodgate.operators.ordering.OrderingHarness.send;
import static dev.floodgate.operators.ordering.OrderingHarness.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Gap;
import dev.floodgate.model.Interaction;
import dev.floodgate.testing.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Random interleavings of many customers' sequences, with redeliveries, through {@link
 * OrderPerCustomer}.
 */
class OrderPerCustomerProperties {
    private static final long T0 = 1_000_000L;

    /**
     * No timeouts, room for everything: every customer's output is exactly 1..n, and the operator
     * drains.
     */
    @Property(tries = 150)
    void outputIsOrderedDuplicateFreeAndCompleteWhenEverySeqArrives(
            @ForAll @IntRange(min = 1, max = 30) int customers,
            @ForAll @IntRange(min = 1, max = 40) int length,
            @ForAll @IntRange(min = 0, max = 50) int duplicatePercent,
            @ForAll Random random)
            throws Exception {
        Map<String, Integer> lengths = lengths(customers, length, random);
        OrderingConfig config = OrderingConfig.defaults().withMaxBuffered(1_000);
        try (var h = OrderingHarness.open(config, null, T0)) {
            send(h, shuffled(lengths, duplicatePercent, random).toArray(Interaction[]::new));

            Map<String, List<Long>> out = perCustomer(h);
            lengths.forEach(
                    (customer, n) ->
                            assertThat(out.get(customer))
                                    .as(customer)
                                    .containsExactlyElementsOf(range(1, n)));
            assertThat(gaps(h)).isEmpty();
            assertThat(h.numProcessingTimeTimers())
                    .as("one housekeeping timer per customer")
                    .isEqualTo(customers);
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numKeyedStateEntries())
                    .as("a cursor and ids per customer")
                    .isEqualTo(2L * customers);
        }
    }

    /**
     * With time passing, tiny buffers and a short wait, events are skipped, but per customer the
     * output stays strictly increasing, and output plus gaps tile one contiguous range ending at
     * the last seq, without overlap; the skipped seqs that arrive afterwards go to the late output,
     * once each. The events carry a {@code seq_epoch}: a seq 1 that comes after its customer
     * started later is then a straggler of the same sequence (without one it starts a new
     * sequence).
     */
    @Property(tries = 150)
    void timeoutsAndOverflowsNeverReorderRepeatOrLeaveHoles(
            @ForAll @IntRange(min = 1, max = 20) int customers,
            @ForAll @IntRange(min = 1, max = 30) int length,
            @ForAll @IntRange(min = 1, max = 4) int maxBuffered,
            @ForAll Random random)
            throws Exception {
        Map<String, Integer> lengths = lengths(customers, length, random);
        try (var h = OrderingHarness.open(skipping(maxBuffered), null, T0)) {
            long now = sendShuffled(h, lengths, random, () -> {}, 1);
            at(h, now + 10);
            Statistics.label("skipped").collect(gaps(h).isEmpty() ? "none" : "some");

            Map<String, List<Long>> out = perCustomer(h);
            lengths.forEach(
                    (customer, n) -> {
                        List<Long> seqs = out.getOrDefault(customer, List.of());
                        assertThat(seqs)
                                .as(customer)
                                .isSorted()
                                .doesNotHaveDuplicates()
                                .isNotEmpty()
                                .endsWith((long) n);
                        TreeSet<Long> covered = new TreeSet<>(seqs);
                        for (Gap g : gaps(h)) {
                            if (g.customerId.equals(customer)) {
                                for (long s = g.fromSeq; s <= g.toSeq; s++) {
                                    assertThat(covered.add(s))
                                            .as("%s seq %d both emitted and skipped", customer, s)
                                            .isTrue();
                                }
                            }
                        }
                        assertThat(covered).containsExactlyElementsOf(range(covered.first(), n));
                        // Nothing lost: every skipped seq arrived later (each event is sent), and
                        // went out late, once.
                        List<Long> late = late(h, customer);
                        assertThat(late).doesNotHaveDuplicates().doesNotContainAnyElementsOf(seqs);
                        // below where a customer started, and in forgotten ranges, too
                        TreeSet<Long> all = new TreeSet<>(seqs);
                        all.addAll(late);
                        assertThat(all).containsExactlyElementsOf(range(1, n));
                    });
            assertThat(h.numProcessingTimeTimers())
                    .as("one housekeeping timer per customer")
                    .isEqualTo(customers);
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /**
     * Whatever path starts or ends a wait, after every step each customer's next-seq says whether
     * gap-wait exists, and gap-wait exists exactly while events are held.
     */
    @Property(tries = 100)
    void theCursorFlagFollowsGapWaitThroughEveryPath(
            @ForAll @IntRange(min = 1, max = 10) int customers,
            @ForAll @IntRange(min = 1, max = 30) int length,
            @ForAll @IntRange(min = 1, max = 4) int maxBuffered,
            @ForAll Random random)
            throws Exception {
        Map<String, Integer> lengths = lengths(customers, length, random);
        try (var h = OrderingHarness.open(skipping(maxBuffered), null, T0)) {
            sendShuffled(
                    h,
                    lengths,
                    random,
                    () -> {
                        for (String customer : lengths.keySet()) {
                            long[] cursor = state(h, customer, OrderingState.nextSeq()).value();
                            GapWait wait = state(h, customer, OrderingState.gapWait()).value();
                            boolean held = !state(h, customer, OrderingState.buffer()).isEmpty();
                            assertThat(wait != null)
                                    .as("%s: gap-wait while held", customer)
                                    .isEqualTo(held);
                            if (cursor != null) {
                                assertThat(cursor[2]).as(customer).isEqualTo(held ? 1L : 0L);
                            }
                        }
                    });
        }
    }

    /** A 10 ms wait and tiny buffers: waits time out and buffers overflow. */
    private static OrderingConfig skipping(int maxBuffered) {
        return OrderingConfig.defaults()
                .withMaxWait(Duration.ofMillis(10))
                .withMaxBuffered(maxBuffered);
    }

    /** A check run after every event. */
    private interface Step {
        void check() throws Exception;
    }

    /**
     * Sends every event of {@code lengths} (20% redelivered) in a random order, 0 to 3 ms apart,
     * checking {@code afterEach} after each; returns the time of the last.
     */
    private static long sendShuffled(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            Map<String, Integer> lengths,
            Random random,
            Step afterEach)
            throws Exception {
        return sendShuffled(h, lengths, random, afterEach, Interaction.NO_EPOCH);
    }

    /** As above, every event with {@code seqEpoch}. */
    private static long sendShuffled(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            Map<String, Integer> lengths,
            Random random,
            Step afterEach,
            long seqEpoch)
            throws Exception {
        long now = T0;
        for (Interaction e : shuffled(lengths, 20, random)) {
            e.seqEpoch = seqEpoch;
            now += random.nextInt(4);
            at(h, now);
            send(h, e);
            afterEach.check();
        }
        return now;
    }

    private static Map<String, Integer> lengths(int customers, int maxLength, Random random) {
        Map<String, Integer> lengths = new TreeMap<>();
        for (int c = 0; c < customers; c++) {
            lengths.put("c" + c, 1 + random.nextInt(maxLength));
        }
        return lengths;
    }

    /** All events of all customers, some redelivered, in a random order. */
    private static List<Interaction> shuffled(
            Map<String, Integer> lengths, int duplicatePercent, Random random) {
        List<Interaction> events = new ArrayList<>();
        lengths.forEach(
                (customer, n) -> {
                    for (long seq = 1; seq <= n; seq++) {
                        events.add(Events.event(customer, seq));
                        if (random.nextInt(100) < duplicatePercent) {
                            events.add(Events.event(customer, seq));
                        }
                    }
                });
        Collections.shuffle(events, random);
        return events;
    }

    private static Map<String, List<Long>> perCustomer(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (Interaction e : h.extractOutputValues()) {
            out.computeIfAbsent(e.customerId, k -> new ArrayList<>()).add(e.seq);
        }
        return out;
    }

    private static List<Long> late(
            KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> h,
            String customer) {
        return OrderingHarness.side(h, OrderPerCustomer.LATE).stream()
                .filter(e -> e.customerId.equals(customer))
                .map(e -> e.seq)
                .toList();
    }

    private static List<Long> range(long from, long to) {
        List<Long> r = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            r.add(s);
        }
        return r;
    }
}
