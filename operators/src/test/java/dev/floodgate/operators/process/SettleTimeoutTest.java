package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.HIGH;
import static dev.floodgate.model.Priority.LOW;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.model.OrderScope;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The drain's settle at a checkpoint waits a bounded time for the service ({@link SettleTimeout},
 * issue 32): a service that answers nothing (one serving live calls first through a flood) holds a
 * barrier only until the settle timeout; then every admitted event is shed again, each customer's
 * in order, nothing admitted is left, and a late answer emits nothing. A service that answers in
 * time sees no change. The harness's processing-time clock is the settle's clock: a second thread
 * moves it while the task thread (the test's) waits in the settle.
 */
@Timeout(60)
class SettleTimeoutTest {
    static final long TIMEOUT = 10_000;

    private LanesHarness h;

    /** The drain's lanes as far as settling goes: settle with the timeout, 429 is "not now". */
    private static LanesConfig settling(LanesConfig c) {
        return c.withSettleAtCheckpoints(true)
                .withProcessing(c.processing().withRequeueOnCongestion(true))
                .withCircuit(Integer.MAX_VALUE, c.circuitOpenFor())
                .withSettleTimeout(Duration.ofMillis(TIMEOUT));
    }

    private static ProcessingException notNow(long retryAfterMillis) {
        return ProcessingException.ofHttpStatus(
                429, "HTTP 429 from the voice service: unavailable", retryAfterMillis);
    }

    private void open(LanesConfig config) throws Exception {
        h = new LanesHarness(new ManualProcessor(), config, AdmissionPolicy.admitAll());
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    /** Event ids shed, in emission order. */
    private List<String> shedIds() {
        List<String> ids = new ArrayList<>();
        for (ShedEvent s : h.shed()) {
            ids.add(s.event.eventId);
        }
        return ids;
    }

    private List<String> shedOf(String customer) {
        List<String> ids = new ArrayList<>();
        for (String id : shedIds()) {
            if (id.startsWith(customer + "-")) {
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * A clock on another thread: once the operator waits (its deadline is set), it moves the
     * processing time to just before the deadline, records what was shed by then, and then to the
     * deadline.
     */
    private Thread clockToDeadline(AtomicLong deadlineSeen, AtomicLong shedBefore) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                long d;
                                while ((d = h.operator().waitDeadline()) == Long.MIN_VALUE) {
                                    Thread.sleep(1);
                                }
                                deadlineSeen.set(d);
                                h.harness.setProcessingTime(d - 1);
                                Thread.sleep(100); // the operator would act now if it did early
                                shedBefore.set(h.shed().size());
                                h.harness.setProcessingTime(d);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        t.start();
        return t;
    }

    @Test
    void aServiceThatAnswersNothingHoldsTheBarrierOnlyUntilTheTimeoutThenAllIsShedInOrder()
            throws Exception {
        open(settling(LanesConfig.defaults().withMaxInFlight(VOICE, 2)));
        long t0 = h.harness.getProcessingTime();
        h.send("a", 1, VOICE, NORMAL); // called at once
        h.send("a", 2, VOICE, NORMAL); // queued behind a-1
        h.send("a", 3, VOICE, HIGH); // behind a-2
        h.send("b", 1, VOICE, NORMAL); // called
        h.send("b", 2, VOICE, NORMAL); // behind b-1
        h.fail("b-1", notNow(60_000)); // waits a minute after "not now"; its slot is free
        h.send("c", 1, VOICE, LOW); // called at once in that slot
        h.send("d", 1, VOICE, NORMAL); // ready, no slot
        h.send("d", 2, VOICE, NORMAL); // behind d-1
        h.send("e", 1, CHAT, NORMAL); // called
        h.send("e", 2, CHAT, NORMAL); // behind e-1
        assertThat(h.processor.started()).containsExactly("a-1", "c-1", "e-1");
        assertThat(h.operator().pending()).isEqualTo(10);

        AtomicLong deadline = new AtomicLong();
        AtomicLong shedBefore = new AtomicLong(-1);
        Thread clock = clockToDeadline(deadline, shedBefore);
        h.harness.prepareSnapshotPreBarrier(1); // returns at the deadline, not when answered
        clock.join();

        assertThat(deadline.get())
                .as("the timeout from the settle's start")
                .isEqualTo(t0 + TIMEOUT);
        assertThat(shedBefore.get()).as("nothing shed before the deadline").isZero();
        assertThat(h.outputIds()).isEmpty();
        assertThat(h.failed()).isEmpty();
        assertThat(shedIds())
                .containsExactlyInAnyOrder(
                        "a-1", "a-2", "a-3", "b-1", "b-2", "c-1", "d-1", "d-2", "e-1", "e-2");
        // each customer's events on the shed lane in its order: the head before its successors
        assertThat(shedOf("a")).containsExactly("a-1", "a-2", "a-3");
        assertThat(shedOf("b")).containsExactly("b-1", "b-2");
        assertThat(shedOf("d")).containsExactly("d-1", "d-2");
        assertThat(shedOf("e")).containsExactly("e-1", "e-2");
        for (ShedEvent s : h.shed()) {
            assertThat(s.reason).isEqualTo(ShedReason.SERVICE_UNAVAILABLE);
            assertThat(s.detail)
                    .startsWith(
                            "no outcome within the drain's settle timeout (10000 ms) at checkpoint"
                                    + " 1: ");
        }
        assertThat(detailOf("a-1")).endsWith("its call was not answered");
        assertThat(detailOf("a-2")).endsWith("queued, not called yet");
        assertThat(detailOf("b-1")).endsWith("waiting after the service's \"not now\"");
        assertThat(detailOf("d-1")).endsWith("queued, not called yet");

        // nothing admitted is left; the abandoned calls keep their slots until they end
        ProcessInLanes op = h.operator();
        assertThat(op.pending()).isZero();
        assertThat(op.lane(VOICE).queued).isZero();
        assertThat(op.lane(CHAT).queued).isZero();
        assertThat(op.lane(VOICE).hasReady()).isFalse();
        assertThat(op.lane(VOICE).inFlight).isEqualTo(2);
        assertThat(op.lane(CHAT).inFlight).isEqualTo(1);
        assertThat(op.abandonedCalls()).isEqualTo(3);
        assertThat(op.metrics().settleTimeoutCount(VOICE)).isEqualTo(8);
        assertThat(op.metrics().settleTimeoutCount(CHAT)).isEqualTo(2);
        assertThat(op.metrics().shedCount(VOICE, ShedReason.SERVICE_UNAVAILABLE)).isEqualTo(8);
        h.harness.snapshot(1, 1); // holds nothing: no admitted event left to fail the check
        assertThat(h.harness.numKeyedStateEntries()).isZero();

        // the late answers: nothing goes out, no retry, the slots come free
        h.succeed("a-1");
        h.fail("c-1", new IOException("connection reset")); // would be retried if not abandoned
        h.succeed("e-1");
        assertThat(h.outputIds()).isEmpty();
        assertThat(h.failed()).isEmpty();
        assertThat(h.shed()).hasSize(10);
        assertThat(h.processor.callLog()).containsExactly("a-1", "b-1", "c-1", "e-1");
        assertThat(op.lane(VOICE).inFlight).isZero();
        assertThat(op.lane(CHAT).inFlight).isZero();
        assertThat(op.abandonedCalls()).isZero();
        // b-1's wait after "not now" ends: it was shed, it is not called again
        h.harness.setProcessingTime(h.harness.getProcessingTime() + 60_000);
        h.runMails();
        assertThat(h.processor.started()).isEmpty();
        assertThat(op.lane(VOICE).queued).isZero();

        // the lane goes on: the next event is called, answered and emitted
        h.send("f", 1, VOICE, NORMAL);
        h.succeed("f-1");
        assertThat(h.outputIds()).containsExactly("f-1");
        h.harness.prepareSnapshotPreBarrier(2); // nothing admitted: returns at once
        assertThat(h.shed()).hasSize(10);
        assertThat(op.pending()).isZero();
    }

    private String detailOf(String eventId) {
        for (ShedEvent s : h.shed()) {
            if (s.event.eventId.equals(eventId)) {
                return s.detail;
            }
        }
        throw new AssertionError(eventId + " not shed");
    }

    @Test
    void aCustomersQueueAcrossLanesIsShedInItsOrder() throws Exception {
        // order scope customer: one queue per customer across channels
        open(settling(LanesConfig.defaults().withOrderScope(OrderScope.CUSTOMER)));
        h.send("x", 1, CHAT, NORMAL); // called
        h.send("x", 2, VOICE, NORMAL); // behind x-1, in the voice lane (iterated first)
        h.send("x", 3, CHAT, NORMAL);
        h.send("x", 4, VOICE, NORMAL);
        Thread clock = clockToDeadline(new AtomicLong(), new AtomicLong());
        h.harness.prepareSnapshotPreBarrier(1);
        clock.join();
        assertThat(shedIds()).containsExactly("x-1", "x-2", "x-3", "x-4");
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void aServiceThatAnswersInTimeSeesNoChange() throws Exception {
        open(settling(LanesConfig.defaults().withMaxInFlight(VOICE, 1)));
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, VOICE, NORMAL); // behind a-1
        h.send("b", 1, VOICE, NORMAL); // no slot
        h.send("c", 1, CHAT, NORMAL);
        Thread service =
                new Thread(
                        () -> {
                            try {
                                long d;
                                while ((d = h.operator().waitDeadline()) == Long.MIN_VALUE) {
                                    Thread.sleep(1);
                                }
                                // the answers come 1 ms before the deadline, each call as
                                // it starts (a-2 and b-1 wait for the one voice slot)
                                h.harness.setProcessingTime(d - 1);
                                int answered = 0;
                                while (answered < 4) {
                                    for (String id : h.processor.started()) {
                                        h.processor.succeed(id);
                                        answered++;
                                    }
                                    Thread.sleep(1);
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        service.start();
        h.harness.prepareSnapshotPreBarrier(1);
        service.join();
        assertThat(h.outputIds()).containsExactlyInAnyOrder("a-1", "a-2", "b-1", "c-1");
        assertThat(h.outputIds()).containsSubsequence("a-1", "a-2");
        assertThat(h.shed()).isEmpty();
        assertThat(h.operator().metrics().settleTimeoutCount(VOICE)).isZero();
        assertThat(h.operator().pending()).isZero();
        assertThat(h.operator().lane(VOICE).inFlight).isZero();
        assertThat(h.operator().abandonedCalls()).isZero();
    }

    @Test
    void theInputWaitsForRoomAtMostTheTimeoutAndABarrierBehindItNoLongerInAll() throws Exception {
        // the drain's bound: a lane without a per-customer bound queues as many as it may call
        open(
                settling(LanesConfig.defaults().withMaxInFlight(VOICE, 1))
                        .withMaxQueuedPerCustomer(Integer.MAX_VALUE));
        long t0 = h.harness.getProcessingTime();
        h.send("a", 1, VOICE, NORMAL); // called
        h.send("b", 1, VOICE, NORMAL); // queued: the lane is full
        AtomicLong deadline = new AtomicLong();
        AtomicLong shedBefore = new AtomicLong(-1);
        Thread clock = clockToDeadline(deadline, shedBefore);
        h.send("c", 1, VOICE, NORMAL); // waits for room until the timeout, then is admitted
        clock.join();
        assertThat(deadline.get()).isEqualTo(t0 + TIMEOUT);
        assertThat(shedBefore.get()).isZero();
        assertThat(h.shed()).as("the input's wait sheds nothing by itself").isEmpty();
        assertThat(h.operator().pending()).isEqualTo(3);

        // a barrier that waited behind c-1 has waited the timeout: the settle does not wait again
        h.harness.prepareSnapshotPreBarrier(1);
        assertThat(h.harness.getProcessingTime()).isEqualTo(t0 + TIMEOUT);
        assertThat(shedIds()).containsExactly("a-1", "b-1", "c-1");
        assertThat(h.operator().pending()).isZero();
        assertThat(h.operator().lane(VOICE).inFlight).as("a-1 keeps its slot").isEqualTo(1);

        // room comes 3 s into the next wait: a barrier behind it settles until 10 s after the
        // wait began, not after the record
        h.send("d", 1, VOICE, NORMAL); // queued: a-1 still holds the slot
        long t1 = h.harness.getProcessingTime();
        Thread answer =
                new Thread(
                        () -> {
                            try {
                                while (h.operator().waitDeadline() == Long.MIN_VALUE) {
                                    Thread.sleep(1);
                                }
                                h.harness.setProcessingTime(t1 + 3_000);
                                h.processor.succeed("a-1"); // late: frees the slot, d-1 is called
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        answer.start();
        h.send("e", 1, VOICE, NORMAL);
        answer.join();
        assertThat(h.processor.started()).containsExactly("d-1");
        AtomicLong settleDeadline = new AtomicLong();
        Thread clock2 = clockToDeadline(settleDeadline, new AtomicLong());
        h.harness.prepareSnapshotPreBarrier(2);
        clock2.join();
        assertThat(settleDeadline.get()).isEqualTo(t1 + TIMEOUT);
        assertThat(shedIds()).containsExactly("a-1", "b-1", "c-1", "d-1", "e-1");
        assertThat(h.outputIds()).isEmpty();
    }

    @Test
    void theTimeoutMustBePositive() {
        assertThatThrownBy(() -> LanesConfig.defaults().withSettleTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("settleTimeout > 0");
    }
}
