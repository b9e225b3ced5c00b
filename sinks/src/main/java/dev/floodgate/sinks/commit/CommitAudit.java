package dev.floodgate.sinks.commit;

import dev.floodgate.sinks.commit.TransactionStates.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka committer, audited. Every commit request the connector's committer gives up on ({@code
 * signalFailedWithKnownReason}: it drops the committable and the job goes on) is looked up at the
 * transaction coordinator, then counted and logged by what it was:
 *
 * <ul>
 *   <li>{@code commitsAlreadyDone}: the transaction had been committed before a restore. After a
 *       restore the committer commits the restored checkpoint's transactions again; with Kafka
 *       transactions V2 (the default of 4.x brokers and clients) every commit bumps the producer
 *       epoch, so that recommit, made with the checkpointed epoch, is refused as fenced. Harmless:
 *       INFO.
 *   <li>{@code commitsLost}: the coordinator aborted the transaction (its timeout passed, or a
 *       fence) before the commit: its records are not in the output, and the source has moved past
 *       them. ERROR, and the alert {@code FloodgateCommitLost}: replay the range (see
 *       docs/reliability.md).
 *   <li>{@code commitsUnconfirmed}: the coordinator cannot tell (unreachable, id expired or
 *       initialised again, an epoch that may be a later transaction's), or the lookup had not
 *       answered when the committer closed: treated as possible loss, ERROR and the same alert.
 * </ul>
 *
 * <p>Which state and epoch mean which is {@link TransactionStates}' rule: the producer id must be
 * the committable's, and the coordinator's epoch the one this transaction's end leaves (a commit at
 * the committable's epoch E under transactions V1, at E+1 under V2, where every end bumps it).
 *
 * <p>Off the task thread: the committer runs in the task of the sink's writer and of the processing
 * chained to it, and a lookup may take a round trip or two, up to {@code default.api.timeout.ms}
 * (30 s) each when the coordinator does not answer. After a restore under V2 every restored
 * transaction is recommitted and refused, so a lookup on the task thread would hold the restored
 * pipeline for a round trip per transaction. {@link #commit} therefore only hands the dropped
 * committables to the audit's own thread (one daemon thread per committer, started on the first
 * one) and returns; the counters and log lines follow when the coordinator answers. The audit never
 * changes what the connector does with a request, so nothing waits for it.
 *
 * <p>At {@link #close()} the audit gets {@link #CLOSE_WAIT} to finish the lookups in hand, then is
 * interrupted. A lookup that had not answered by then is logged as not confirmed and counted in
 * {@code commitsUnconfirmed}: that is the honest reading, the same as a coordinator that does not
 * answer (its commit was refused and nobody knows whether the transaction was committed), and it
 * keeps every dropped commit counted in exactly one counter. The admin client is closed after the
 * thread stops. No state of its own; one admin client opened on the first failed commit.
 *
 * <p>The connector's own line ("producer is already fenced ... most likely signals data loss") is
 * left as it is; the audit's line a moment after it (from the audit's thread) says which case it
 * was. Requests the committer completes, retries or fails with an unknown reason (the job fails
 * over) are not touched.
 */
final class CommitAudit implements Committer<KafkaCommittable> {
    private static final Logger LOG = LoggerFactory.getLogger(CommitAudit.class);

    /** How long {@link #close()} waits for lookups in hand before it interrupts them. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** Where the audit asks what became of a transaction: the coordinator in production. */
    interface Lookup extends AutoCloseable {
        Outcome outcome(String transactionalId, long producerId, short epoch);

        @Override
        void close();
    }

    private final Committer<KafkaCommittable> delegate;
    private final Lookup states;
    private final Duration closeWait;
    private final Counter alreadyDone;
    private final Counter lost;
    private final Counter unconfirmed;

    /**
     * Dropped commits handed to the audit and not yet reported. Whoever removes one reports it (the
     * audit's thread with the coordinator's answer, or close() when it did not come), so each is
     * counted once.
     */
    private final Set<Dropped> inHand = ConcurrentHashMap.newKeySet();

    private ExecutorService auditor;

    CommitAudit(Committer<KafkaCommittable> delegate, Lookup states, MetricGroup metrics) {
        this(delegate, states, metrics, CLOSE_WAIT);
    }

    CommitAudit(
            Committer<KafkaCommittable> delegate,
            Lookup states,
            MetricGroup metrics,
            Duration closeWait) {
        this.delegate = delegate;
        this.closeWait = closeWait;
        this.states = states;
        this.alreadyDone = metrics.counter("commitsAlreadyDone");
        this.lost = metrics.counter("commitsLost");
        this.unconfirmed = metrics.counter("commitsUnconfirmed");
    }

    @Override
    public void commit(Collection<CommitRequest<KafkaCommittable>> requests)
            throws IOException, InterruptedException {
        List<Watched> watched = new ArrayList<>(requests.size());
        for (CommitRequest<KafkaCommittable> r : requests) {
            watched.add(new Watched(r));
        }
        delegate.commit(new ArrayList<>(watched));
        for (Watched w : watched) {
            if (w.droppedFor != null) {
                audit(new Dropped(w.getCommittable(), w.droppedFor));
            }
        }
    }

    /** Hands {@code d} to the audit's thread; never waits for the lookup. */
    private void audit(Dropped d) {
        inHand.add(d);
        try {
            auditor().execute(() -> lookUp(d));
        } catch (RejectedExecutionException e) {
            // closed already: nobody will ask
            if (inHand.remove(d)) {
                notConfirmed(d, "the committer closed before it could be looked up");
            }
        }
    }

    private void lookUp(Dropped d) {
        Outcome outcome;
        try {
            outcome = states.outcome(d.transactionalId, d.producerId, d.epoch);
        } catch (RuntimeException e) {
            LOG.warn("The lookup of Kafka transaction {} failed", d.transactionalId, e);
            outcome = Outcome.UNCONFIRMED;
        }
        if (Thread.currentThread().isInterrupted()) {
            // stopped by close(): the answer is not the coordinator's; close() reports it
            return;
        }
        if (inHand.remove(d)) {
            report(d, outcome);
        }
    }

    private synchronized ExecutorService auditor() {
        if (auditor == null) {
            // the task's user-code class loader, as on the task thread (the admin client loads
            // configured classes such as login modules through it)
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            auditor =
                    Executors.newSingleThreadExecutor(
                            r -> {
                                Thread t = new Thread(r, "floodgate-commit-audit");
                                t.setDaemon(true);
                                t.setContextClassLoader(loader);
                                return t;
                            });
        }
        return auditor;
    }

    private synchronized void report(Dropped d, Outcome outcome) {
        switch (outcome) {
            case COMMITTED -> {
                alreadyDone.inc();
                LOG.info(
                        "Kafka transaction {} (producer id {}, epoch {}) was committed before this"
                                + " restore; the connector's refused recommit ({}) lost nothing",
                        d.transactionalId,
                        d.producerId,
                        d.epoch,
                        d.reason.getClass().getSimpleName());
            }
            case ABORTED -> {
                lost.inc();
                LOG.error(
                        "DATA LOSS: Kafka transaction {} (producer id {}, epoch {}) was aborted by"
                                + " its coordinator before it could be committed ({}): its records"
                                + " are not in the output; replay the time range of its checkpoint"
                                + " (docs/reliability.md, 'Commits that were lost')",
                        d.transactionalId,
                        d.producerId,
                        d.epoch,
                        d.reason.toString());
            }
            case UNCONFIRMED ->
                    notConfirmed(d, "its coordinator cannot tell whether it was committed");
        }
    }

    private synchronized void notConfirmed(Dropped d, String why) {
        unconfirmed.inc();
        LOG.error(
                "POSSIBLE DATA LOSS: the commit of Kafka transaction {} (producer id {}, epoch {})"
                        + " was refused ({}) and {}; check the output for the time range of its"
                        + " checkpoint (docs/reliability.md, 'Commits that were lost')",
                d.transactionalId,
                d.producerId,
                d.epoch,
                d.reason.toString(),
                why);
    }

    @Override
    public void close() throws Exception {
        try {
            delegate.close();
        } finally {
            try {
                stopAuditor();
            } finally {
                states.close();
            }
        }
    }

    /**
     * Lets the lookups in hand finish for {@code closeWait}, then interrupts them and reports what
     * is left as not confirmed.
     */
    private void stopAuditor() throws InterruptedException {
        ExecutorService running;
        synchronized (this) {
            running = auditor;
            if (running == null) {
                return;
            }
        }
        running.shutdown();
        try {
            if (!running.awaitTermination(closeWait.toMillis(), TimeUnit.MILLISECONDS)) {
                running.shutdownNow();
            }
        } finally {
            for (Dropped d : List.copyOf(inHand)) {
                if (inHand.remove(d)) {
                    notConfirmed(
                            d,
                            "its lookup had not answered when the committer closed (waited "
                                    + closeWait.toMillis()
                                    + " ms)");
                }
            }
        }
    }

    /**
     * What the audit keeps of a committable the connector dropped, and why: the names only, not the
     * committable (which may hold its producer). Identity, not value: each drop counts.
     */
    private static final class Dropped {
        final String transactionalId;
        final long producerId;
        final short epoch;
        final Throwable reason;

        Dropped(KafkaCommittable c, Throwable reason) {
            this.transactionalId = c.getTransactionalId();
            this.producerId = c.getProducerId();
            this.epoch = c.getEpoch();
            this.reason = reason;
        }
    }

    /** A request that remembers whether the committer dropped it with a known reason. */
    private static final class Watched implements CommitRequest<KafkaCommittable> {
        private final CommitRequest<KafkaCommittable> request;
        private Throwable droppedFor;

        Watched(CommitRequest<KafkaCommittable> request) {
            this.request = request;
        }

        @Override
        public KafkaCommittable getCommittable() {
            return request.getCommittable();
        }

        @Override
        public int getNumberOfRetries() {
            return request.getNumberOfRetries();
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            droppedFor = t;
            request.signalFailedWithKnownReason(t);
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            request.signalFailedWithUnknownReason(t);
        }

        @Override
        public void retryLater() {
            request.retryLater();
        }

        @Override
        public void updateAndRetryLater(KafkaCommittable committable) {
            request.updateAndRetryLater(committable);
        }

        @Override
        public void signalAlreadyCommitted() {
            request.signalAlreadyCommitted();
        }

        /** The request's own text (the committer's log lines name the committable by it). */
        @Override
        public String toString() {
            return request.toString();
        }
    }
}
