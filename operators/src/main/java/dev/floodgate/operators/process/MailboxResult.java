package dev.floodgate.operators.process;

import java.util.Collection;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * Hands one call's outcome from the thread that completed it (the processor's, or the retry
 * scheduler's) to the task thread, through the lanes' {@link OutcomeInbox} (the outcomes of one
 * batch request usually reach the task in one mail). After the task has closed the outcome is
 * dropped: the event is in the last checkpoint and is called again on restore. A crash goes to the
 * mailbox on its own, and fails the task.
 */
final class MailboxResult implements ResultFuture<ProcessOutcome> {
    private final MailboxExecutor mailbox;
    private final OutcomeInbox inbox;
    private final Consumer<ProcessOutcome> onTaskThread;
    private final Runnable onArrival;

    /**
     * {@code onArrival} runs on the completing thread when the outcome arrives, before it waits in
     * the mailbox (to time the call without the task's own delay).
     */
    MailboxResult(
            MailboxExecutor mailbox,
            OutcomeInbox inbox,
            Consumer<ProcessOutcome> onTaskThread,
            Runnable onArrival) {
        this.mailbox = mailbox;
        this.inbox = inbox;
        this.onTaskThread = onTaskThread;
        this.onArrival = onArrival;
    }

    @Override
    public void complete(Collection<ProcessOutcome> result) {
        ProcessOutcome o = result.iterator().next();
        onArrival.run();
        inbox.post(() -> onTaskThread.accept(o));
    }

    @Override
    public void complete(CollectionSupplier<ProcessOutcome> supplier) {
        try {
            complete(supplier.get());
        } catch (Exception e) {
            completeExceptionally(e);
        }
    }

    /** Only an {@link Error} in a retry gets here: it fails the task, as on the task thread. */
    @Override
    public void completeExceptionally(Throwable error) {
        try {
            mailbox.execute(
                    () -> {
                        throw new IllegalStateException("processing crashed", error);
                    },
                    "lane crash");
        } catch (RejectedExecutionException closed) {
            // closing anyway
        }
    }
}
