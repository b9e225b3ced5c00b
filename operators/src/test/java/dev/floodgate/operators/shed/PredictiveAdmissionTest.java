package dev.floodgate.operators.shed;

import static dev.floodgate.model.Channel.VOICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ShedReason;
import dev.floodgate.testing.ShedEvents;
import dev.floodgate.testing.TestPolicies;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PredictiveAdmission} after a restart, where the job, not the service, is slow: the ages of
 * a catch-up must neither teach the correction nor, through it, make a fast service look like the
 * bottleneck (a TaskManager killed under load with a service answering at once shed 1 of 59,443
 * events, voice normal, 42 s old, with the factor near its cap). Voice {@code 5s/2s}, normal and
 * low sheddable; the lane is a {@link Lane} with the figures a test sets.
 */
class PredictiveAdmissionTest {
    static final long T0 = 1_000_000_000L;
    static final long TARGET = 2_000;

    private PredictiveAdmission admission;
    private long seq;

    @BeforeEach
    void open() {
        ShedPolicy policy = TestPolicies.voiceSheds(Duration.ofMillis(TARGET));
        admission = new PredictiveAdmission(policy, new UnregisteredMetricsGroup());
    }

    private Interaction event(Priority p, long logTime) {
        return ShedEvents.event("c" + (seq % 100), seq++, VOICE, p, logTime);
    }

    /** One admitted normal event per ms from {@code now}, each result {@code lateBy} past aim. */
    private long lateResults(long now, int n, long ageAtAdmission, Lane lane) {
        for (int i = 0; i < n; i++, now++) {
            Interaction e = event(Priority.NORMAL, now - ageAtAdmission);
            assertThat(admission.decide(e, now, lane)).isNull();
            admission.processed(e, now + TARGET, now, TARGET / 2);
        }
        return now;
    }

    @Test
    void lateResultsOfALiveReadRaiseTheCorrection() {
        Lane calm = new Lane(4, 0, 0, 200);
        lateResults(T0, 100, 100, calm);
        assertThat(admission.correction(VOICE)).isEqualTo(WaitCorrection.MAX);
    }

    /**
     * Right after a restart the channel reads events older than its target; the fresh ones behind
     * them are processed late because they queue behind the backlog, which says nothing of the
     * service: the correction stays where it was.
     */
    @Test
    void resultsDelayedByABacklogTeachNothing() {
        Lane calm = new Lane(4, 0, 0, 200);
        long now = T0;
        Interaction old = event(Priority.HIGH, now - 30_000);
        assertThat(admission.decide(old, now, calm)).isNull();
        now = lateResults(now + 1, 100, 100, calm);
        assertThat(admission.correction(VOICE)).isEqualTo(1.0);

        // a target after the last old event, results count again
        now += TARGET;
        lateResults(now, 100, 100, calm);
        assertThat(admission.correction(VOICE)).isGreaterThan(1.0);
    }

    /**
     * A factor learnt in a flood (here at its cap) does not make a fast lane the bottleneck of a
     * backlog: the lane completes 2,000 calls/s, the producers sent 500/s, so the catch-up is
     * absorbed, however long the corrected wait reads. Before, the rule compared the demand with
     * 2,000 / 10: an old event was shed.
     */
    @Test
    void aCorrectionDoesNotMakeAFastLaneTheBottleneckOfABacklog() {
        Lane calm = new Lane(4, 0, 0, 200);
        lateResults(T0 - 10_000, 100, 100, calm); // a flood 10 s ago
        assertThat(admission.correction(VOICE)).isEqualTo(WaitCorrection.MAX);

        // then the job stalled: a backlog logged 2 ms apart (500/s) since then, read fast; 1,000
        // queued, 2 ms a call (over the stall the correction relaxed to about 8)
        Lane fast = new Lane(4, 4, 1_000, 2);
        long now = T0;
        long logTime = now - 10_000;
        for (int i = 0; i < 3_000; i++) {
            Priority p = i % 3 == 0 ? Priority.HIGH : Priority.NORMAL;
            Interaction e = event(p, logTime);
            logTime += 2;
            assertThat(admission.decide(e, now, fast)).isNull();
            if (p == Priority.NORMAL && i >= 1_000) {
                assertThat(admission.lastPredictedWaitMillis()).isGreaterThan(TARGET);
            }
        }
        assertThat(admission.correction(VOICE)).isGreaterThan(7);
    }

