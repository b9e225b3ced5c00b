package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.OrderScope;
import dev.floodgate.model.Priority;
import dev.floodgate.testing.ShedEvents;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@link AdmittedEvents} writes at a snapshot: the customers whose events changed, in arrival
 * order; a clear only for a customer whose state holds events (written before, or restored), and
 * nothing for a customer whose events came and went between two snapshots.
 */
class AdmittedEventsTest {
    private final ChannelLane chat =
            new ChannelLane(Channel.CHAT, 4, 100, new CircuitBreaker(5, 1000));
    private final AdmittedEvents admitted = new AdmittedEvents(OrderScope.CHANNEL, 3);

    private Map<String, List<String>> snapshot() throws Exception {
        Map<String, List<String>> written = new LinkedHashMap<>();
        admitted.snapshot(
                (customer, events) ->
                        written.put(customer, events.stream().map(e -> e.eventId).toList()));
        return written;
    }

    private static Interaction chat(String customer, long seq) {
        return ShedEvents.event(customer, seq, Channel.CHAT, Priority.NORMAL, 1000 + seq);
    }

    @Test
    void writesChangedCustomersAndClearsOnlyWhatStateHolds() throws Exception {
        assertThat(admitted.admit(chat("a", 1), chat, 10)).isNotNull();
        assertThat(admitted.admit(chat("a", 2), chat, 10)).isNotNull();
        assertThat(admitted.admit(chat("b", 1), chat, 10)).isNotNull();
        Pending a1 = chat.pollReady(); // the heads: a-1, then b-1 (a-2 waits behind a-1)
        Pending b1 = chat.pollReady();
        assertThat(a1.event.eventId).isEqualTo("a-1");
        assertThat(b1.event.eventId).isEqualTo("b-1");
        admitted.done(b1); // b came and went: nothing to write

        assertThat(snapshot()).containsExactly(Map.entry("a", List.of("a-1", "a-2")));
        assertThat(snapshot()).as("nothing changed since").isEmpty();

        admitted.done(a1);
        assertThat(snapshot()).containsExactly(Map.entry("a", List.of("a-2")));
        admitted.done(chat.pollReady());
        assertThat(snapshot())
                .as("a's state is cleared")
                .containsExactly(Map.entry("a", List.of()));
        assertThat(snapshot()).isEmpty();
        assertThat(admitted.size()).isZero();
    }

    @Test
    void aRestoredCustomerIsClearedWhenItsEventsAreDone() throws Exception {
        admitted.admit(chat("r", 1), chat);
        admitted.done(chat.pollReady());
        assertThat(snapshot()).containsExactly(Map.entry("r", List.of()));
    }

    @Test
    void theCustomerBoundStillHolds() {
        assertThat(admitted.admit(chat("a", 1), chat, 2)).isNotNull();
        assertThat(admitted.admit(chat("a", 2), chat, 2)).isNotNull();
        assertThat(admitted.admit(chat("a", 3), chat, 2)).isNull();
        admitted.done(chat.pollReady());
        assertThat(admitted.admit(chat("a", 3), chat, 2)).isNotNull();
    }
}
