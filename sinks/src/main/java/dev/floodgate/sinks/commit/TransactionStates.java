package dev.floodgate.sinks.commit;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * Asks the transaction coordinator what became of a transaction. Created on the committer; the
 * admin client opens on the first question (a failed commit is rare) and stays open until {@link
 * #close()}.
 */
final class TransactionStates implements Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What a transaction's coordinator says about it. */
    enum Outcome {
        /** Committed (or its commit markers are being written): its records are in the output. */
        COMMITTED,
        /** Aborted (by its timeout or by a fence): its records will never be in the output. */
        ABORTED,
        /** Neither can be told (coordinator unreachable, id expired or reused, no transaction). */
        UNCONFIRMED
    }

    private final Map<String, String> adminProperties;
    private transient Admin admin;

    TransactionStates(Map<String, String> adminProperties) {
        this.adminProperties = adminProperties;
    }

    /** What became of the transaction {@code transactionalId} started by {@code producerId}. */
    Outcome outcome(String transactionalId, long producerId) {
        try {
            TransactionDescription d =
                    admin().describeTransactions(List.of(transactionalId))
                            .description(transactionalId)
                            .get(timeoutMillis() + 1000, TimeUnit.MILLISECONDS);
            return classify(d.state(), d.producerId(), producerId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.UNCONFIRMED;
        } catch (Exception e) {
            return Outcome.UNCONFIRMED;
        }
    }

    /**
     * The outcome from the coordinator's state: only a completed (or completing) commit or abort by
     * the same producer id tells; an empty or ongoing state means the id was initialised again
     * since, which hides how the transaction ended.
     */
    static Outcome classify(TransactionState state, long producerIdNow, long producerId) {
        if (producerIdNow != producerId) {
            return Outcome.UNCONFIRMED;
        }
        return switch (state) {
            case COMPLETE_COMMIT, PREPARE_COMMIT -> Outcome.COMMITTED;
            case COMPLETE_ABORT, PREPARE_ABORT, PREPARE_EPOCH_FENCE -> Outcome.ABORTED;
            default -> Outcome.UNCONFIRMED;
        };
    }

    private Admin admin() {
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

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
    }
}
