package dev.floodgate.job.tools;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.InvalidRecordException;
import dev.floodgate.contract.OutputCodec;
import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.kafka.KafkaClientConfig;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.model.RawRecord;
import dev.floodgate.sources.CommittedRecords;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Proves the pipeline's promise from the topics alone: every valid input event was processed
 * exactly once across the counted lanes (or is a dead letter of the processing stage), and every
 * invalid input record is in the dead-letter topic. Reads every topic with {@code read_committed}.
 */
public final class Reconcile {
    private Reconcile() {}

    /** The verdict: counts and the first few event ids of each kind of problem. */
    public record Report(
            int validEvents,
            int invalidRecords,
            int processedOnce,
            int deadLettered,
            List<String> missing,
            List<String> duplicated,
            List<String> shedNotDrained,
            List<String> invalidNotDeadLettered,
            Map<String, Integer> processedByLane) {

        public boolean passed() {
            return missing.isEmpty() && duplicated.isEmpty() && invalidNotDeadLettered.isEmpty();
        }

        public String render() {
            return String.format(
                    "reconcile: %s%n"
                            + "  valid input events          %,d%n"
                            + "  processed exactly once      %,d   by lane %s%n"
                            + "  dead letters (processing)   %,d%n"
                            + "  missing                     %,d %s%n"
                            + "    of which shed, not drained %,d %s%n"
                            + "  duplicated                  %,d %s%n"
                            + "  invalid input records       %,d, not in the dead-letter topic: %,d %s%n",
                    passed() ? "PASSED" : "FAILED",
                    validEvents,
                    processedOnce,
                    processedByLane,
                    deadLettered,
                    missing.size(),
                    first(missing),
                    shedNotDrained.size(),
                    first(shedNotDrained),
                    duplicated.size(),
                    first(duplicated),
                    invalidRecords,
                    invalidNotDeadLettered.size(),
                    first(invalidNotDeadLettered));
        }

        public String toJson() {
            return String.format(
                    "{\"passed\":%s,\"valid\":%d,\"invalid\":%d,\"processed_once\":%d,"
                            + "\"dead_lettered\":%d,\"missing\":%d,\"duplicated\":%d,\"shed_not_drained\":%d,"
                            + "\"invalid_not_dead_lettered\":%d,\"processed_by_lane\":%s,\"first_missing\":%s,"
                            + "\"first_duplicated\":%s}",
                    passed(),
                    validEvents,
                    invalidRecords,
                    processedOnce,
                    deadLettered,
                    missing.size(),
                    duplicated.size(),
                    shedNotDrained.size(),
                    invalidNotDeadLettered.size(),
                    json(processedByLane),
                    json(first(missing)),
                    json(first(duplicated)));
        }

        private static List<String> first(List<String> ids) {
            return ids.subList(0, Math.min(5, ids.size()));
        }

        private static String json(Object o) {
            if (o instanceof Map<?, ?> m) {
                StringBuilder sb = new StringBuilder("{");
                m.forEach(
                        (k, v) ->
                                sb.append(sb.length() > 1 ? "," : "")
                                        .append('"')
                                        .append(k)
                                        .append("\":")
                                        .append(v));
                return sb.append('}').toString();
            }
            StringBuilder sb = new StringBuilder("[");
            for (Object id : (List<?>) o) {
                sb.append(sb.length() > 1 ? "," : "").append('"').append(id).append('"');
            }
            return sb.append(']').toString();
        }
    }

