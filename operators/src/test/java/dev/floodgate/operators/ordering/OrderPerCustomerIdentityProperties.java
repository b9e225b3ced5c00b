package dev.floodgate.operators.ordering;

import static dev.floodgate.operators.ordering.OrderingHarness.at;
import static dev.floodgate.operators.ordering.OrderingHarness.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Interaction;
import dev.floodgate.testing.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Nothing lost, nothing twice: for any interleaving of customers whose producers reset their seq
 * (start over at 1 with new ids), whose events straggle (some far behind, across a reset) and are
 * redelivered, every distinct event id comes out of {@link OrderPerCustomer} exactly once, in the
 * in-order output or on the late side output (which the job sends to the shed lane), and the
 * in-order output keeps each customer's order, across resets too (a sequence's events never
 * interleave with an earlier one's). Bounds: copies arrive before their sequence is reset, and a
 * copy of a straggler that arrived after its reset comes before the next reset (beyond the old
 * sequence's last seqs, remembered at each restart, a copy of an earlier sequence cannot be placed
 * and is let through), and at most {@code recentIdsWindow} events per customer are let through.
 */
class OrderPerCustomerIdentityProperties {
    private static final long T0 = 1_000_000L;
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults()
                    .withMaxWait(Duration.ofMillis(5))
                    .withMaxBuffered(4)
                    .withStateTtl(Duration.ofHours(1))
                    .withRecentIdsWindow(64)
                    .withMaxSeqJump(1_000);

    @Property(tries = 300)
    void everyDistinctEventComesOutOnceAcrossTheInOrderAndLateOutputs(
            @ForAll @IntRange(min = 1, max = 6) int customers,
            @ForAll @IntRange(min = 1, max = 3) int sequences,
            @ForAll @IntRange(min = 1, max = 14) int length,
            @ForAll Random random)
            throws Exception {
        List<Interaction> sent = new ArrayList<>();
        Map<String, Interaction> distinct = new HashMap<>();
        for (int c = 0; c < customers; c++) {
            List<Interaction> stream = customer("c" + c, sequences, length, random);
            stream.forEach(e -> distinct.putIfAbsent(e.eventId, e));
            sent = interleave(sent, stream, random);
        }
        try (var h = OrderingHarness.open(CONFIG, null, T0)) {
            long now = T0;
            for (Interaction e : sent) {
                now += random.nextInt(3);
                at(h, now);
                send(h, copy(e));
            }
            at(h, now + 100);

            List<Interaction> live = h.extractOutputValues();
            List<Interaction> late = OrderingHarness.side(h, OrderPerCustomer.LATE);
            Map<String, Integer> times = new TreeMap<>();
            live.forEach(e -> times.merge(e.eventId, 1, Integer::sum));
            late.forEach(e -> times.merge(e.eventId, 1, Integer::sum));
            assertThat(times.keySet()).containsExactlyInAnyOrderElementsOf(distinct.keySet());
            assertThat(times).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));

            // by sequence, then seq: also where the state cannot see a reset (seq 1 of a new
            // sequence reaching a customer without state while the old sequence's events are held,
            // or before they arrive), the old sequence's events go late instead of interleaving
            Map<String, Interaction> last = new HashMap<>();
            for (Interaction e : live) {
                Interaction before = last.put(e.customerId, e);
                if (before != null) {
                    assertThat(sequence(e) * 1_000L + e.seq)
                            .as("%s after %s", e.eventId, before.eventId)
                            .isGreaterThan(sequence(before) * 1_000L + before.seq);
                }
            }
            Statistics.label("late").collect(late.isEmpty() ? "none" : "some");
        }
    }

    /**
     * One customer's events as its producer sends them: {@code sequences} sequences from seq 1, ids
     * {@code c/k/seq}, occurred_at increasing; about 20% straggling behind one to eight later
     * events (across resets too; a reset's own seq 1 goes first in its sequence, as that is what
     * announces it); about 15% redelivered later, before the next reset after the original.
     */
    private static List<Interaction> customer(
            String customer, int sequences, int maxLength, Random random) {
        List<Interaction> out = new ArrayList<>();
        long occurred = 1_000;
        for (int k = 0; k < sequences; k++) {
            int n = 1 + random.nextInt(maxLength);
            for (long s = 1; s <= n; s++) {
                Interaction e = Events.event(customer, s, customer + "/" + k + "/" + s);
                e.occurredAt = occurred++;
                out.add(e);
            }
        }
        for (int i = out.size() - 2; i >= 0; i--) {
            Interaction e = out.get(i);
            if (random.nextInt(100) < 20 && !(e.seq == 1 && sequence(e) > 0)) {
                out.remove(i);
                out.add(Math.min(out.size(), i + 1 + random.nextInt(8)), e);
            }
        }
        for (int i = out.size() - 1; i >= 0; i--) {
            Interaction e = out.get(i);
            if (random.nextInt(100) < 15) {
                int reset = indexOf(out, customer + "/" + (sequence(e) + 1) + "/1");
                // a straggler past its reset: before the next reset after it
                int limit = reset < i ? nextReset(out, sequence(e), i) : reset;
                out.add(i + 1 + random.nextInt(limit - i), e);
            }
        }
        return out;
    }

    /** The position of the first seq 1 of a later sequence than {@code k} after {@code i}. */
    private static int nextReset(List<Interaction> events, int k, int i) {
        for (int j = i + 1; j < events.size(); j++) {
            if (events.get(j).seq == 1 && sequence(events.get(j)) > k) {
                return j;
            }
        }
        return events.size();
    }

    private static int indexOf(List<Interaction> events, String id) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).eventId.equals(id)) {
                return i;
            }
        }
        return events.size();
    }

    /** Merges two streams keeping each one's order. */
    private static List<Interaction> interleave(
            List<Interaction> a, List<Interaction> b, Random random) {
        List<Interaction> out = new ArrayList<>(a.size() + b.size());
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            boolean fromA = j >= b.size() || (i < a.size() && random.nextBoolean());
            out.add(fromA ? a.get(i++) : b.get(j++));
        }
        return out;
    }

    private static int sequence(Interaction e) {
        return Integer.parseInt(e.eventId.split("/")[1]);
    }

    private static Interaction copy(Interaction e) {
        Interaction c = Events.event(e.customerId, e.seq, e.eventId);
        c.occurredAt = e.occurredAt;
        return c;
    }
}
