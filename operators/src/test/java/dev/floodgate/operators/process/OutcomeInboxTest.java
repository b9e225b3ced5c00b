package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.streaming.runtime.tasks.StreamTaskActionExecutor;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.MailboxExecutorImpl;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl;
import org.junit.jupiter.api.Test;

/**
 * {@link OutcomeInbox} on Flink's own mailbox: a burst is one mail, in posting order; nothing
 * posted is left without a mail, also while a drain runs and with producers racing the task thread.
 */
class OutcomeInboxTest {

    @Test
    void aBurstIsOneMailRunInPostingOrder() throws Exception {
        TaskMailbox mailbox = new TaskMailboxImpl(Thread.currentThread());
        OutcomeInbox inbox = new OutcomeInbox(executor(mailbox));
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = i;
            inbox.post(() -> ran.add(n));
        }
        assertThat(mailbox.size()).isEqualTo(1);
        runAll(mailbox);
        assertThat(ran).hasSize(24).isSorted();
        assertThat(mailbox.size()).isZero();
    }

    @Test
    void anOutcomePostedDuringADrainQueuesTheNextMail() throws Exception {
        TaskMailbox mailbox = new TaskMailboxImpl(Thread.currentThread());
        OutcomeInbox inbox = new OutcomeInbox(executor(mailbox));
        List<String> ran = new ArrayList<>();
        int[] mailsWhilePosting = new int[1];
        inbox.post(
                () -> {
                    ran.add("first");
                    inbox.post(() -> ran.add("posted while draining"));
                    // the drain let go of its mail before running: the post scheduled the next
                    mailsWhilePosting[0] = mailbox.size();
                });
        runAll(mailbox);
        assertThat(ran).containsExactly("first", "posted while draining");
        assertThat(mailsWhilePosting[0]).isEqualTo(1);
    }

    @Test
    void anOutcomeAfterADrainGetsANewMail() throws Exception {
        TaskMailbox mailbox = new TaskMailboxImpl(Thread.currentThread());
        OutcomeInbox inbox = new OutcomeInbox(executor(mailbox));
        List<String> ran = new ArrayList<>();
        inbox.post(() -> ran.add("first"));
        runAll(mailbox);
        inbox.post(() -> ran.add("second"));
        assertThat(mailbox.size()).isEqualTo(1);
        runAll(mailbox);
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void aMailRunsABoundedShareAndQueuesTheNextForTheRest() throws Exception {
        TaskMailbox mailbox = new TaskMailboxImpl(Thread.currentThread());
        OutcomeInbox inbox = new OutcomeInbox(executor(mailbox));
        List<Integer> ran = new ArrayList<>();
        int n = OutcomeInbox.MAX_PER_MAIL * 2 + 1;
        for (int i = 0; i < n; i++) {
            int k = i;
            inbox.post(() -> ran.add(k));
        }
        mailbox.take(TaskMailbox.MIN_PRIORITY).run();
        assertThat(ran).hasSize(OutcomeInbox.MAX_PER_MAIL);
        assertThat(mailbox.size()).isEqualTo(1);
        runAll(mailbox);
        assertThat(ran).hasSize(n).isSorted();
    }

    @Test
    void racingProducersLoseNothingAndKeepTheirOrder() throws Exception {
        TaskMailbox[] box = new TaskMailbox[1]; // taken from by the task thread, which owns it
        int producers = 4;
        int each = 20_000;
        long[] last = new long[producers];
        long[] count = new long[producers];
        Thread task =
                new Thread(
                        () -> {
                            try {
                                long seen = 0;
                                while (seen < (long) producers * each) {
                                    box[0].take(TaskMailbox.MIN_PRIORITY).run();
                                    seen = 0;
                                    for (long c : count) {
                                        seen += c;
                                    }
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        task.setDaemon(true); // a failure must not leave it blocked in take()
        box[0] = new TaskMailboxImpl(task);
        OutcomeInbox inbox = new OutcomeInbox(executor(box[0]));
        AtomicBoolean outOfOrder = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < producers; t++) {
            int id = t;
            Thread p =
                    new Thread(
                            () -> {
                                try {
                                    start.await();
                                } catch (InterruptedException e) {
                                    return;
                                }
                                for (int i = 1; i <= each; i++) {
                                    int seq = i;
                                    inbox.post( // runs on the task thread only: plain fields
                                            () -> {
                                                outOfOrder.compareAndSet(
                                                        false, seq != last[id] + 1);
                                                last[id] = seq;
                                                count[id]++;
                                            });
                                }
                            });
            threads.add(p);
            p.start();
        }
        start.countDown();
        task.start();
        for (Thread p : threads) {
            p.join();
        }
        task.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(task.isAlive()).as("every outcome ran").isFalse();
        assertThat(count).containsOnly(each);
        assertThat(outOfOrder).isFalse();
    }

    @Test
    void aClosedMailboxDropsWhatIsPosted() {
        TaskMailbox mailbox = new TaskMailboxImpl(Thread.currentThread());
        mailbox.close();
        OutcomeInbox inbox = new OutcomeInbox(executor(mailbox));
        List<String> ran = new ArrayList<>();
        assertThatCode(() -> inbox.post(() -> ran.add("never"))).doesNotThrowAnyException();
        assertThatCode(() -> inbox.post(() -> ran.add("never either"))).doesNotThrowAnyException();
        assertThat(ran).isEmpty();
    }

    private static MailboxExecutorImpl executor(TaskMailbox mailbox) {
        return new MailboxExecutorImpl(
                mailbox, TaskMailbox.MIN_PRIORITY, StreamTaskActionExecutor.IMMEDIATE);
    }

    private static void runAll(TaskMailbox mailbox) throws Exception {
        for (Optional<Mail> m = mailbox.tryTake(TaskMailbox.MIN_PRIORITY);
                m.isPresent();
                m = mailbox.tryTake(TaskMailbox.MIN_PRIORITY)) {
            m.get().run();
        }
    }
}
