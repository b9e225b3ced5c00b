package dev.floodgate.sinks.commit;

import dev.floodgate.sinks.commit.TransactionStates.Outcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
 *       initialised again): treated as possible loss, ERROR and the same alert.
 * </ul>
 *
 * <p>The connector's own line ("producer is already fenced ... most likely signals data loss") is
 * left as it is; the audit's line after it says which case it was. Requests the committer
 * completes, retries or fails with an unknown reason (the job fails over) are not touched. No state
 * of its own; one admin client opened on the first failed commit.
 */
final class CommitAudit implements Committer<KafkaCommittable> {
    private static final Logger LOG = LoggerFactory.getLogger(CommitAudit.class);

    private final Committer<KafkaCommittable> delegate;
    private final TransactionStates states;
    private final Counter alreadyDone;
    private final Counter lost;
    private final Counter unconfirmed;

    CommitAudit(
            Committer<KafkaCommittable> delegate, TransactionStates states, MetricGroup metrics) {
        this.delegate = delegate;
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
                audit(w.getCommittable(), w.droppedFor);
            }
        }
    }

    private void audit(KafkaCommittable c, Throwable reason) {
        Outcome outcome = states.outcome(c.getTransactionalId(), c.getProducerId());
        switch (outcome) {
            case COMMITTED -> {
                alreadyDone.inc();
                LOG.info(
                        "Kafka transaction {} (producer id {}, epoch {}) was committed before this"
                                + " restore; the connector's refused recommit ({}) lost nothing",
                        c.getTransactionalId(),
                        c.getProducerId(),
                        c.getEpoch(),
                        reason.getClass().getSimpleName());
            }
            case ABORTED -> {
                lost.inc();
                LOG.error(
                        "DATA LOSS: Kafka transaction {} (producer id {}, epoch {}) was aborted by"
                                + " its coordinator before it could be committed ({}): its records"
                                + " are not in the output; replay the time range of its checkpoint"
                                + " (docs/reliability.md, 'Commits that were lost')",
                        c.getTransactionalId(),
                        c.getProducerId(),
                        c.getEpoch(),
                        reason.toString());
            }
            case UNCONFIRMED -> {
                unconfirmed.inc();
                LOG.error(
                        "POSSIBLE DATA LOSS: the commit of Kafka transaction {} (producer id {},"
                                + " epoch {}) was refused ({}) and its coordinator cannot tell whether"
                                + " it was committed; check the output for the time range of its"
                                + " checkpoint (docs/reliability.md, 'Commits that were lost')",
                        c.getTransactionalId(),
                        c.getProducerId(),
                        c.getEpoch(),
                        reason.toString());
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            delegate.close();
        } finally {
            states.close();
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
