package dev.floodgate.operators.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.testing.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Adversarial producers through {@link OrderPerCustomer}, with checkpoints, failures that rewind
 * the input to the last checkpoint, and restores at another parallelism. Each customer's producer
 * sends one or more sequences (a restart starts seq 1 again with new ids), its neighbours swapped,
 * some events delayed past their gap's wait (filled late), some never sent, copies redelivered soon
 * or minutes later, {@code occurred_at} random and unrelated to seq, any channel.
 *
 * <p>Checked on what a {@code read_committed} reader would see (outputs after the last checkpoint
 * before a failure are discarded, as their transaction would be): every distinct event id comes out
 * exactly once, in order or late (copies never twice: the dedupe horizon outlasts the run); per
 * customer and sequence the in-order output rises in seq; an event goes late only when it could not
 * be placed: a predecessor in its sequence had not arrived, a later seq of its sequence had gone
 * out before it arrived (its gap was skipped), or (with epochs) two newer sequences had started;
 * and nothing stays held once the input ends.
 *
 * <p>Three producer kinds. With {@code seq_epoch}: anything goes. Without, a restart is announced
 * by its seq 1, which then must not be lost or overtaken (nothing crosses it): with that, the same
 * guarantees; with anything, still every event exactly once (order and lateness are not promised:
 * the state cannot tell a new sequence's events from stragglers of the old one).
 *
 * <p>Tries: the default here; {@code -Djqwik.tries.default=100000} for a long run (see
 * docs/reliability.md).
 */
class OrderPerCustomerAdversarialProperties {
    private static final int MAX_PARALLELISM = 720;
    private static final OrderingConfig CONFIG =
            OrderingConfig.defaults()
                    .withMaxWait(Duration.ofMillis(5))
                    .withMaxBuffered(6)
                    .withStateTtl(Duration.ofHours(6))
                    .withDedupeHorizon(Duration.ofDays(30))
                    .withMaxSeqJump(1_000);

    enum Producers {
        EPOCHS,
        ANNOUNCED_RESTARTS,
        ANYTHING
    }

    @Property
    void withEpochsEveryEventOnceInOrderAndLateOnlyWhenUnplaceable(
            @ForAll @IntRange(min = 1, max = 5) int customers,
            @ForAll @IntRange(min = 1, max = 4) int sequences,
            @ForAll @IntRange(min = 1, max = 15) int length,
            @ForAll Random random)
            throws Exception {
        run(Producers.EPOCHS, customers, sequences, length, random);
    }

    @Property
    void withoutEpochsTheSameWhenSeqOneAnnouncesEachRestart(
            @ForAll @IntRange(min = 1, max = 5) int customers,
            @ForAll @IntRange(min = 1, max = 4) int sequences,
            @ForAll @IntRange(min = 1, max = 15) int length,
            @ForAll Random random)
            throws Exception {
        run(Producers.ANNOUNCED_RESTARTS, customers, sequences, length, random);
    }

    @Property
    void withoutEpochsAnyStreamStillGivesEveryEventExactlyOnce(
            @ForAll @IntRange(min = 1, max = 5) int customers,
            @ForAll @IntRange(min = 1, max = 4) int sequences,
            @ForAll @IntRange(min = 1, max = 15) int length,
            @ForAll Random random)
            throws Exception {
        run(Producers.ANYTHING, customers, sequences, length, random);
    }

    private static void run(Producers kind, int customers, int sequences, int length, Random random)
            throws Exception {
        List<Interaction> input = new ArrayList<>();
        Set<String> sent = new HashSet<>();
        for (int c = 0; c < customers; c++) {
            List<Interaction> stream = producer(kind, "c" + c, sequences, length, random);
            stream.forEach(e -> sent.add(e.eventId));
            input = interleave(input, stream, random);
        }
        long[] logTime = new long[input.size()];
        long t = 1_000_000L;
        for (int i = 0; i < logTime.length; i++) {
            t += random.nextInt(100) == 0 ? 60_000L * (1 + random.nextInt(10)) : random.nextInt(4);
            logTime[i] = t;
        }
        Run run = new Run(random);
        Committed log = run.feed(input, logTime);
        Statistics.label("failures").collect(run.failures);
        Statistics.label("late")
                .collect(log.outs.stream().anyMatch(o -> !o.live) ? "some" : "none");

        // every distinct id exactly once, across the in-order and late outputs
        Map<String, Integer> times = new HashMap<>();
        log.outs.forEach(o -> times.merge(o.event.eventId, 1, Integer::sum));
        assertThat(times.keySet()).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(times).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        if (kind == Producers.ANYTHING) {
            return;
        }
        // in order per customer and sequence
        Map<String, Long> last = new HashMap<>();
        for (Out o : log.outs) {
            if (o.live) {
                Long before = last.put(sequenceOf(o.event), o.event.seq);
                assertThat(before == null || before < o.event.seq)
                        .as("%s after seq %s", o.event, before)
                        .isTrue();
            }
        }
        // late only when it could not be placed
        for (int i = 0; i < log.outs.size(); i++) {
            Out o = log.outs.get(i);
            if (!o.live) {
                assertThat(couldNotBePlaced(o, i, log))
                        .as(
                                "%s went late though it could be placed; its customer:%n%s",
                                o.event, log.timeline(o.event.customerId))
                        .isTrue();
            }
        }
    }

    private static boolean couldNotBePlaced(Out late, int index, Committed log) {
        Interaction e = late.event;
        String sequence = sequenceOf(e);
        int arrived = log.firstArrival.get(e.eventId);
        for (long s = 1; s < e.seq; s++) {
            Integer p = log.firstArrival.get(sequence + "/" + s);
            if (p == null || p > arrived) {
                return true; // a predecessor had not arrived
            }
        }
        for (int j = 0; j < index; j++) {
            Out o = log.outs.get(j);
            if (o.live && sequenceOf(o.event).equals(sequence) && o.event.seq > e.seq) {
                return true; // its gap was skipped
            }
        }
        if (e.hasSeqEpoch()) {
            // a newer sequence started before it came, and its own sequence was not the one that
            // newer sequence replaced (it never started before it), or a second newer one started
            int k = sequenceNumber(e);
            int replacedAt = log.firstOfCustomerAbove(e.customerId, k);
            if (replacedAt >= 0 && replacedAt < arrived) {
                boolean wasCurrent = log.firstArrivalOfSequence(sequence) < replacedAt;
                int replacing = sequenceNumber(log.arrivals.get(replacedAt));
                int secondAt = log.firstOfCustomerAbove(e.customerId, replacing);
                return !wasCurrent || (secondAt >= 0 && secondAt < arrived);
            }
        }
        return false;
    }

    /**
     * One producer's events in the order it sends them: {@code sequences} sequences from seq 1 (ids
     * {@code c/k/s}, epoch 1 + 2k when it sends epochs), then swaps, delays, losses and copies,
     * restricted for {@link Producers#ANNOUNCED_RESTARTS} so that nothing crosses a restart's seq 1
     * and that seq 1 is never lost.
     */
    private static List<Interaction> producer(
            Producers kind, String customer, int sequences, int maxLength, Random random) {
        List<Interaction> out = new ArrayList<>();
        Channel[] channels = Channel.values();
        for (int k = 0; k < sequences; k++) {
            int n = 1 + random.nextInt(maxLength);
            for (long s = 1; s <= n; s++) {
                Interaction e = Events.event(customer, s, customer + "/" + k + "/" + s);
                e.occurredAt = 1_000_000L + random.nextInt(120_000); // unrelated to seq
                e.channel = channels[random.nextInt(channels.length)];
                if (e.channel != Channel.CHAT) {
                    e.body = null;
                    e.uri = "s3://raw/" + e.eventId;
                }
                e.seqEpoch = kind == Producers.EPOCHS ? 1 + 2L * k : Interaction.NO_EPOCH;
                out.add(e);
            }
        }
        boolean announced = kind == Producers.ANNOUNCED_RESTARTS;
        for (int i = out.size() - 1; i >= 0; i--) {
            if (random.nextInt(100) < 4 && !(announced && out.get(i).seq == 1)) {
                out.remove(i); // never sent
            }
        }
        for (int i = 0; i + 1 < out.size(); i++) {
            if (random.nextInt(100) < 15
                    && !(announced && (out.get(i).seq == 1 || out.get(i + 1).seq == 1))) {
                out.add(i, out.remove(i + 1)); // neighbours swapped
                i++;
            }
        }
        for (int i = out.size() - 2; i >= 0; i--) {
            if (random.nextInt(100) < 8 && !(announced && out.get(i).seq == 1)) {
                int to = Math.min(out.size() - 1, i + 2 + random.nextInt(30));
                while (announced && crossesARestart(out, i, to)) {
                    to--;
                }
                out.add(to, out.remove(i)); // delayed: its gap may be skipped before it comes
            }
        }
        for (int i = out.size() - 1; i >= 0; i--) {
            if (random.nextInt(100) < 15) {
                Interaction copy = out.get(i).copy();
                out.add(i + 1 + random.nextInt(out.size() - i), copy); // redelivered, any time
            }
        }
        return out;
    }

    /** Whether moving the event at {@code from} to {@code to} takes it past a restart's seq 1. */
    private static boolean crossesARestart(List<Interaction> events, int from, int to) {
        for (int j = from + 1; j <= to; j++) {
            if (events.get(j).seq == 1 && sequenceNumber(events.get(j)) > 0) {
                return true;
            }
        }
        return false;
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

    /** {@code customer/k}: the producer's k-th sequence. */
    private static String sequenceOf(Interaction e) {
        return e.eventId.substring(0, e.eventId.lastIndexOf('/'));
    }

    private static int sequenceNumber(Interaction e) {
        return Integer.parseInt(e.eventId.split("/")[1]);
    }

    /** An output, after {@code arrivals} events had arrived. */
    private record Out(Interaction event, boolean live, int arrivals) {}

    /** What a read_committed reader sees, in order, and where each id first arrived. */
    private static final class Committed {
        final List<Out> outs = new ArrayList<>();
        final Map<String, Integer> firstArrival = new LinkedHashMap<>();
        final List<Interaction> arrivals = new ArrayList<>();

        /**
         * Where the first event of a sequence after {@code k} of {@code customer} arrived, or -1.
         */
        int firstOfCustomerAbove(String customer, int k) {
            for (int i = 0; i < arrivals.size(); i++) {
                Interaction a = arrivals.get(i);
                if (a.customerId.equals(customer) && sequenceNumber(a) > k) {
                    return i;
                }
            }
            return -1;
        }

        int firstArrivalOfSequence(String sequence) {
            for (int i = 0; i < arrivals.size(); i++) {
                if (sequenceOf(arrivals.get(i)).equals(sequence)) {
                    return i;
                }
            }
            return Integer.MAX_VALUE;
        }

        /** What one customer sent and what came out, in committed order. */
        String timeline(String customer) {
            StringBuilder b = new StringBuilder();
            int o = 0;
            for (int a = 0; a <= arrivals.size(); a++) {
                for (; o < outs.size() && outs.get(o).arrivals <= a; o++) {
                    Out out = outs.get(o);
                    if (out.event.customerId.equals(customer)) {
                        b.append("    out ").append(out.live ? "live " : "LATE ");
                        b.append(out.event.eventId).append('\n');
                    }
                }
                if (a < arrivals.size() && arrivals.get(a).customerId.equals(customer)) {
                    Interaction e = arrivals.get(a);
                    b.append("  in ").append(e.eventId).append(" epoch ").append(e.seqEpoch);
                    b.append(" log ").append(e.logTimestamp).append('\n');
                }
            }
            return b.toString();
        }

        Committed copy() {
            Committed c = new Committed();
            c.outs.addAll(outs);
            c.firstArrival.putAll(firstArrival);
            c.arrivals.addAll(arrivals);
            return c;
        }
    }

    /** The operator at changing parallelism, checkpointed, failed and restored at random. */
    private static final class Run {
        private final Random random;
        private List<KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction>> hs;
        private int[] seenMain;
        private int[] seenLate;
        int failures;

        Run(Random random) {
            this.random = random;
        }

        Committed feed(List<Interaction> input, long[] logTime) throws Exception {
            Committed log = new Committed();
            Committed atCheckpoint = log.copy();
            List<OperatorSubtaskState> checkpoint = null;
            int checkpointPosition = 0;
            long offset = 0; // processing time ahead of log time: restarts take time
            long processing = 0;
            open(null, 1 + random.nextInt(3));
            for (int i = 0; i < input.size(); i++) {
                processing = logTime[i] + offset;
                at(logTime[i], processing);
                collect(log);
                Interaction e = input.get(i).copy();
                e.logTimestamp = logTime[i];
                route(e).processElement(new StreamRecord<>(e, e.logTimestamp));
                log.firstArrival.putIfAbsent(e.eventId, log.arrivals.size());
                log.arrivals.add(e);
                collect(log);
                int roll = random.nextInt(100);
                if (roll < 4) {
                    checkpoint = snapshot();
                    checkpointPosition = i + 1;
                    atCheckpoint = log.copy();
                } else if (roll < 6 && failures < 3) {
                    failures++;
                    // the job fails: uncommitted outputs are discarded, the input rewinds
                    int parallelism = 1 + random.nextInt(3);
                    int from = hs.size();
                    close();
                    log = atCheckpoint.copy();
                    // processing time goes on from where it was, the log's time from the rewind
                    offset = processing - logTime[checkpointPosition] + 1 + random.nextInt(10_000);
                    open(
                            checkpoint == null ? null : rescale(checkpoint, from, parallelism),
                            parallelism);
                    i = checkpointPosition - 1;
                }
            }
            for (var h : hs) {
                h.processWatermark(Long.MAX_VALUE); // the input ends
            }
            collect(log);
            for (var h : hs) {
                assertThat(h.numEventTimeTimers()).as("gap timers left").isZero();
                assertThat(OrderingHarness.customersWith(h, OrderingState.BUFFER)).isZero();
                assertThat(OrderingHarness.customersWith(h, OrderingState.GAP_WAIT)).isZero();
            }
            close();
            return log;
        }

        private void open(List<OperatorSubtaskState> parts, int parallelism) throws Exception {
            hs = new ArrayList<>();
            for (int i = 0; i < parallelism; i++) {
                var h =
                        new KeyedOneInputStreamOperatorTestHarness<>(
                                new KeyedProcessOperator<>(new OrderPerCustomer(CONFIG)),
                                CustomerKey.INSTANCE,
                                Types.STRING,
                                MAX_PARALLELISM,
                                parallelism,
                                i);
                h.setup();
                if (parts == null) {
                    h.initializeEmptyState();
                } else {
                    h.initializeState(parts.get(i));
                }
                h.open();
                hs.add(h);
            }
            seenMain = new int[parallelism];
            seenLate = new int[parallelism];
        }

        private void at(long log, long processing) throws Exception {
            for (var h : hs) {
                h.setStateTtlProcessingTime(processing);
                h.setProcessingTime(processing);
                h.processWatermark(log);
            }
        }

        private KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> route(
                Interaction e) {
            return hs.get(
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            e.customerId, MAX_PARALLELISM, hs.size()));
        }

        /** New outputs since the last call: in-order first (a step's late event comes alone). */
        private void collect(Committed log) {
            for (int i = 0; i < hs.size(); i++) {
                var h = hs.get(i);
                List<Interaction> main = h.extractOutputValues();
                for (; seenMain[i] < main.size(); seenMain[i]++) {
                    log.outs.add(new Out(main.get(seenMain[i]), true, log.arrivals.size()));
                }
                List<Interaction> late = OrderingHarness.side(h, OrderPerCustomer.LATE);
                for (; seenLate[i] < late.size(); seenLate[i]++) {
                    log.outs.add(new Out(late.get(seenLate[i]), false, log.arrivals.size()));
                }
            }
        }

        private List<OperatorSubtaskState> snapshot() throws Exception {
            List<OperatorSubtaskState> parts = new ArrayList<>();
            for (var h : hs) {
                parts.add(h.snapshot(1, 1));
            }
            return parts;
        }

        private static List<OperatorSubtaskState> rescale(
                List<OperatorSubtaskState> parts, int from, int to) throws Exception {
            OperatorSubtaskState all =
                    AbstractStreamOperatorTestHarness.repackageState(
                            parts.toArray(new OperatorSubtaskState[0]));
            List<OperatorSubtaskState> out = new ArrayList<>();
            for (int i = 0; i < to; i++) {
                out.add(
                        AbstractStreamOperatorTestHarness.repartitionOperatorState(
                                all, MAX_PARALLELISM, from, to, i));
            }
            return out;
        }

        private void close() throws Exception {
            for (var h : hs) {
                h.close();
            }
        }
    }
}
