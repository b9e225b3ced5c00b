package dev.floodgate.job.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * The compact per-event memory of reconcile against a plain map as the model: every id added is
 * found in its own slot with its fingerprints and flags, also after the table grew past its first
 * size; ids never added are not found; the processed count saturates at 3.
 */
class EventTableTest {

    @Property(tries = 200)
    void agreesWithAMapForAnyIdsAndCounts(
            @ForAll @Size(max = 400) List<@StringLength(max = 40) String> ids,
            @ForAll @Size(max = 400) List<@IntRange(min = 0, max = 399) Integer> processed,
            @ForAll @IntRange(min = 0, max = 50) int expected) {
        EventFingerprint f = new EventFingerprint();
        EventTable table = new EventTable(expected);
        Map<String, Integer> model = new HashMap<>();
        long[] key = new long[2];
        for (String id : ids) {
            f.id(id, key);
            int slot = table.add(key[0], key[1], id.hashCode(), id.length());
            assertThat(slot < 0).isEqualTo(!model.containsKey(id));
            model.putIfAbsent(id, 0);
        }
        for (int i : processed) {
            if (i < ids.size()) {
                String id = ids.get(i);
                f.id(id, key);
                table.countProcessed(table.find(key[0], key[1]));
                model.merge(id, 1, Integer::sum);
            }
        }
        assertThat(table.size()).isEqualTo(model.size());
        for (Map.Entry<String, Integer> e : model.entrySet()) {
            f.id(e.getKey(), key);
            int slot = table.find(key[0], key[1]);
            assertThat(slot).isNotNegative();
            assertThat(table.content(slot)).isEqualTo(e.getKey().hashCode());
            assertThat(table.header(slot)).isEqualTo(e.getKey().length());
            assertThat(table.count(slot)).isEqualTo(Math.min(3, e.getValue()));
            assertThat(table.has(slot, EventTable.SHED)).isFalse();
        }
        f.id("never-added-" + ids.size(), key);
        assertThat(table.find(key[0], key[1])).isEqualTo(-1);
    }

    @Test
    void flagsAreSetOnceAndKeptWhenTheTableGrows() {
        EventFingerprint f = new EventFingerprint();
        EventTable table = new EventTable(1);
        long[] key = new long[2];
        f.id("e-0", key);
        int slot = -table.add(key[0], key[1], 7, 8) - 1;
        assertThat(table.flag(slot, EventTable.SHED)).isTrue();
        assertThat(table.flag(slot, EventTable.SHED)).as("already set").isFalse();
        table.countProcessed(slot);
        int capacity = table.capacity();
        for (int i = 1; i < 10_000; i++) {
            f.id("e-" + i, key);
            table.add(key[0], key[1], i, i);
        }
        assertThat(table.capacity()).isGreaterThan(capacity);
        f.id("e-0", key);
        int moved = table.find(key[0], key[1]);
        assertThat(table.has(moved, EventTable.SHED)).isTrue();
        assertThat(table.has(moved, EventTable.DEAD_LETTERED)).isFalse();
        assertThat(table.count(moved)).isEqualTo(1);
        assertThat(table.content(moved)).isEqualTo(7);
    }

    @Test
    void twoMillionEventsFitInAboutEightyMegabytes() {
        EventTable table = new EventTable(2_000_000);
        long bytes = table.capacity() * (8L + 8 + 8 + 4 + 1);
        assertThat(bytes).isLessThan(90L << 20);
    }

    @Test
    void contentTellsARedeliveryFromADifferentEventWithTheSameId() {
        EventFingerprint f = new EventFingerprint();
        Interaction a = event();
        Interaction copy = a.copy();
        copy.sourceOffset = 99; // a redelivery sits elsewhere in the log
        copy.logTimestamp = 1;
        assertThat(f.content(copy)).isEqualTo(f.content(a));
        for (Interaction other : variants(a)) {
            assertThat(f.content(other)).as(other.toString()).isNotEqualTo(f.content(a));
        }
        assertThat(f.header(a.customerId, a.seq, a.channel, a.priority, a.occurredAt))
                .isNotEqualTo(
                        f.header(a.customerId, a.seq + 1, a.channel, a.priority, a.occurredAt));
    }

    @Test
    void fieldBoundariesCannotBeShifted() {
        EventFingerprint f = new EventFingerprint();
        Interaction a = event();
        a.body = "ab";
        a.uri = "c";
        Interaction b = event();
        b.body = "a";
        b.uri = "bc";
        Interaction nulls = event();
        nulls.body = null;
        nulls.uri = "";
        Interaction empty = event();
        empty.body = "";
        empty.uri = null;
        assertThat(f.content(a)).isNotEqualTo(f.content(b));
        assertThat(f.content(nulls)).isNotEqualTo(f.content(empty));
    }

    private static List<Interaction> variants(Interaction a) {
        Interaction customer = a.copy();
        customer.customerId = "c-2";
        Interaction seq = a.copy();
        seq.seq = 8;
        Interaction channel = a.copy();
        channel.channel = Channel.VOICE;
        Interaction priority = a.copy();
        priority.priority = Priority.HIGH;
        Interaction time = a.copy();
        time.occurredAt = a.occurredAt + 1;
        Interaction body = a.copy();
        body.body = "hello!";
        return List.of(customer, seq, channel, priority, time, body);
    }

    private static Interaction event() {
        Interaction in = new Interaction();
        in.eventId = "e-1";
        in.customerId = "c-1";
        in.seq = 7;
        in.channel = Channel.CHAT;
        in.priority = Priority.NORMAL;
        in.occurredAt = 1_700_000_000_000L;
        in.body = "hello";
        return in;
    }
}
