package dev.floodgate.job.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.job.SavepointPositions;
import dev.floodgate.job.Uids;
import dev.floodgate.job.tools.OrderingStateReader.CustomerOrdering;
import dev.floodgate.model.CustomerNames;
import dev.floodgate.model.Interaction;
import dev.floodgate.operators.CustomerKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.common.TopicPartition;

/**
 * What a savepoint of the live job holds: the Kafka positions of its source (next offset per
 * partition, from {@link SavepointPositions}) and a summary of the per-customer ordering state,
 * read with the State Processor API in a small batch job (customers, events held for gaps, the
 * oldest held event, the customers waiting longest).
 *
 * @param oldestBuffered the held event with the oldest log timestamp, or {@code null} when none is
 *     held
 * @param longestWaiting up to the requested number of customers waiting on a gap, longest wait
 *     first
 */
public record SavepointInspection(
        String savepoint,
        Map<TopicPartition, Long> positions,
        long customers,
        long bufferedEvents,
        long customersWaiting,
        Interaction oldestBuffered,
        List<CustomerOrdering> longestWaiting) {

    /** Reads {@code path}; {@code stateTtl} must be the live job's {@code --ordering-state-ttl}. */
    public static SavepointInspection read(String path, Duration stateTtl, int listWaiting)
            throws Exception {
        // Outside Flink this is a local environment in this process; inside a test's MiniCluster
        // context, that one.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        SavepointReader savepoint = SavepointReader.read(env, path);
        Map<TopicPartition, Long> positions = SavepointPositions.read(path);
        TypeInformation<String> keyType =
                TypeExtractor.getKeySelectorTypes(
                        CustomerKey.INSTANCE, TypeInformation.of(Interaction.class));
        long customers = 0;
        long buffered = 0;
        long waiting = 0;
        Interaction oldest = null;
        // The customers waiting longest: a heap of the N earliest wait starts, latest on top.
        Comparator<CustomerOrdering> byWaitStart =
                Comparator.comparingLong(c -> c.waitingSinceMillis);
        PriorityQueue<CustomerOrdering> longest = new PriorityQueue<>(byWaitStart.reversed());
        try (CloseableIterator<CustomerOrdering> it =
                savepoint
                        .readKeyedState(
                                OperatorIdentifier.forUid(Uids.ORDER_PER_CUSTOMER),
                                new OrderingStateReader(stateTtl),
                                keyType,
                                TypeInformation.of(CustomerOrdering.class))
                        .executeAndCollect("savepoint inspect")) {
            while (it.hasNext()) {
                CustomerOrdering c = it.next();
                customers++;
                buffered += c.buffered;
                if (c.oldestBuffered != null
                        && (oldest == null
                                || OrderingStateReader.OLDEST_FIRST.compare(
                                                c.oldestBuffered, oldest)
                                        < 0)) {
                    oldest = c.oldestBuffered;
                }
                if (c.buffered > 0) {
                    waiting++;
                    longest.add(c);
                    if (longest.size() > listWaiting) {
                        longest.poll();
                    }
                }
            }
        }
        List<CustomerOrdering> longestFirst = new ArrayList<>(longest);
        longestFirst.sort(byWaitStart);
        return new SavepointInspection(
                path, positions, customers, buffered, waiting, oldest, longestFirst);
    }

    /**
     * The report for people, customers named by pseudonyms under a key of this call; ages are
     * relative to {@code now}.
     */
    public String render(Instant now) {
        return render(now, CustomerNames.pseudonymous());
    }

    /**
     * The report for people, customers named by {@code names} (their ids only with {@code
     * --log-customer-ids}); ages are relative to {@code now}.
     */
    public String render(Instant now, CustomerNames names) {
        StringBuilder sb = new StringBuilder(String.format("savepoint %s%n", savepoint));
        sb.append(
                String.format(
                        "Kafka positions (%s, next offset to read)%n", Uids.SOURCE_INTERACTIONS));
        positions.forEach((tp, offset) -> sb.append(String.format("  %-40s %,d%n", tp, offset)));
        sb.append(String.format("ordering state (%s)%n", Uids.ORDER_PER_CUSTOMER));
        sb.append(String.format("  customers                    %,d%n", customers));
        sb.append(String.format("  buffered events (held)       %,d%n", bufferedEvents));
        sb.append(String.format("  customers waiting on a gap   %,d%n", customersWaiting));
        if (oldestBuffered == null) {
            sb.append(String.format("  oldest buffered event        none%n"));
        } else {
            sb.append(
                    String.format(
                            "  oldest buffered event        customer %s seq %d, logged %s (age %s), %s-%d@%d%n",
                            names.name(oldestBuffered.customerId),
                            oldestBuffered.seq,
                            Instant.ofEpochMilli(oldestBuffered.logTimestamp),
                            age(now.toEpochMilli() - oldestBuffered.logTimestamp),
                            oldestBuffered.sourceTopic,
                            oldestBuffered.sourcePartition,
                            oldestBuffered.sourceOffset));
        }
        if (!longestWaiting.isEmpty()) {
            sb.append(
                    String.format(
                            "waiting longest (customer, next seq, held, waiting since, log time)%n"));
            for (CustomerOrdering c : longestWaiting) {
                sb.append(
                        String.format(
                                "  %-28s %-8s %,6d  %s%n",
                                names.name(c.customerId),
                                c.nextSeq == null ? "-" : c.nextSeq,
                                c.buffered,
                                Instant.ofEpochMilli(c.waitingSinceMillis)));
            }
        }
        return sb.toString();
    }

    /**
     * One JSON object for scripts, customers named by pseudonyms; see {@link #toJson(Instant,
     * CustomerNames)}.
     */
    public String toJson(Instant now) {
        return toJson(now, CustomerNames.pseudonymous());
    }

    /**
     * One JSON object for scripts; ages are relative to {@code now}. A customer is {@code
     * customer_id} when {@code names} are plain ids, else {@code customer_pseudonym}.
     */
    public String toJson(Instant now, CustomerNames names) {
        String customerField = names.plain() ? "customer_id" : "customer_pseudonym";
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("savepoint", savepoint);
        ArrayNode pos = root.putArray("positions");
        positions.forEach(
                (tp, offset) ->
                        pos.addObject()
                                .put("topic", tp.topic())
                                .put("partition", tp.partition())
                                .put("next_offset", offset));
        root.put("customers", customers)
                .put("buffered_events", bufferedEvents)
                .put("customers_waiting", customersWaiting);
        if (oldestBuffered == null) {
            root.putNull("oldest_buffered");
        } else {
            root.putObject("oldest_buffered")
                    .put(customerField, names.name(oldestBuffered.customerId))
                    .put("seq", oldestBuffered.seq)
                    .put("event_id", oldestBuffered.eventId)
                    .put("logged_at", Instant.ofEpochMilli(oldestBuffered.logTimestamp).toString())
                    .put("age_ms", now.toEpochMilli() - oldestBuffered.logTimestamp)
                    .put("topic", oldestBuffered.sourceTopic)
                    .put("partition", oldestBuffered.sourcePartition)
                    .put("offset", oldestBuffered.sourceOffset);
        }
        ArrayNode waiting = root.putArray("waiting_longest");
        for (CustomerOrdering c : longestWaiting) {
            waiting.addObject()
                    .put(customerField, names.name(c.customerId))
                    .put("next_seq", c.nextSeq)
                    .put("buffered", c.buffered)
                    .put("waiting_since", Instant.ofEpochMilli(c.waitingSinceMillis).toString());
        }
        return root.toString();
    }

    private static String age(long millis) {
        Duration d = Duration.ofMillis(Math.max(0, millis));
        return d.toHours() > 0
                ? String.format("%dh %02dm", d.toHours(), d.toMinutesPart())
                : d.toMinutes() > 0
                        ? String.format("%dm %02ds", d.toMinutes(), d.toSecondsPart())
                        : String.format("%d.%03ds", d.toSeconds(), d.toMillisPart());
    }
}
