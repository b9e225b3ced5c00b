package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.OrderScope;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * Random interleavings of arrivals, call completions in random order, and crashes right after a
 * checkpoint (restore from it, the calls in flight lost), through {@link ProcessInLanes}: every
 * event comes out exactly once, and per customer in {@code seq} order within each lane (across
 * lanes with order scope {@code customer}).
 */
class ProcessInLanesProperties {

    @Property(tries = 60)
    void everyEventOnceInOrderThroughCrashes(
            @ForAll @IntRange(min = 1, max = 6) int customers,
            @ForAll @IntRange(min = 1, max = 60) int events,
            @ForAll @IntRange(min = 1, max = 3) int budget,
            @ForAll boolean strict,
            @ForAll long seed)
            throws Exception {
        Random random = new Random(seed);
        LanesConfig config =
                LanesConfig.defaults()
                        .withOrderScope(strict ? OrderScope.CUSTOMER : OrderScope.CHANNEL);
        for (Channel c : Channel.values()) {
            config = config.withMaxInFlight(c, budget);
        }
        Map<String, Long> nextSeq = new HashMap<>();
        Map<String, String> laneOf = new HashMap<>();
        List<String> committed = new ArrayList<>();
        List<String> committedShed = new ArrayList<>();
        LanesHarness h =
                new LanesHarness(new ManualProcessor(), config, AdmissionPolicy.admitAll());
        int emittedBefore = 0; // outputs of the current harness already committed by a checkpoint
        int shedBefore = 0; // and its sheds
        int sent = 0;
        try {
            while (sent < events || !h.processor.started().isEmpty()) {
                int action = random.nextInt(10);
                List<String> inFlight = h.processor.started();
                if (sent < events && (action < 5 || inFlight.isEmpty())) {
                    String customer = "c" + random.nextInt(customers);
                    long seq = nextSeq.merge(customer, 1L, Long::sum);
                    Channel channel = Channel.values()[random.nextInt(3)];
                    Priority priority = Priority.values()[random.nextInt(3)];
                    h.send(customer, seq, channel, priority);
                    laneOf.put(customer + "-" + seq, channel.name());
                    sent++;
                } else if (action < 9 && !inFlight.isEmpty()) {
                    h.succeed(inFlight.get(random.nextInt(inFlight.size())));
                } else if (action == 9) {
                    OperatorSubtaskState snapshot = h.harness.snapshot(sent, sent);
                    List<String> out = h.outputIds();
                    committed.addAll(out.subList(emittedBefore, out.size()));
                    committedShed.addAll(shedIds(h, shedBefore));
                    // crash right after the checkpoint: nothing of the old harness survives
                    h.processor.forget();
                    h.close();
                    h =
                            new LanesHarness(
                                    new ManualProcessor(),
                                    config,
                                    AdmissionPolicy.admitAll(),
                                    snapshot,
                                    1,
                                    0);
                    emittedBefore = 0;
                    shedBefore = 0;
                }
            }
            List<String> out = h.outputIds();
            committed.addAll(out.subList(emittedBefore, out.size()));
            committedShed.addAll(shedIds(h, shedBefore));
            assertThat(h.operator().pending()).isZero();
        } finally {
            h.close();
        }

        // one outcome each: a result, or (one customer's backlog past the lane's per-customer
        // bound,
        // while its calls hang) a shed, which the drain processes later
        List<String> outcomes = new ArrayList<>(committed);
        outcomes.addAll(committedShed);
        assertThat(outcomes).doesNotHaveDuplicates().hasSize(sent);
        Map<String, Long> last = new HashMap<>();
        for (String id : committed) {
            int dash = id.lastIndexOf('-');
            String customer = id.substring(0, dash);
            long seq = Long.parseLong(id.substring(dash + 1));
            String scope = strict ? customer : customer + "/" + laneOf.get(id);
            Long before = last.put(scope, seq);
            assertThat(before == null || before < seq)
                    .as("%s after seq %s in %s", id, before, scope)
                    .isTrue();
        }
    }

    /** The ids of the harness's sheds from {@code from} on; each must be a customer backlog. */
    private static List<String> shedIds(LanesHarness h, int from) {
        List<String> ids = new ArrayList<>();
        for (var s : h.shed().subList(from, h.shed().size())) {
            assertThat(s.reason).isEqualTo(dev.floodgate.model.ShedReason.CUSTOMER_BACKLOG);
            ids.add(s.event.eventId);
        }
        return ids;
    }
}
