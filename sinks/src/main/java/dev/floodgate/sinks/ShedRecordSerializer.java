package dev.floodgate.sinks;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.ShedEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A shed event in its original contract v1 form, keyed by customer_id, so the backfill job reads
 * the shed lane with the same parser as the live log. Headers keep where it came from in the
 * interaction log ({@value #HEADER_SOURCE}, {@value #HEADER_LOGGED_AT}) and why its processing was
 * shed ({@value #HEADER_SHED_REASON}: a {@link dev.floodgate.model.ShedReason} wire name; {@value
 * #HEADER_SHED_DETAIL}: a short detail, when there is one, at most {@value #MAX_DETAIL_CHARS}
 * characters).
 */
public class ShedRecordSerializer implements KafkaRecordSerializationSchema<ShedEvent> {
    private static final long serialVersionUID = 1L;

    public static final String HEADER_SOURCE = "floodgate.source";
    public static final String HEADER_LOGGED_AT = "floodgate.logged-at";
    public static final String HEADER_SHED_REASON = "floodgate.shed-reason";
    public static final String HEADER_SHED_DETAIL = "floodgate.shed-detail";
    static final int MAX_DETAIL_CHARS = 256;

    private final String topic;

    public ShedRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            ShedEvent shed, KafkaSinkContext context, Long timestamp) {
        Interaction in = shed.event;
        List<Header> headers = new ArrayList<>(4);
        Collections.addAll(
                headers,
                new RecordHeader(
                        HEADER_SOURCE,
                        (in.sourceTopic + "-" + in.sourcePartition + "@" + in.sourceOffset)
                                .getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(
                        HEADER_LOGGED_AT,
                        Long.toString(in.logTimestamp).getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(
                        HEADER_SHED_REASON,
                        shed.reason.wireName().getBytes(StandardCharsets.UTF_8)));
        if (shed.detail != null) {
            headers.add(
                    new RecordHeader(
                            HEADER_SHED_DETAIL, cut(shed.detail).getBytes(StandardCharsets.UTF_8)));
        }
        return new ProducerRecord<>(
                topic,
                null,
                null,
                in.customerId.getBytes(StandardCharsets.UTF_8),
                InteractionCodec.write(in),
                headers);
    }

    /**
     * The detail's first {@value #MAX_DETAIL_CHARS} characters, one fewer when the cut would split
     * a surrogate pair: half of one is not UTF-8 and would be written as '?'.
     */
    static String cut(String detail) {
        if (detail.length() <= MAX_DETAIL_CHARS) {
            return detail;
        }
        int end =
                Character.isHighSurrogate(detail.charAt(MAX_DETAIL_CHARS - 1))
                        ? MAX_DETAIL_CHARS - 1
                        : MAX_DETAIL_CHARS;
        return detail.substring(0, end);
    }
}
