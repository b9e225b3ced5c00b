package dev.floodgate.sinks.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.floodgate.sinks.commit.TransactionStates.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;

class CommitAuditTest {
    private static final Duration PROMPT = Duration.ofSeconds(2);

    private final Metrics metrics = new Metrics();

    @Test
    void commitReturnsWhileTheLookupIsBlockedAndCountsWhenItAnswers() throws Exception {
        Blocking lookup = new Blocking(Outcome.COMMITTED);
        CommitAudit audit = new CommitAudit(new Refusing(), lookup, metrics);

        assertTimeoutPreemptively(PROMPT, () -> audit.commit(requests("t-0-1", "t-0-2")));
        assertThat(lookup.asked.await(5, TimeUnit.SECONDS)).as("the lookup started").isTrue();
        assertThat(lookup.thread).isNotSameAs(Thread.currentThread());
        assertThat(lookup.thread.isDaemon()).isTrue();
        assertThat(metrics.count("commitsAlreadyDone")).isZero();

        lookup.answer.countDown();
        awaitCount("commitsAlreadyDone", 2);
        assertThat(metrics.count("commitsLost")).isZero();
        assertThat(metrics.count("commitsUnconfirmed")).isZero();
        assertThat(lookup.askedFor).containsExactly("t-0-1/7/3", "t-0-2/7/3");

        audit.close();
        assertThat(lookup.closed).isTrue();
    }

