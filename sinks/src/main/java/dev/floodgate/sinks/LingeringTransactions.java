package dev.floodgate.sinks;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the transactions an earlier run of a job left open, before a new run (started without its
 * state) reads what that run committed. A run that was cancelled or crashed after a checkpoint's
 * transactions were prepared but before they were committed leaves them open: they hold back the
 * last stable offset of every partition they wrote to, so a {@code read_committed} reader sees
 * nothing behind them, not even what other subtasks committed later (a drain's progress marks of
 * one subtask hidden behind another's open transaction: the new run would start too early and
 * repeat that subtask's last checkpoint). A new run without state never commits them: its sinks
 * abort them anyway. So: transactions of the prefix that are open are aborted (a producer with
 * their id initialises, which fences the old one and aborts them); those whose commit or abort is
 * under way are waited for.
 */
public final class LingeringTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(LingeringTransactions.class);

    private LingeringTransactions() {}

    /**
     * Aborts the open transactions whose id starts with {@code prefix} and waits for those being
     * completed; returns the ids aborted. Fails when some are still open after {@code timeout}.
     */
    public static List<String> resolve(
            String bootstrapServers,
            Map<String, String> clientProperties,
            String prefix,
            Duration timeout)
            throws Exception {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> aborted = new java.util.ArrayList<>();
        try (Admin admin = Admin.create(p)) {
            while (true) {
                List<TransactionListing> open =
                        admin.listTransactions().all().get().stream()
                                .filter(t -> t.transactionalId().startsWith(prefix))
                                .filter(t -> unfinished(t.state()))
                                .collect(Collectors.toList());
                if (open.isEmpty()) {
                    return aborted;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "transactions of "
                                    + prefix
                                    + " still open after "
                                    + timeout
                                    + ": "
                                    + open);
                }
                for (TransactionListing t : open) {
                    if (t.state() == TransactionState.ONGOING) {
                        abort(bootstrapServers, clientProperties, t.transactionalId());
                        aborted.add(t.transactionalId());
                    }
                }
                Thread.sleep(100); // markers are written asynchronously; look again
            }
        }
    }

    private static boolean unfinished(TransactionState s) {
        return s == TransactionState.ONGOING
                || s == TransactionState.PREPARE_COMMIT
                || s == TransactionState.PREPARE_ABORT
                || s == TransactionState.PREPARE_EPOCH_FENCE;
    }

    /**
     * Initialising a producer with the id fences its earlier producer and aborts its transaction.
     */
    private static void abort(
            String bootstrapServers, Map<String, String> clientProperties, String id) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
        }
        LOG.info("aborted transaction {} left open by an earlier run", id);
    }
}
