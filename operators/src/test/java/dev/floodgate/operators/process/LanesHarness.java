package dev.floodgate.operators.process;

import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.ShedEvent;
import dev.floodgate.operators.CustomerKey;
import dev.floodgate.operators.shed.AdmissionPolicy;
import dev.floodgate.testing.ShedEvents;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/** A keyed harness around {@link ProcessInLanes} with a {@link ManualProcessor}. */
final class LanesHarness implements AutoCloseable {
    static final long T0 = 1_000_000_000L;

    final ManualProcessor processor;
    final KeyedOneInputStreamOperatorTestHarness<String, Interaction, ProcessedEvent> harness;

    LanesHarness(ManualProcessor processor, LanesConfig config, AdmissionPolicy admission)
            throws Exception {
        this(processor, config, admission, null, 1, 0);
    }

    LanesHarness(
            ManualProcessor processor,
            LanesConfig config,
            AdmissionPolicy admission,
            OperatorSubtaskState restore,
            int parallelism,
            int subtask)
            throws Exception {
        this(processor, config, admission, restore, parallelism, subtask, 128);
    }

    LanesHarness(
            ManualProcessor processor,
            LanesConfig config,
            AdmissionPolicy admission,
            OperatorSubtaskState restore,
            int parallelism,
            int subtask,
            int maxParallelism)
            throws Exception {
        this.processor = processor;
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new ProcessInLanesFactory(processor, Lane.LIVE, config, admission),
                        CustomerKey.INSTANCE,
                        Types.STRING,
                        maxParallelism,
                        parallelism,
                        subtask);
        harness.setProcessingTime(T0);
        if (restore != null) {
            harness.initializeState(restore);
        }
        harness.open();
    }

    static LanesConfig noRetries(LanesConfig c) {
        return c.withProcessing(
                c.processing()
                        .withRetries(
                                0, java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(1)));
    }

    Interaction send(String customer, long seq, Channel channel, Priority priority)
            throws Exception {
        Interaction e =
                ShedEvents.event(customer, seq, channel, priority, harness.getProcessingTime());
        harness.processElement(new StreamRecord<>(e, e.logTimestamp));
        return e;
    }

    /** An event appended to the log at {@code logTimestamp} (wall clock: ages are). */
    Interaction sendLoggedAt(
            String customer, long seq, Channel channel, Priority priority, long logTimestamp)
            throws Exception {
        Interaction e = ShedEvents.event(customer, seq, channel, priority, logTimestamp);
        harness.processElement(new StreamRecord<>(e, e.logTimestamp));
        return e;
    }

    /** Runs the mails (call results) that are due, as the task thread would. */
    void runMails() throws Exception {
        TaskMailbox mailbox = harness.getTaskMailbox();
        while (true) {
            var mail = mailbox.tryTake(TaskMailbox.MIN_PRIORITY);
            if (mail.isEmpty()) {
                return;
            }
            mail.get().run();
        }
    }

    void succeed(String eventId) throws Exception {
        processor.succeed(eventId);
        runMails();
    }

    void fail(String eventId, Throwable error) throws Exception {
        processor.fail(eventId, error);
        runMails();
    }

    /** Event ids of the results, in emission order. */
    List<String> outputIds() {
        List<String> ids = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof ProcessedEvent p) {
                ids.add(p.eventId);
            }
        }
        return ids;
    }

    List<ShedEvent> shed() {
        return sideOutput(ProcessInLanes.SHED);
    }

    List<DeadLetter> failed() {
        return sideOutput(ProcessInLanes.FAILED);
    }

    private <T> List<T> sideOutput(org.apache.flink.util.OutputTag<T> tag) {
        List<T> out = new ArrayList<>();
        var q = harness.getSideOutput(tag);
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    ProcessInLanes operator() {
        return (ProcessInLanes) harness.getOperator();
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