    @Test
    void commitReturnsWhileTheCoordinatorDoesNotAnswer() throws Exception {
        // nothing listens on port 1: the lookup takes its whole timeout (3 s) and cannot tell
        TransactionStates unreachable =
                new TransactionStates(
                        Map.of(
                                "bootstrap.servers", "127.0.0.1:1",
                                "default.api.timeout.ms", "3000",
                                "request.timeout.ms", "500"));
        CommitAudit audit = new CommitAudit(new Refusing(), unreachable, metrics);

        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> audit.commit(requests("t-0-1")));
        assertThat(metrics.count("commitsUnconfirmed")).isZero();
        awaitCount("commitsUnconfirmed", 1, Duration.ofSeconds(10));
        audit.close();
    }

    @Test
    void eachOutcomeHasItsCounter() throws Exception {
        for (Outcome o : Outcome.values()) {
            Metrics m = new Metrics();
            Blocking lookup = new Blocking(o);
            lookup.answer.countDown();
            CommitAudit audit = new CommitAudit(new Refusing(), lookup, m);
            audit.commit(requests("t-0-1"));
            String counter =
                    switch (o) {
                        case COMMITTED -> "commitsAlreadyDone";
                        case ABORTED -> "commitsLost";
                        case UNCONFIRMED -> "commitsUnconfirmed";
                    };
            awaitCount(m, counter, 1);
            audit.close();
            assertThat(m.count("commitsAlreadyDone") + m.count("commitsLost"))
                    .as(o.toString())
                    .isEqualTo(o == Outcome.UNCONFIRMED ? 0 : 1);
            assertThat(m.count("commitsUnconfirmed"))
                    .as(o.toString())
                    .isEqualTo(o == Outcome.UNCONFIRMED ? 1 : 0);
        }
    }

    @Test
    void commitsTheConnectorCompletesAreNotLookedUp() throws Exception {
        Blocking lookup = new Blocking(Outcome.COMMITTED);
        lookup.answer.countDown();
        CommitAudit audit = new CommitAudit(new Completing(), lookup, metrics);
        audit.commit(requests("t-0-1"));
        audit.close();
        assertThat(lookup.askedFor).isEmpty();
        assertThat(metrics.count("commitsAlreadyDone")).isZero();
        assertThat(metrics.count("commitsUnconfirmed")).isZero();
    }

    @Test
    void closeStopsABlockedLookupAndCountsItUnconfirmedOnce() throws Exception {
        Blocking lookup = new Blocking(Outcome.COMMITTED);
        CommitAudit audit =
                new CommitAudit(new Refusing(), lookup, metrics, Duration.ofMillis(200));
        audit.commit(requests("t-0-1", "t-0-2"));
        assertThat(lookup.asked.await(5, TimeUnit.SECONDS)).isTrue();

        // the first lookup is interrupted, the second never starts
        assertTimeoutPreemptively(PROMPT, audit::close);
        assertThat(metrics.count("commitsUnconfirmed")).isEqualTo(2);
        assertThat(metrics.count("commitsAlreadyDone")).isZero();
        assertThat(lookup.closed).isTrue();
    }

    @Test
    void closeDoesNotWaitForALookupThatIgnoresInterruptsAndALateAnswerIsNotCounted()
            throws Exception {
        Blocking lookup = new Blocking(Outcome.COMMITTED);
        lookup.uninterruptible = true;
        CommitAudit audit =
                new CommitAudit(new Refusing(), lookup, metrics, Duration.ofMillis(200));
        audit.commit(requests("t-0-1"));
        assertThat(lookup.asked.await(5, TimeUnit.SECONDS)).isTrue();

        assertTimeoutPreemptively(PROMPT, audit::close);
        assertThat(metrics.count("commitsUnconfirmed")).isEqualTo(1);

        lookup.answer.countDown();
        lookup.thread.join(5_000);
        assertThat(lookup.thread.isAlive()).isFalse();
        assertThat(metrics.count("commitsAlreadyDone")).isZero();
        assertThat(metrics.count("commitsUnconfirmed")).isEqualTo(1);
    }

    @Test
    void aCommitterThatNeverDroppedAnythingClosesAtOnce() throws Exception {
        Blocking lookup = new Blocking(Outcome.COMMITTED);
        CommitAudit audit = new CommitAudit(new Completing(), lookup, metrics);
        audit.commit(requests("t-0-1"));
        assertTimeoutPreemptively(Duration.ofMillis(500), audit::close);
        assertThat(lookup.closed).isTrue();
    }

    private void awaitCount(String counter, long n) throws InterruptedException {
        awaitCount(metrics, counter, n);
    }

    private void awaitCount(String counter, long n, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (metrics.count(counter) < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(metrics.count(counter)).as(counter).isEqualTo(n);
    }

    private static void awaitCount(Metrics m, String counter, long n) throws InterruptedException {
        LongSupplier count = () -> m.count(counter);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (count.getAsLong() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(count.getAsLong()).as(counter).isEqualTo(n);
    }

    private static List<Committer.CommitRequest<KafkaCommittable>> requests(String... ids) {
        List<Committer.CommitRequest<KafkaCommittable>> r = new ArrayList<>();
        for (String id : ids) {
            r.add(new Request(new KafkaCommittable(7, (short) 3, id, null)));
        }
        return r;
    }

    /** A lookup that tells when it is asked and answers once released. */
    private static final class Blocking implements CommitAudit.Lookup {
        final CountDownLatch asked = new CountDownLatch(1);
        final CountDownLatch answer = new CountDownLatch(1);
        final Collection<String> askedFor = new ConcurrentLinkedQueue<>();
        final Outcome outcome;
        volatile boolean uninterruptible;
        volatile Thread thread;
        volatile boolean closed;

        Blocking(Outcome outcome) {
            this.outcome = outcome;
        }

        @Override
        public Outcome outcome(String transactionalId, long producerId, short epoch) {
            thread = Thread.currentThread();
            askedFor.add(transactionalId + "/" + producerId + "/" + epoch);
            asked.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    answer.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (!uninterruptible) {
                        // as TransactionStates: keep the interrupt, cannot tell
                        Thread.currentThread().interrupt();
                        return Outcome.UNCONFIRMED;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return outcome;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** The connector's committer giving up on every request (a refused recommit). */
    private static final class Refusing implements Committer<KafkaCommittable> {
        @Override
        public void commit(Collection<CommitRequest<KafkaCommittable>> requests) {
            for (CommitRequest<KafkaCommittable> r : requests) {
                r.signalFailedWithKnownReason(new ProducerFencedException("fenced"));
            }
        }

        @Override
        public void close() {}
    }

    /** The connector's committer committing every request. */
    private static final class Completing implements Committer<KafkaCommittable> {
        @Override
        public void commit(Collection<CommitRequest<KafkaCommittable>> requests) {}

        @Override
        public void close() {}
    }

    private static final class Request implements Committer.CommitRequest<KafkaCommittable> {
        private final KafkaCommittable committable;
        final AtomicBoolean failed = new AtomicBoolean();

        Request(KafkaCommittable committable) {
            this.committable = committable;
        }

        @Override
        public KafkaCommittable getCommittable() {
            return committable;
        }

        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            failed.set(true);
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            failed.set(true);
        }

        @Override
        public void retryLater() {}

        @Override
        public void updateAndRetryLater(KafkaCommittable committable) {}

        @Override
        public void signalAlreadyCommitted() {}
    }

    /** A metric group that keeps its counters to be read. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        private final Map<String, Counter> counters = new HashMap<>();

        @Override
        public synchronized Counter counter(String name) {
            return counters.computeIfAbsent(name, n -> new SimpleCounter());
        }

        synchronized long count(String name) {
            Counter c = counters.get(name);
            return c == null ? 0 : c.getCount();
        }
    }
}
