package dev.floodgate.operators.process;

import static dev.floodgate.model.Channel.CHAT;
import static dev.floodgate.model.Channel.IMAGE;
import static dev.floodgate.model.Channel.VOICE;
import static dev.floodgate.model.Priority.HIGH;
import static dev.floodgate.model.Priority.LOW;
import static dev.floodgate.model.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.OrderScope;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProcessInLanesTest {
    private LanesHarness h;

    private LanesHarness open(LanesConfig config) throws Exception {
        h = new LanesHarness(new ManualProcessor(), config, AdmissionPolicy.admitAll());
        return h;
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void callsOnlyTheHeadOfACustomersQueueAndEmitsInSeqOrder() throws Exception {
        open(LanesConfig.defaults());
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, VOICE, NORMAL);
        h.send("a", 3, VOICE, NORMAL);
        assertThat(h.processor.started()).containsExactly("a-1");
        h.succeed("a-1");
        assertThat(h.processor.started()).containsExactly("a-2");
        h.succeed("a-2");
        h.succeed("a-3");
        assertThat(h.outputIds()).containsExactly("a-1", "a-2", "a-3");
        assertThat(h.operator().pending()).isZero();
    }

    @Test
    void otherCustomersPassABlockedCustomer() throws Exception {
        open(LanesConfig.defaults());
        h.send("slow", 1, VOICE, NORMAL);
        h.send("slow", 2, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        h.send("c", 1, VOICE, NORMAL);
        h.succeed("c-1");
        h.succeed("b-1");
        assertThat(h.outputIds()).containsExactly("c-1", "b-1");
        assertThat(h.processor.started()).containsExactly("slow-1");
    }

    @Test
    void eachChannelHasItsOwnBudgetAndAStalledVoiceLaneDoesNotHoldChat() throws Exception {
        open(LanesConfig.defaults().withMaxInFlight(VOICE, 2));
        for (int i = 1; i <= 5; i++) {
            h.send("v" + i, 1, VOICE, NORMAL);
        }
        assertThat(h.processor.started()).containsExactly("v1-1", "v2-1");
        assertThat(h.operator().lane(VOICE).queued).isEqualTo(3);
        h.send("c", 1, CHAT, NORMAL);
        h.send("i", 1, IMAGE, NORMAL);
        h.succeed("c-1");
        h.succeed("i-1");
        assertThat(h.outputIds()).containsExactly("c-1", "i-1");
        h.succeed("v2-1");
        assertThat(h.processor.started()).containsExactly("v1-1", "v3-1");
    }

    @Test
    void aCustomersChatDoesNotWaitForItsCallByDefault() throws Exception {
        open(LanesConfig.defaults());
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, CHAT, NORMAL);
        h.succeed("a-2");
        assertThat(h.outputIds()).containsExactly("a-2");
    }

    @Test
    void strictOrderMakesTheChatWaitForTheCustomersEarlierCall() throws Exception {
        open(LanesConfig.defaults().withOrderScope(OrderScope.CUSTOMER));
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, CHAT, NORMAL);
        h.send("b", 1, CHAT, NORMAL);
        assertThat(h.processor.started()).containsExactly("a-1", "b-1");
        h.succeed("a-1");
        h.succeed("a-2");
        h.succeed("b-1");
        assertThat(h.outputIds()).containsExactly("a-1", "a-2", "b-1");
    }

    @Test
    void highGoesFirstWhenASlotFrees() throws Exception {
        open(LanesConfig.defaults().withMaxInFlight(VOICE, 1));
        h.send("busy", 1, VOICE, NORMAL);
        h.send("n", 1, VOICE, LOW);
        h.send("m", 1, VOICE, NORMAL);
        h.send("vip", 1, VOICE, HIGH);
        h.succeed("busy-1");
        assertThat(h.processor.started()).containsExactly("vip-1");
        h.succeed("vip-1");
        assertThat(h.processor.started()).containsExactly("n-1");
    }

    @Test
    void restoresQueuedAndInFlightEventsAndEmitsEachOnce() throws Exception {
        ManualProcessor first = new ManualProcessor();
        LanesConfig config = LanesConfig.defaults().withMaxInFlight(VOICE, 1);
        h = new LanesHarness(first, config, AdmissionPolicy.admitAll());
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, VOICE, NORMAL);
        h.send("b", 1, VOICE, HIGH);
        h.send("c", 1, CHAT, NORMAL);
        h.succeed("c-1"); // emitted before the checkpoint: not in it
        OperatorSubtaskState snapshot = h.harness.snapshot(1, 1);
        assertThat(h.harness.numKeyedStateEntries()).isEqualTo(2); // a (2 events), b
        h.close();

        ManualProcessor second = new ManualProcessor();
        h = new LanesHarness(second, config, AdmissionPolicy.admitAll(), snapshot, 1, 0);
        assertThat(second.started()).containsExactly("b-1"); // high first
        h.succeed("b-1");
        assertThat(second.started()).containsExactly("a-1");
        h.succeed("a-1");
        h.succeed("a-2");
        assertThat(h.outputIds()).containsExactly("b-1", "a-1", "a-2");
        h.harness.snapshot(2, 2);
        assertThat(h.harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void restoresOnADifferentParallelismByKey() throws Exception {
        LanesConfig config = LanesConfig.defaults();
        h = new LanesHarness(new ManualProcessor(), config, AdmissionPolicy.admitAll());
        for (int c = 0; c < 20; c++) {
            h.send("c" + c, 1, VOICE, NORMAL);
        }
        OperatorSubtaskState snapshot = h.harness.snapshot(1, 1);
        h.close();
        h = null;
        int restored = 0;
        for (int subtask = 0; subtask < 2; subtask++) {
            OperatorSubtaskState part =
                    org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness
                            .repartitionOperatorState(snapshot, 128, 1, 2, subtask);
            try (LanesHarness sub =
                    new LanesHarness(
                            new ManualProcessor(),
                            config,
                            AdmissionPolicy.admitAll(),
                            part,
                            2,
                            subtask)) {
                while (!sub.processor.started().isEmpty()) {
                    sub.succeed(sub.processor.started().get(0));
                    restored++;
                }
                assertThat(sub.outputIds()).hasSameSizeAs(sub.processor.callLog());
            }
        }
        assertThat(restored).isEqualTo(20);
    }

    @Test
    void aTransientFailureIsShedAndAPermanentOneIsADeadLetter() throws Exception {
        open(LanesHarness.noRetries(LanesConfig.defaults()));
        h.send("a", 1, VOICE, HIGH);
        h.send("b", 1, VOICE, NORMAL);
        h.fail("a-1", new IOException("connection refused"));
        h.fail("b-1", new ProcessingException(400, "bad request", false));
        assertThat(h.shed())
                .extracting(s -> s.reason)
                .containsExactly(ShedReason.SERVICE_UNAVAILABLE);
        assertThat(h.shed().get(0).detail).contains("connection refused");
        assertThat(h.failed()).extracting(d -> d.offset).containsExactly(1L);
        assertThat(h.failed().get(0).error).contains("bad request");
    }

    @Test
    void anOpenCircuitShedsTheLaneHighIncludedThenAProbeClosesIt() throws Exception {
        open(LanesHarness.noRetries(LanesConfig.defaults()).withCircuit(2, Duration.ofSeconds(10)));
        h.send("a", 1, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        h.send("q", 1, VOICE, NORMAL);
        h.send("q", 2, VOICE, NORMAL); // waits behind q-1
        h.fail("a-1", new IOException("refused"));
        h.fail("b-1", new IOException("refused"));
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isTrue();
        h.send("vip", 1, VOICE, HIGH);
        h.send("chat", 1, CHAT, HIGH);
        h.succeed("chat-1");
        assertThat(h.outputIds()).containsExactly("chat-1");
        assertThat(h.shed())
                .extracting(ShedEvent::toString)
                .anySatisfy(s -> assertThat(s).contains("vip-1").contains("CIRCUIT_OPEN"));
        h.fail("q-1", new IOException("refused")); // in flight when it opened
        assertThat(h.shed()).extracting(s -> s.event.eventId).contains("q-1", "q-2");

        h.harness.setProcessingTime(LanesHarness.T0 + 10_000);
        h.send("probe", 1, VOICE, NORMAL);
        h.send("other", 1, VOICE, NORMAL); // only one probe at a time
        assertThat(h.processor.started()).containsExactly("probe-1");
        h.succeed("probe-1");
        assertThat(h.operator().lane(VOICE).circuit.isOpen()).isFalse();
        h.send("after", 1, VOICE, NORMAL);
        assertThat(h.processor.started()).containsExactly("after-1");
        assertThat(h.operator().pending()).isEqualTo(1);
    }

    @Test
    void aFullLaneStopsTakingInputUntilACallFinishes() throws Exception {
        open(LanesConfig.defaults().withMaxInFlight(VOICE, 1).withMaxQueued(2));
        h.send("a", 1, VOICE, NORMAL);
        h.send("b", 1, VOICE, NORMAL);
        h.send("c", 1, VOICE, NORMAL);
        assertThat(h.operator().lane(VOICE).full()).isTrue();
        Thread completer =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(200);
                                h.processor.succeed("a-1");
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
        completer.start();
        h.send("d", 1, VOICE, NORMAL); // yields to the mailbox until a-1's result frees room
        completer.join();
        assertThat(h.outputIds()).containsExactly("a-1");
        assertThat(h.operator().lane(VOICE).queued).isEqualTo(2);
    }

    @Test
    void endOfInputWaitsForEveryAdmittedEvent() throws Exception {
        open(LanesConfig.defaults());
        h.send("a", 1, VOICE, NORMAL);
        Thread completer =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(100);
                                h.processor.succeed("a-1");
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
        completer.start();
        h.harness.endInput();
        completer.join();
        assertThat(h.outputIds()).containsExactly("a-1");
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void settlingLanesEmitEveryAdmittedEventBeforeTheCheckpoint() throws Exception {
        // the drain's mode: a checkpoint holds no admitted events, so its marks are exact
        open(LanesConfig.defaults().withMaxInFlight(VOICE, 1).withSettleAtCheckpoints(true));
        h.send("a", 1, VOICE, NORMAL);
        h.send("a", 2, VOICE, NORMAL); // queued behind a-1
        h.send("b", 1, CHAT, NORMAL);
        Thread completer =
                new Thread(
                        () -> {
                            try {
                                for (String id : List.of("a-1", "b-1", "a-2")) {
                                    Thread.sleep(50);
                                    while (!h.processor.started().contains(id)) {
                                        Thread.sleep(5);
                                    }
                                    h.processor.succeed(id);
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
        completer.start();
        h.harness.prepareSnapshotPreBarrier(1); // waits for the three outcomes
        completer.join();
        h.harness.snapshot(1, 1);
        assertThat(h.outputIds()).containsExactlyInAnyOrder("a-1", "a-2", "b-1");
        assertThat(h.operator().pending()).isZero();
        assertThat(h.harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void withoutSettlingACheckpointKeepsTheAdmittedEvents() throws Exception {
        open(LanesConfig.defaults());
        h.send("a", 1, VOICE, NORMAL);
        h.harness.prepareSnapshotPreBarrier(1);
        h.harness.snapshot(1, 1);
        assertThat(h.outputIds()).isEmpty();
        assertThat(h.harness.numKeyedStateEntries()).isEqualTo(1);
        h.succeed("a-1");
    }

    @Test
    void closingWithCallsInFlightReleasesEverything() throws Exception {
        open(LanesConfig.defaults());
        h.send("a", 1, VOICE, NORMAL);
        ProcessInLanes op = h.operator();
        h.close();
        h.processor.succeed("a-1"); // arrives after close: dropped, the checkpoint has it
        assertThat(op.pending()).isEqualTo(1);
        h = null;
    }

    /** Answers at once once opened; until then its calls wait for {@link #release}. */
    static final class Gate implements EventProcessor {
        private static final long serialVersionUID = 1L;
        static volatile boolean open;
        static final java.util.List<java.util.concurrent.CompletableFuture<String>> HELD =
                new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "gate/1";
        }

        @Override
        public java.util.concurrent.CompletableFuture<String> process(
                dev.floodgate.model.Interaction event) {
            if (open) {
                return java.util.concurrent.CompletableFuture.completedFuture("ok");
            }
            var f = new java.util.concurrent.CompletableFuture<String>();
            HELD.add(f);
            return f;
        }
    }

    @Test
    void aLongQueueOfCallsThatAnswerAtOnceDrainsWithoutNesting() throws Exception {
        Gate.open = false;
        Gate.HELD.clear();
        int queued = 20_000;
        try (var gated =
                new org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness<
                        String,
                        dev.floodgate.model.Interaction,
                        dev.floodgate.model.ProcessedEvent>(
                        new ProcessInLanesFactory(
                                new Gate(),
                                dev.floodgate.model.Lane.LIVE,
                                LanesConfig.defaults()
                                        .withMaxInFlight(VOICE, 1)
                                        .withMaxQueued(queued + 1),
                                AdmissionPolicy.admitAll()),
                        dev.floodgate.operators.CustomerKey.INSTANCE,
                        org.apache.flink.api.common.typeinfo.Types.STRING)) {
            gated.open();
            for (int c = 0; c <= queued; c++) {
                var e =
                        dev.floodgate.testing.ShedEvents.event(
                                "c" + c, 1, VOICE, NORMAL, LanesHarness.T0);
                gated.processElement(
                        new org.apache.flink.streaming.runtime.streamrecord.StreamRecord<>(
                                e, e.logTimestamp));
            }
            Gate.open = true;
            Gate.HELD.get(0).complete("ok"); // the one call in flight; the rest answer at once
            var mailbox = gated.getTaskMailbox();
            for (var mail =
                            mailbox.tryTake(
                                    org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox
                                            .MIN_PRIORITY);
                    mail.isPresent();
                    mail =
                            mailbox.tryTake(
                                    org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox
                                            .MIN_PRIORITY)) {
                mail.get().run();
            }
            assertThat(gated.extractOutputValues()).hasSize(queued + 1);
        }
    }
}