    /** The same backlog against a lane that completes less than the producers sent is shed. */
    @Test
    void aBacklogTheLaneCannotAbsorbIsStillShed() {
        Lane slow = new Lane(2, 2, 100, 200); // 10 calls/s
        long now = T0;
        long logTime = now - 60_000;
        int shed = 0;
        for (int i = 0; i < 3_000; i++) {
            Interaction e = event(Priority.NORMAL, logTime);
            logTime += 2;
            if (admission.decide(e, now, slow) == ShedReason.PREDICTED_WAIT) {
                shed++;
            }
        }
        assertThat(shed).isGreaterThan(2_000);
    }

    /**
     * After a restart the lane's limit and latency are the restart's (here 10 calls/s against the
     * 2,000 it served before); a backlog of 500 events/s it absorbed before is not shed for that
     * moment. Once the service has been that slow for two windows, it is the bottleneck.
     */
    @Test
    void aMomentarySlowLaneIsNotTheBottleneckOfABacklogItServedFastBefore() {
        Lane fast = new Lane(4, 0, 0, 2);
        long now = T0;
        for (int i = 0; i < 100; i++, now += 10) {
            assertThat(admission.decide(event(Priority.NORMAL, now - 100), now, fast)).isNull();
        }
        Lane slowed = new Lane(1, 1, 200, 100);
        long logTime = now - 20_000;
        for (int i = 0; i < 2_000; i++, logTime += 2) {
            Interaction e = event(Priority.NORMAL, logTime);
            assertThat(admission.decide(e, now, slowed)).isNull();
            assertThat(admission.lastPredictedWaitMillis()).isGreaterThan(TARGET);
        }
        now += 2 * PeakRate.WINDOW_MILLIS;
        logTime = now - 20_000;
        int shed = 0;
        for (int i = 0; i < 2_000; i++, logTime += 2) {
            if (admission.decide(event(Priority.NORMAL, logTime), now, slowed) != null) {
                shed++;
            }
        }
        assertThat(shed).isGreaterThan(1_000);
    }

    /**
     * The second look at the queue's head expects the lane's {@link
     * LaneLoad#secondLookLatencyMillis}: a normal event admitted live, 1 s old at the head, with a
     * mean latency of 200 ms ends in time; where its call may be overtaken at the service and the
     * tail of such calls is 1.5 s, it would end late and is shed there.
     */
    @Test
    void theSecondLookExpectsTheLanesTailWhereOneIsGiven() {
        Lane full = new Lane(2, 2, 50, 200);
        long now = T0;
        for (int i = 0; i < 300; i++, now += 10) { // 100 events/s on log time: the service is
            // the bottleneck (10 calls/s)
            admission.decide(event(Priority.HIGH, now), now, full);
        }
        Interaction e = event(Priority.NORMAL, now - 1_000);
        long admittedAt = now - 900;
        assertThat(admission.lateInQueue(e, now, admittedAt, 500, false, full)).isFalse();
        Tail tail = new Tail(full, 1_500);
        assertThat(admission.lateInQueue(e, now, admittedAt, 500, false, tail)).isTrue();
        // an urgent call (a high event of its customer waits behind it) is not overtaken there
        assertThat(admission.lateInQueue(e, now, admittedAt, 500, true, tail)).isFalse();
        // held to the first look's aim (1.8 s), not to the target: a call ending at 1.9 s is shed
        assertThat(admission.lateInQueue(e, now, admittedAt, 500, false, new Tail(full, 750)))
                .isFalse();
        assertThat(admission.lateInQueue(e, now, admittedAt, 500, false, new Tail(full, 900)))
                .isTrue();
    }

    /**
     * Learnt in a flood, the correction holds while the flood lasts and returns towards 1 once the
     * service is no longer the bottleneck (half-life {@value WaitCorrection#RELAX_HALF_LIFE_MILLIS}
     * ms), as at a start: kept, it multiplies the calm's short queues past the target.
     */
    @Test
    void theCorrectionRelaxesOnceTheServiceIsNoLongerTheBottleneck() {
        Lane lane = new Lane(4, 0, 0, 200); // 20 calls/s
        long now = lateResults(T0, 100, 100, lane); // 1,000/s on log time
        assertThat(admission.correction(VOICE)).isEqualTo(WaitCorrection.MAX);
        now = flood(now, lane, 10); // the flood goes on: 100/s
        assertThat(admission.correction(VOICE)).isEqualTo(WaitCorrection.MAX);
        // 15/s against a service that slowed to 2 calls/s, with a queue: the peak remembers 20/s
        // for a while, yet this is no calm
        now = flood(now, new Lane(4, 4, 10, 2_000), 66);
        assertThat(admission.correction(VOICE)).isEqualTo(WaitCorrection.MAX);
        Lane calm = new Lane(4, 1, 0, 200);
        for (int i = 0; i < 180; i++, now += 1_000) { // calm: 1/s for three minutes
            assertThat(admission.decide(event(Priority.NORMAL, now - 100), now, calm)).isNull();
        }
        assertThat(admission.correction(VOICE)).isBetween(1.0, 1.3);
    }

