package dev.floodgate.operators.process;

import java.util.Collection;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * Hands one call's outcome from the thread that completed it (the processor's, or the retry
 * scheduler's) to the task thread, through the mailbox, as Flink's async operator does. After the
 * task has closed the outcome is dropped: the event is in the last checkpoint and is called again
 * on restore.
 */
final class MailboxResult implements ResultFuture<ProcessOutcome> {
    private final MailboxExecutor mailbox;
    private final Consumer<ProcessOutcome> onTaskThread;
    private final Runnable onArrival;

    /**
     * {@code onArrival} runs on the completing thread when the outcome arrives, before it waits in
     * the mailbox (to time the call without the task's own delay).
     */
    MailboxResult(
            MailboxExecutor mailbox, Consumer<ProcessOutcome> onTaskThread, Runnable onArrival) {
        this.mailbox = mailbox;
        this.onTaskThread = onTaskThread;
        this.onArrival = onArrival;
    }

    @Override
    public void complete(Collection<ProcessOutcome> result) {
        ProcessOutcome o = result.iterator().next();
        onArrival.run();
        try {
            mailbox.execute(() -> onTaskThread.accept(o), "lane result");
        } catch (RejectedExecutionException closed) {
            // the task is closing
        }
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
