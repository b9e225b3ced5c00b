package dev.floodgate.operators.shed;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Channel.IMAGE;
import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.HIGH;
import static dev.floodgate.model.Priority.LOW;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.testing.ShedEvents;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ShedByFreshnessTest {
    private static final long T0 = 1_000_000_000L;

    private ShedByFreshness fn;
    private KeyedOneInputStreamOperatorTestHarness<String, Interaction, Interaction> harness;

    private void open(ShedPolicy policy) throws Exception {
        fn = new ShedByFreshness(policy);
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), CustomerKey.INSTANCE, Types.STRING);
        harness.open();
        harness.setProcessingTime(T0);
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    /** Sends an event of {@code customer} that is {@code ageSeconds} old now; returns it. */
    private Interaction send(
            String customer, long seq, Channel channel, Priority priority, double ageSeconds)
            throws Exception {
        long now = harness.getProcessingTime();
        Interaction e =
                ShedEvents.aged(customer, seq, channel, priority, now, (long) (ageSeconds * 1000));
        harness.processElement(e, now);
        return e;
    }

    private List<Long> liveSeqs() {
        return harness.extractOutputValues().stream().map(e -> e.seq).collect(Collectors.toList());
    }

    private List<Long> shedSeqs() {
        return harness.getSideOutput(ShedByFreshness.SHED) == null
                ? List.of()
                : harness.getSideOutput(ShedByFreshness.SHED).stream()
                        .map(r -> r.getValue().seq)
                        .collect(Collectors.toList());
    }

    @Test
    void entersAboveSloStaysBetweenAndLeavesBelowLowWater() throws Exception {
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.disabled()));

        send("c1", 1, VOICE, LOW, 5); // fresh: live
        send("c1", 2, VOICE, LOW, 29); // below the 30 s SLO: live, not shedding
        assertThat(fn.sheddingActive(VOICE)).isFalse();
        send("c1", 3, VOICE, LOW, 31); // above SLO: enters, shed
        assertThat(fn.sheddingActive(VOICE)).isTrue();
        send("c1", 4, VOICE, NORMAL, 20); // between low-water and SLO: stays, shed
        send("c1", 5, VOICE, LOW, 11); // still above the 10 s low-water: shed
        harness.setProcessingTime(T0 + 10_000); // nothing above the low-water for the hold (10 s)
        send("c1", 6, VOICE, LOW, 9); // below low-water: leaves, live
        assertThat(fn.sheddingActive(VOICE)).isFalse();
        send("c1", 7, VOICE, LOW, 25); // between, but inactive: live (no flapping back)
        send("c1", 8, VOICE, LOW, 31); // above SLO again: shed

        assertThat(liveSeqs()).containsExactly(1L, 2L, 6L, 7L);
        assertThat(shedSeqs()).containsExactly(3L, 4L, 5L, 8L);
        assertThat(fn.metrics().shedCount(VOICE, LOW)).isEqualTo(3);
        assertThat(fn.metrics().shedCount(VOICE, NORMAL)).isEqualTo(1);
        assertThat(fn.metrics().ageHistogram(VOICE, true).getCount()).isEqualTo(4);
        assertThat(fn.metrics().ageHistogram(VOICE, false).getCount()).isEqualTo(4);
        assertThat(fn.metrics().ageHistogram(VOICE, true).getStatistics().getMax())
                .isEqualTo(31_000);
    }

    @Test
    void oneFreshEventAmidAStaleBacklogDoesNotStopShedding() throws Exception {
        // Under backpressure the source reads partitions in chunks: a subtask sees young events of
        // one partition
        // between old events of another. Shedding stops only once nothing above the low-water mark
        // (10 s) has
        // been seen for the hold (as long as the low-water mark), so the lane does not flap.
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.disabled()));

        send("c1", 1, VOICE, LOW, 31); // above the 30 s SLO: enters, shed
        harness.setProcessingTime(T0 + 1_000);
        send("c2", 1, VOICE, NORMAL, 2); // young, from a partition read ahead: still shed
        send("c3", 1, VOICE, HIGH, 25); // old HIGH (live): the backlog is still there
        harness.setProcessingTime(T0 + 9_000);
        send("c2", 2, VOICE, LOW, 3); // 8 s without an old event: not yet
        assertThat(fn.sheddingActive(VOICE)).isTrue();
        harness.setProcessingTime(T0 + 11_000);
        send("c2", 3, VOICE, LOW, 4); // 10 s without an old event: leaves, live
        assertThat(fn.sheddingActive(VOICE)).isFalse();
        send("c1", 2, VOICE, LOW, 20); // between low-water and SLO, inactive: live

        assertThat(harness.extractOutputValues())
                .extracting(e -> e.eventId)
                .containsExactly("c3-1", "c2-3", "c1-2");
        assertThat(harness.getSideOutput(ShedByFreshness.SHED))
                .extracting(r -> r.getValue().eventId)
                .containsExactly("c1-1", "c2-1", "c2-2");
    }

    @Test
    void thresholdsArePerChannel() throws Exception {
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.disabled()));

        send("c1", 1, IMAGE, LOW, 45); // image SLO is 60 s: live
        send("c2", 1, VOICE, LOW, 45); // voice SLO is 30 s: shed
        send("c3", 1, IMAGE, NORMAL, 61); // image above 60 s: shed
        send("c1", 2, IMAGE, LOW, 25); // image between 20 s and 60 s, active: shed
        send("c2", 2, VOICE, LOW, 25); // voice between 10 s and 30 s, active: shed
        harness.setProcessingTime(
                T0 + 20_000); // no image event above its low-water for its hold (20 s)
        send("c4", 1, IMAGE, LOW, 19); // image below its low-water: leaves, live
        send("c4", 2, VOICE, LOW, 15); // voice still active: shed

        assertThat(harness.extractOutputValues())
                .extracting(e -> e.eventId)
                .containsExactly("c1-1", "c4-1");
        assertThat(harness.getSideOutput(ShedByFreshness.SHED))
                .extracting(r -> r.getValue().eventId)
                .containsExactly("c2-1", "c3-1", "c1-2", "c2-2", "c4-2");
        assertThat(fn.sheddingActive(VOICE)).isTrue();
        assertThat(fn.sheddingActive(IMAGE)).isFalse();
    }

    @Test
    void highIsNeverShedAndDoesNotStartShedding() throws Exception {
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.disabled()));

        send(
                "c1", 1, VOICE, HIGH,
                600); // very old, but HIGH: live, and HIGH does not switch the lane on
        assertThat(fn.sheddingActive(VOICE)).isFalse();
        send("c1", 2, VOICE, LOW, 40); // switches on
        send("c1", 3, VOICE, HIGH, 40); // live while shedding
        send("c1", 4, VOICE, NORMAL, 40);

        assertThat(liveSeqs()).containsExactly(1L, 3L);
        assertThat(shedSeqs()).containsExactly(2L, 4L);
    }

    @Test
    void configListingHighIsRejected() {
        assertThatThrownBy(
                        () ->
                                ChannelPolicy.shed(
                                        Duration.ofSeconds(30), Duration.ofSeconds(10), LOW, HIGH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HIGH is never shed");
        assertThatThrownBy(
                        () ->
                                new HotKeyPolicy(
                                        10,
                                        Duration.ofSeconds(1),
                                        EnumSet.of(HIGH),
                                        Duration.ofMinutes(1),
                                        10,
                                        10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HIGH is never shed");
        assertThatThrownBy(
                        () ->
                                ChannelPolicy.shed(
                                        Duration.ofSeconds(10), Duration.ofSeconds(30), LOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lowWater <= slo");
    }

    @Test
    void chatIsNotShedByDefault() throws Exception {
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.disabled()));

        send("c1", 1, CHAT, LOW, 3600);
        send("c1", 2, CHAT, NORMAL, 3600);

        assertThat(liveSeqs()).containsExactly(1L, 2L);
        assertThat(shedSeqs()).isEmpty();
        assertThat(fn.sheddingActive(CHAT)).isFalse();
    }

    @Test
    void hotKeyIsShedRegardlessOfAgeAndReported() throws Exception {
        // hot above 5 events/s over 1 s: the 6th event of a second on is shed
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.of(5, Duration.ofSeconds(1))));

        for (int seq = 1; seq <= 8; seq++) {
            send("bot", seq, CHAT, LOW, 0);
        }
        send("bot", 9, CHAT, HIGH, 0); // HIGH of a hot key: still live
        send("calm", 1, CHAT, LOW, 0); // other customers are not affected

        assertThat(harness.extractOutputValues())
                .extracting(e -> e.eventId)
                .containsExactly("bot-1", "bot-2", "bot-3", "bot-4", "bot-5", "bot-9", "calm-1");
        assertThat(harness.getSideOutput(ShedByFreshness.SHED))
                .extracting(r -> r.getValue().eventId)
                .containsExactly("bot-6", "bot-7", "bot-8");
        assertThat(fn.metrics().hotKeySheds()).isEqualTo(3);
        assertThat(fn.metrics().shedCount(CHAT, LOW)).isEqualTo(3);
        assertThat(fn.hotKeys().currentHotKeys()).isEqualTo(1);
        assertThat(fn.hotKeys().logged()).as("one log line per customer per minute").isEqualTo(1);

        // the bot keeps flooding in the next second: stays hot from its first event on
        harness.setProcessingTime(T0 + 1_500);
        send("bot", 10, VOICE, NORMAL, 0);
        assertThat(shedSeqs()).endsWith(10L);

        // quiet for two windows: cooled down, live again, and the gauge follows
        harness.setProcessingTime(T0 + 5_000);
        send("bot", 11, CHAT, LOW, 0);
        assertThat(liveSeqs()).endsWith(11L);
        assertThat(fn.hotKeys().currentHotKeys()).isZero();
        assertThat(fn.hotKeys().logged()).isEqualTo(1);
    }

    @Test
    void hotKeyLogsAreRateLimitedPerCustomerAndInTotal() throws Exception {
        HotKeyPolicy hot =
                new HotKeyPolicy(
                        1,
                        Duration.ofSeconds(1),
                        EnumSet.of(LOW, NORMAL),
                        Duration.ofMinutes(1),
                        3,
                        100);
        open(ShedPolicy.defaults().withHotKey(hot));

        for (int c = 0; c < 10; c++) {
            for (int seq = 1; seq <= 4; seq++) {
                send("bot" + c, seq, CHAT, LOW, 0);
            }
        }
        assertThat(fn.metrics().hotKeySheds())
                .as("1 event/s allowed, 3 of 4 shed")
                .isEqualTo(10 * 3);
        assertThat(fn.hotKeys().currentHotKeys()).isEqualTo(10);
        assertThat(fn.hotKeys().logged()).as("at most 3 lines per minute in total").isEqualTo(3);

        harness.setProcessingTime(T0 + 61_000);
        for (int seq = 5; seq <= 7; seq++) {
            send("bot0", seq, CHAT, LOW, 0);
        }
        assertThat(fn.hotKeys().logged())
                .as("a still-hot customer is logged again after a minute")
                .isEqualTo(4);
    }

    @Test
    void noTimersNoKeyedStateAndHotKeyMemoryIsBounded() throws Exception {
        open(ShedPolicy.defaults()); // hot key on: windows of 10 s, generations of 20 s
        for (int c = 0; c < 100; c++) {
            send("c" + c, 1, VOICE, LOW, 1);
        }
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(fn.hotKeyRates().tracked()).isEqualTo(100);

        // still remembered two windows later (the hot rule needs that long) ...
        harness.setProcessingTime(T0 + 20_000);
        send("c0", 2, VOICE, LOW, 1);
        assertThat(fn.hotKeyRates().tracked()).isEqualTo(100);
        // ... and forgotten after two generations of quiet, while 200 other customers send
        harness.setProcessingTime(T0 + 40_000);
        for (int c = 100; c < 300; c++) {
            send("c" + c, 1, VOICE, LOW, 1);
        }
        assertThat(fn.hotKeyRates().tracked()).isEqualTo(201);
        harness.setProcessingTime(T0 + 60_000);
        send("c100", 2, VOICE, LOW, 1);
        assertThat(fn.hotKeyRates().tracked())
                .as("c0, quiet for two generations, is gone")
                .isEqualTo(200);
        harness.setProcessingTime(T0 + 200_000);
        send("c7", 2, VOICE, LOW, 1);
        assertThat(fn.hotKeyRates().tracked()).as("a long quiet forgets everyone").isEqualTo(1);
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void withoutHotKeyDetectionNothingIsTracked() throws Exception {
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.disabled()));
        for (int c = 0; c < 20; c++) {
            send("c" + c, 1, IMAGE, NORMAL, 1);
        }
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(fn.hotKeyRates()).isNull();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void sideOutputCarriesTheEventUnchangedAndLanesNameTheTags() throws Exception {
        open(ShedPolicy.defaults().withHotKey(HotKeyPolicy.disabled()));
        Interaction old = send("c1", 7, IMAGE, LOW, 90);

        assertThat(harness.getSideOutput(ShedByFreshness.SHED))
                .extracting(StreamRecord::getValue)
                .containsExactly(old);
        assertThat(ShedByFreshness.LANES).containsEntry("shed", ShedByFreshness.SHED);
        assertThat(ShedPolicy.none().channel(VOICE).mayShed(LOW)).isFalse();
    }

    @Test
    void functionShipsToTheClusterAndOutcomesArePojos() throws Exception {
        ShedByFreshness copy = InstantiationUtil.clone(new ShedByFreshness(ShedPolicy.defaults()));
        assertThat(copy).isNotNull();
        // the transient retry marker must not turn the outcome into a Kryo type
        assertThat(TypeInformation.of(dev.floodgate.operators.process.ProcessOutcome.class))
                .isInstanceOf(PojoTypeInfo.class);
    }
}
