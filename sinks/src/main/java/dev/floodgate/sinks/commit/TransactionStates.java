package dev.floodgate.sinks.commit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the transaction coordinator what became of a transaction. Created on the committer and asked
 * only on the audit's own thread ({@link CommitAudit}); the admin client opens on the first
 * question (a failed commit is rare) and stays open until {@link #close()}, after which every
 * question answers {@link Outcome#UNCONFIRMED}.
 *
 * <h2>What the coordinator's answer means</h2>
 *
 * {@code describeTransactions} gives the state of the <em>latest</em> transaction of an id, with
 * the producer id and epoch the coordinator holds now. A committable carries the producer id P and
 * the epoch E its transaction ran at. The epoch the coordinator holds after that transaction ended
 * depends on the transaction version (KIP-890), which the cluster's finalized feature {@code
 * transaction.version} tells (2 or more: V2, which kafka-clients 4.x producers then use):
 *
 * <table>
 *   <caption>coordinator state and epoch after the transaction of epoch E ended</caption>
 *   <tr><th>how it ended</th><th>V1</th><th>V2 (every end bumps the epoch)</th></tr>
 *   <tr><td>committed</td><td>commit, E</td><td>commit, E+1</td></tr>
 *   <tr><td>aborted by its producer</td><td>abort, E</td><td>abort, E+1</td></tr>
 *   <tr><td>aborted by its timeout or a fence</td>
 *       <td>abort, E+1 (the fence bumps)</td><td>abort, E+1, or E+2 where the coordinator bumps for
 *       the fence and again for the end (the 4.2 broker of CommitAuditITCase leaves E+1)</td></tr>
 * </table>
 *
 * <p>So, with the same producer id: a commit at E (V1) or E+1 (V2) is this transaction's commit:
 * {@link Outcome#COMMITTED}; an abort at E or E+1 (V1) or at E+1 or E+2 (V2) is its abort: {@link
 * Outcome#ABORTED}. Anything else cannot be told apart from a later transaction of the same id (an
 * id initialised again, or used for another transaction, since), so it is {@link
 * Outcome#UNCONFIRMED}: a commit at E+1 under V1 or at E+2 under V2 (a later transaction committed;
 * this one may have been aborted first), any state at an epoch outside those, {@code Ongoing} and
 * {@code Empty} (the id is in use again, or this transaction is still open: the connector gave up
 * on it, so nobody commits it and its timeout will abort it), another producer id (the id expired
 * and was initialised again). {@code PrepareEpochFence} (the coordinator fencing the transaction
 * open at the epoch it shows) counts as the abort only at E. When the version cannot be read, only
 * the reading both versions share counts: an abort at E+1; everything else is unconfirmed. The rule
 * assumes what the connector's default naming gives: one transaction per transactional id, so the
 * latest transaction of the id is the committable's unless the id was initialised again.
 */
final class TransactionStates implements CommitAudit.Lookup {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionStates.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TRANSACTION_VERSION_FEATURE = "transaction.version";

    /** What a transaction's coordinator says about it. */
    enum Outcome {
        /** Committed (or its commit markers are being written): its records are in the output. */
        COMMITTED,
        /** Aborted (by its timeout or by a fence): its records will never be in the output. */
        ABORTED,
        /** Neither can be told (coordinator unreachable, id expired or reused, no transaction). */
        UNCONFIRMED
    }

    /** The cluster's transaction version: whether the end of a transaction bumps the epoch. */
    enum Version {
        V1,
        V2,
        /** Not known (the feature could not be read): only readings V1 and V2 share count. */
        UNKNOWN
    }

    private final Map<String, String> adminProperties;
    private Admin admin;
    // no lock over the round trip that reads it: close() must never wait for one
    private volatile Version version;
    private boolean closed;

    TransactionStates(Map<String, String> adminProperties) {
        this.adminProperties = adminProperties;
    }

    /**
     * What became of the transaction {@code transactionalId} run by {@code producerId} at {@code
     * epoch}. Blocks up to {@code default.api.timeout.ms} (30 s) per round trip: never on the task
     * thread.
     */
    @Override
    public Outcome outcome(String transactionalId, long producerId, short epoch) {
        try {
            TransactionDescription d =
                    admin().describeTransactions(List.of(transactionalId))
                            .description(transactionalId)
                            .get(timeoutMillis() + 1000, TimeUnit.MILLISECONDS);
            Version v = version();
            Outcome o =
                    classify(d.state(), d.producerId(), d.producerEpoch(), producerId, epoch, v);
            LOG.info(
                    "Kafka transaction {} (producer id {}, epoch {}): its coordinator holds {} of"
                            + " producer id {} at epoch {}, transactions {}: {}",
                    transactionalId,
                    producerId,
                    epoch,
                    d.state(),
                    d.producerId(),
                    d.producerEpoch(),
                    v,
                    o);
            return o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.UNCONFIRMED;
        } catch (Exception e) {
            return Outcome.UNCONFIRMED;
        }
    }

    /**
     * The outcome from the coordinator's state, producer id and epoch now, for the transaction of
     * {@code producerId} at {@code epoch} (the rule: the class comment).
     */
    static Outcome classify(
            TransactionState state,
            long producerIdNow,
            int epochNow,
            long producerId,
            short epoch,
            Version version) {
        if (producerIdNow != producerId) {
            return Outcome.UNCONFIRMED;
        }
        // how far the coordinator's epoch moved past the transaction's (negative: a different,
        // earlier session; never this transaction)
        int moved = epochNow - epoch;
        return switch (state) {
            case COMPLETE_COMMIT, PREPARE_COMMIT ->
                    switch (version) {
                        case V1 -> moved == 0 ? Outcome.COMMITTED : Outcome.UNCONFIRMED;
                        case V2 -> moved == 1 ? Outcome.COMMITTED : Outcome.UNCONFIRMED;
                        case UNKNOWN -> Outcome.UNCONFIRMED;
                    };
            case COMPLETE_ABORT, PREPARE_ABORT ->
                    switch (version) {
                        case V1 -> moved == 0 || moved == 1 ? Outcome.ABORTED : Outcome.UNCONFIRMED;
                        case V2 -> moved == 1 || moved == 2 ? Outcome.ABORTED : Outcome.UNCONFIRMED;
                        case UNKNOWN -> moved == 1 ? Outcome.ABORTED : Outcome.UNCONFIRMED;
                    };
            case PREPARE_EPOCH_FENCE -> moved == 0 ? Outcome.ABORTED : Outcome.UNCONFIRMED;
            default -> Outcome.UNCONFIRMED;
        };
    }

    /**
     * The cluster's transaction version, read once: V2 if its finalized {@code transaction.version}
     * is 2 or more, V1 if lower or not finalized, {@link Version#UNKNOWN} (and asked again next
     * time) if it cannot be read.
     */
    private Version version() throws InterruptedException {
        Version known = version;
        if (known != null) {
            return known;
        }
        try {
            FinalizedVersionRange v =
                    admin().describeFeatures()
                            .featureMetadata()
                            .get(timeoutMillis() + 1000, TimeUnit.MILLISECONDS)
                            .finalizedFeatures()
                            .get(TRANSACTION_VERSION_FEATURE);
            known = v != null && v.maxVersionLevel() >= 2 ? Version.V2 : Version.V1;
            version = known;
            return known;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return Version.UNKNOWN;
        }
    }

    private synchronized Admin admin() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (admin == null) {
            Properties p = new Properties();
            p.putAll(adminProperties);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMillis()));
            admin = Admin.create(p);
        }
        return admin;
    }

    /** How long one question may take: {@code default.api.timeout.ms} if given, else 30 s. */
    private long timeoutMillis() {
        String given = adminProperties.get(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        return given == null ? TIMEOUT.toMillis() : Long.parseLong(given.trim());
    }

    /** Closes the admin client (a question still waiting on it fails: unconfirmed). */
    @Override
    public void close() {
        Admin open;
        synchronized (this) {
            closed = true;
            open = admin;
            admin = null;
        }
        if (open != null) {
            open.close(Duration.ofSeconds(5));
        }
    }
}
