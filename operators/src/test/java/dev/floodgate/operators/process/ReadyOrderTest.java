package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.HIGH;
import static dev.floodgate.model.Priority.LOW;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.OrderScope;
import dev.floodgate.operators.shed.AdmissionPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The order in which a lane calls its ready events: the others by arrival (a customer's successor
 * is not sent to the tail), and priority inheritance (the events ahead of a {@code high} event in
 * its customer's queue are called as {@code high}, in order, and only those).
 */
class ReadyOrderTest {
    private LanesHarness h;

    private void open(LanesConfig config) throws Exception {
        h = new LanesHarness(new ManualProcessor(), config, AdmissionPolicy.admitAll());
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aSuccessorCompetesByItsArrivalNotAtTheTail() throws Exception {
        open(LanesConfig.defaults().withMaxInFlight(VOICE, 1));
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, VOICE, NORMAL); // arrives before b-1 and c-1
        h.send("b", 1, VOICE, LOW);
        h.send("c", 1, VOICE, NORMAL);
        h.succeed("a-1");
        assertThat(h.processor.started()).as("a-2 arrived before b-1").containsExactly("a-2");
        h.succeed("a-2");
        h.succeed("b-1");
        h.succeed("c-1");
        assertThat(h.outputIds()).containsExactly("a-1", "a-2", "b-1", "c-1");
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void theEventsAheadOfAHighEventInItsCustomersQueueInheritItsPriority() throws Exception {
        open(LanesConfig.defaults().withMaxInFlight(VOICE, 1));
        h.send("busy", 1, VOICE, NORMAL); // in flight
        h.send("a", 1, VOICE, NORMAL); // ready, behind the others until a-3 comes
        h.send("a", 2, VOICE, LOW);
        for (int i = 1; i <= 5; i++) {
            h.send("o" + i, 1, VOICE, NORMAL); // the admitted backlog
        }
        h.send("a", 3, VOICE, HIGH);
        h.send("a", 4, VOICE, NORMAL); // behind the high one: inherits nothing
        h.send("vip", 1, VOICE, HIGH);
        h.succeed("busy-1");
        assertThat(h.processor.started()).as("a-1 inherited a-3's priority").containsExactly("a-1");
        h.succeed("a-1");
        // a-2 became ready with a-3 behind it: high, but after vip-1, which was ready before it
        assertThat(h.processor.started()).containsExactly("vip-1");
        h.succeed("vip-1");
        assertThat(h.processor.started()).containsExactly("a-2");
        h.succeed("a-2");
        assertThat(h.processor.started()).containsExactly("a-3");
        h.succeed("a-3");
        assertThat(h.processor.started())
                .as("a-4 is not lifted: the backlog that arrived before it goes first")
                .containsExactly("o1-1");
        for (int i = 1; i <= 5; i++) {
            h.succeed("o" + i + "-1");
        }
        h.succeed("a-4");
        assertThat(h.processor.urgentLog())
                .as("the high events and the ones they inherited to are urgent calls, only those")
                .containsExactly("a-1", "vip-1", "a-2", "a-3");
        assertThat(h.outputIds())
                .as("a customer's results in order; the high one after 3 calls, not 8")
                .containsExactly(
                        "busy-1", "a-1", "vip-1", "a-2", "a-3", "o1-1", "o2-1", "o3-1", "o4-1",
                        "o5-1", "a-4");
        assertThat(h.operator().pending()).isZero();
        h.harness.snapshot(1, 1);
        assertThat(h.harness.numKeyedStateEntries()).isZero();
    }

    /**
     * With order scope {@code customer} the event ahead of a {@code high} voice event may be in
     * another lane: it is lifted in its own lane.
     */
    @Test
    void inheritanceCrossesLanesWithOrderScopeCustomer() throws Exception {
        open(LanesConfig.defaults().withMaxInFlight(CHAT, 1).withOrderScope(OrderScope.CUSTOMER));
        h.send("busy", 1, CHAT, NORMAL);
        h.send("a", 1, CHAT, NORMAL);
        h.send("b", 1, CHAT, NORMAL);
        h.send("a", 2, VOICE, HIGH);
        h.succeed("busy-1");
        assertThat(h.processor.started()).containsExactly("a-1");
        h.succeed("a-1");
        assertThat(h.processor.started()).containsExactlyInAnyOrder("b-1", "a-2");
        h.succeed("a-2");
        h.succeed("b-1");
        assertThat(h.outputIds()).containsExactly("busy-1", "a-1", "a-2", "b-1");
        assertThat(h.operator().pending()).isZero();
    }
}
