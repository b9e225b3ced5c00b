package dev.floodgate.testkit.events;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.contract.InvalidRecordException;
import dev.floodgate.model.Channel;
import dev.floodgate.model.DeadLetterReason;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.model.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Builds interaction-log records: valid contract v1 events, and poison records of every kind the
 * parser must turn into dead letters. Used by the generator, the tests and the demo.
 */
public final class InteractionRecords {
    private InteractionRecords() {}

    public static Interaction event(
            String customerId, long seq, Channel channel, Priority priority, long occurredAt) {
        Interaction in = new Interaction();
        in.eventId = UUID.randomUUID().toString();
        in.customerId = customerId;
        in.seq = seq;
        in.channel = channel;
        in.priority = priority;
        in.occurredAt = occurredAt;
        if (channel == Channel.CHAT) {
            in.body = "chat message " + seq + " from customer " + customerId;
        } else {
            in.uri = "s3://raw/" + channel.wireName() + "/" + customerId + "/" + in.eventId;
        }
        return in;
    }

    /**
     * {@code in} with its {@code seq_epoch} set to {@code seqEpoch} (at least 1, or {@link
     * Interaction#NO_EPOCH} for none), for chaining: {@code record(topic, withSeqEpoch(event(...),
     * 2))} writes it with {@code "seq_epoch":2}.
     */
    public static Interaction withSeqEpoch(Interaction in, long seqEpoch) {
        in.seqEpoch = seqEpoch;
        return in;
    }

    public static ProducerRecord<byte[], byte[]> record(String topic, Interaction in) {
        return new ProducerRecord<>(
                topic, in.customerId.getBytes(StandardCharsets.UTF_8), InteractionCodec.write(in));
    }

    /**
     * The event in a contract v1 record read back (from the shed topic, say), with the record's
     * position and log time; no size limit.
     */
    public static Interaction read(ConsumerRecord<byte[], byte[]> r) throws InvalidRecordException {
        return InteractionCodec.parse(
                new RawRecord(
                        r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp()),
                Integer.MAX_VALUE);
    }

    /**
     * A poison record of the given kind (every reason but {@code processing_failed}, which only the
     * processing service can cause). {@code n} makes each record distinct.
     */
    public static ProducerRecord<byte[], byte[]> poison(
            String topic, DeadLetterReason kind, int n, int maxRecordBytes) {
        String customer = "poison-" + n;
        byte[] key = customer.getBytes(StandardCharsets.UTF_8);
        String valid =
                "\"event_id\":\"bad-"
                        + n
                        + "\",\"customer_id\":\""
                        + customer
                        + "\",\"seq\":1,"
                        + "\"channel\":\"chat\",\"priority\":\"low\",\"occurred_at\":\"2026-11-23T09:00:00Z\",\"body\":\"x\"";
        String json;
        switch (kind) {
            case EMPTY_VALUE:
                return new ProducerRecord<>(topic, key, new byte[0]);
            case OVERSIZED:
                json =
                        "{\"schema\":1,"
                                + valid.replace(
                                        "\"body\":\"x\"",
                                        "\"body\":\"" + "x".repeat(maxRecordBytes) + "\"")
                                + "}";
                break;
            case INVALID_UTF8:
                {
                    byte[] v = ("{\"schema\":1," + valid + "}").getBytes(StandardCharsets.UTF_8);
                    v[v.length - 3] =
                            (byte) 0xC3; // a lead byte followed by '"', not a continuation byte
                    return new ProducerRecord<>(topic, key, v);
                }
            case BAD_JSON:
                json = "{\"schema\":1," + valid;
                break;
            case MISSING_FIELD:
                json =
                        "{\"schema\":1,"
                                + valid.replace("\"event_id\":\"bad-" + n + "\",", "")
                                + "}";
                break;
            case WRONG_TYPE:
                json = "{\"schema\":1," + valid.replace("\"seq\":1", "\"seq\":\"one\"") + "}";
                break;
            case INVALID_VALUE:
                json = "{\"schema\":1," + valid.replace("\"seq\":1", "\"seq\":0") + "}";
                break;
            case UNKNOWN_CHANNEL:
                json = "{\"schema\":1," + valid.replace("\"chat\"", "\"fax\"") + "}";
                break;
            case UNKNOWN_PRIORITY:
                json = "{\"schema\":1," + valid.replace("\"low\"", "\"urgent\"") + "}";
                break;
            case UNSUPPORTED_SCHEMA:
                json = "{\"schema\":2," + valid + "}";
                break;
            case DUPLICATE_FIELD:
                json = "{\"schema\":1,\"seq\":2," + valid + "}";
                break;
            case KEY_MISMATCH:
                return new ProducerRecord<>(
                        topic,
                        "someone-else".getBytes(StandardCharsets.UTF_8),
                        ("{\"schema\":1," + valid + "}").getBytes(StandardCharsets.UTF_8));
            default:
                throw new IllegalArgumentException("no poison record for " + kind);
        }
        return new ProducerRecord<>(topic, key, json.getBytes(StandardCharsets.UTF_8));
    }
}
