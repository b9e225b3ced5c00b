package dev.floodgate.operators.process;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.operators.MailboxExecutor;

/**
 * Hands the lanes' outcomes (results and failed attempts) from the threads that complete them to
 * the task thread in bursts: one mail runs what was posted since it was scheduled, in the order it
 * was posted. A batch request completes its events one after another on one client thread; they
 * usually reach the task in one mail, where each took a mail (and possibly a wake-up of the task
 * thread) before.
 *
 * <p>Rule: a mail is scheduled when the first outcome arrives while none is pending; the drain
 * clears the flag before it takes what is queued, so an outcome posted during a drain is taken by
 * it or schedules the next one, and none is left waiting without a mail. A mail runs at most {@link
 * #MAX_PER_MAIL} outcomes and schedules the next for the rest. One queue for results and failed
 * attempts keeps their order: a retry's result never overtakes the failure before it. After the
 * task has closed, the mailbox refuses the mail and what is queued is dropped (its events are in
 * the last checkpoint and are called again on restore).
 */
final class OutcomeInbox {
    /**
     * At most this many outcomes per mail (each may start calls): the rest go in the next mail, so
     * input, timers and a settle's deadline get their turn between them.
     */
    static final int MAX_PER_MAIL = 64;

    private final MailboxExecutor mailbox;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    OutcomeInbox(MailboxExecutor mailbox) {
        this.mailbox = mailbox;
    }

    /** Runs {@code outcome} on the task thread, after everything posted before it. */
    void post(Runnable outcome) {
        queue.add(outcome);
        schedule();
    }

    private void schedule() {
        if (!scheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            mailbox.execute(this::drain, "lane outcomes");
        } catch (RejectedExecutionException closed) {
            queue.clear(); // the task is closing: no mail will run
        } catch (RuntimeException | Error e) {
            scheduled.set(false); // not left claiming a mail that was never queued
            throw e;
        }
    }

    private void drain() {
        scheduled.set(false);
        for (int i = 0; i < MAX_PER_MAIL; i++) {
            Runnable outcome = queue.poll();
            if (outcome == null) {
                return;
            }
            outcome.run();
        }
        if (!queue.isEmpty()) {
            schedule();
        }
    }
}