    /** Reconciles the topics named in {@code options}, counting the given lanes as processing. */
    public static Report run(FloodgateOptions options, Set<Lane> lanes) throws IOException {
        String bootstrap = options.get(FloodgateOptions.BOOTSTRAP_SERVERS);
        Map<String, String> client = KafkaClientConfig.from(options).clientProperties();
        int maxBytes = options.get(FloodgateOptions.MAX_RECORD_BYTES);

        Set<String> valid = new LinkedHashSet<>();
        Set<String> invalidPositions = new LinkedHashSet<>();
        for (ConsumerRecord<byte[], byte[]> r :
                CommittedRecords.readAll(
                        bootstrap, client, options.get(FloodgateOptions.INPUT_TOPIC))) {
            try {
                valid.add(InteractionCodec.parse(raw(r), maxBytes).eventId);
            } catch (InvalidRecordException e) {
                invalidPositions.add(r.topic() + "-" + r.partition() + "@" + r.offset());
            }
        }
        Map<String, Integer> processedCount = new HashMap<>();
        Map<String, Integer> byLane = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                CommittedRecords.readAll(
                        bootstrap, client, options.get(FloodgateOptions.PROCESSED_TOPIC))) {
            ProcessedEvent p = OutputCodec.readProcessed(r.value());
            if (lanes.contains(p.lane)) {
                processedCount.merge(p.eventId, 1, Integer::sum);
                byLane.merge(p.lane.wireName(), 1, Integer::sum);
            }
        }
        Set<String> deadLettered = new HashSet<>();
        Set<String> deadLetterPositions = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r :
                CommittedRecords.readAll(
                        bootstrap, client, options.get(FloodgateOptions.DLQ_TOPIC))) {
            DeadLetter d = OutputCodec.readDeadLetter(r.value());
            deadLetterPositions.add(d.topic + "-" + d.partition + "@" + d.offset);
            if ("process".equals(d.stage)) {
                try {
                    deadLettered.add(
                            InteractionCodec.parse(
                                            new RawRecord(
                                                    d.key,
                                                    d.value,
                                                    d.topic,
                                                    d.partition,
                                                    d.offset,
                                                    d.logTimestamp),
                                            Integer.MAX_VALUE)
                                    .eventId);
                } catch (InvalidRecordException e) {
                    throw new IOException("unreadable processing dead letter at " + d, e);
                }
            }
        }
        Set<String> shed = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r :
                CommittedRecords.readAll(
                        bootstrap, client, options.get(FloodgateOptions.SHED_TOPIC))) {
            try {
                shed.add(InteractionCodec.parse(raw(r), Integer.MAX_VALUE).eventId);
            } catch (InvalidRecordException e) {
                throw new IOException(
                        "unreadable shed record at " + r.partition() + "@" + r.offset(), e);
            }
        }

        int once = 0;
        int dead = 0;
        List<String> missing = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> shedNotDrained = new ArrayList<>();
        for (String id : valid) {
            int n = processedCount.getOrDefault(id, 0);
            if (n == 1) {
                once++;
            } else if (n > 1) {
                duplicated.add(id);
            } else if (deadLettered.contains(id)) {
                dead++;
            } else {
                missing.add(id);
                if (shed.contains(id)) {
                    shedNotDrained.add(id);
                }
            }
        }
        List<String> invalidMissing = new ArrayList<>();
        for (String pos : invalidPositions) {
            if (!deadLetterPositions.contains(pos)) {
                invalidMissing.add(pos);
            }
        }
        return new Report(
                valid.size(),
                invalidPositions.size(),
                once,
                dead,
                missing,
                duplicated,
                shedNotDrained,
                invalidMissing,
                byLane);
    }

    static Set<Lane> lanes(String spec) {
        Set<Lane> lanes = EnumSet.noneOf(Lane.class);
        for (String name : spec.split(",")) {
            Lane lane = Lane.fromWire(name.trim());
            if (lane == null) {
                throw new IllegalArgumentException(
                        "option --lanes has a bad value '"
                                + spec
                                + "': expected a comma-separated list of live, backfill, replay");
            }
            lanes.add(lane);
        }
        return lanes;
    }

    private static RawRecord raw(ConsumerRecord<byte[], byte[]> r) {
        return new RawRecord(
                r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp());
    }
}