    /** A normal event every {@code step} ms on log time for a minute from {@code now}, live. */
    private long flood(long now, Lane lane, long step) {
        for (long end = now + 60_000; now < end; now += step) {
            admission.decide(event(Priority.NORMAL, now - 100), now, lane);
        }
        return now;
    }

    /**
     * A hot customer (20 normal events/s against a 5/s rate) is shed as {@code hot_key} only while
     * its channel's service is the bottleneck: not in calm traffic a lane with room serves (chat
     * after the 6x demo's flood: 2 of its events shed, the service 1% busy), nor once the flood has
     * passed; during the flood, whatever its predicted wait (the other customers' events, in time,
     * are admitted).
     */
    @Test
    void aHotCustomerIsShedOnlyWhileItsServiceIsTheBottleneck() {
        admission =
                new PredictiveAdmission(
                        TestPolicies.voiceSheds(Duration.ofMillis(TARGET))
                                .withHotKey(HotKeyPolicy.of(5, Duration.ofSeconds(10))),
                        new UnregisteredMetricsGroup());
        Lane room = new Lane(4, 1, 0, 20); // 200 calls/s
        Lane full = new Lane(4, 4, 20, 20); // the same service, busy: a 120 ms wait
        long now = T0;
        // calm: the loud customer at 20/s, the others at 20/s
        assertThat(shedByReason(now, 30_000, 40, room)).as("calm, the lane has room").isEmpty();
        now += 30_000;
        // flood: 500/s, the loud customer still at 20/s
        Map<String, Integer> flood = shedByReason(now, 30_000, 500, full);
        assertThat(flood).containsOnlyKeys("loud/NORMAL/hot_key");
        assertThat(flood.get("loud/NORMAL/hot_key")).isGreaterThan(500);
        now += 30_000;
        // the flood is over, the loud customer goes on: hot, yet nothing is shed after the demand
        // fell below the service's rate (its decay window)
        now += 3 * ChannelDemand.TAU_MILLIS;
        shedByReason(now - 3 * ChannelDemand.TAU_MILLIS, 3 * ChannelDemand.TAU_MILLIS, 40, room);
        assertThat(shedByReason(now, 30_000, 40, room)).as("after the flood").isEmpty();
        assertThat(admission.hotKeys().currentHotKeys()).isEqualTo(1);
    }

    /**
     * Offers {@code perSecond} events a second on log time (read live) for {@code millis} from
     * {@code from}: half of them, at most 20/s, from customer {@code loud}, a tenth {@code high};
     * returns the sheds by customer, priority and reason.
     */
    private Map<String, Integer> shedByReason(long from, long millis, int perSecond, Lane lane) {
        Map<String, Integer> shed = new TreeMap<>();
        long step = 1_000 / perSecond;
        int loudEvery = perSecond / 20;
        for (long t = from, i = 0; t < from + millis; t += step, i++) {
            Priority p = i % 10 == 3 ? Priority.HIGH : Priority.NORMAL;
            String customer = i % loudEvery == 0 ? "loud" : "c" + (i % 199);
            Interaction e = ShedEvents.event(customer, seq++, VOICE, p, t - 10);
            ShedReason r = admission.decide(e, t, lane);
            if (r != null) {
                shed.merge(
                        (customer.equals("loud") ? "loud" : "other") + "/" + p + "/" + r.wireName(),
                        1,
                        Integer::sum);
            }
        }
        return shed;
    }

    /** {@code lane} with a second-look latency of its own. */
    private record Tail(Lane lane, double tail) implements LaneLoad {
        @Override
        public int work() {
            return lane.work();
        }

        @Override
        public int inFlight() {
            return lane.inFlight();
        }

        @Override
        public int queued() {
            return lane.queued();
        }

        @Override
        public int limit() {
            return lane.limit();
        }

        @Override
        public double latencyMillis() {
            return lane.latencyMillis();
        }

        @Override
        public double secondLookLatencyMillis(boolean urgent) {
            return urgent ? lane.latencyMillis() : tail;
        }

        @Override
        public long oldestCallMillis(long now) {
            return 0;
        }
    }

    /** The lane's figures as a test sets them (latency in ms, a calm service's, no call out). */
    private record Lane(int limit, int inFlight, int queued, double latency) implements LaneLoad {
        @Override
        public int work() {
            return inFlight + queued;
        }

        @Override
        public double latencyMillis() {
            return latency;
        }

        @Override
        public long oldestCallMillis(long now) {
            return 0;
        }
    }
}
