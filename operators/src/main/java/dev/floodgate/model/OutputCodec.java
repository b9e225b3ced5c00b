package dev.floodgate.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** JSON forms of the job's outputs: processed results, dead letters and gaps (documented in the README). */
public final class OutputCodec {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OutputCodec() {}

    public static byte[] write(ProcessedEvent p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event_id", p.eventId);
            g.writeStringField("customer_id", p.customerId);
            if (p.seq != Interaction.NO_SEQ) {
                g.writeNumberField("seq", p.seq);
            }
            g.writeStringField("channel", p.channel.wireName());
            g.writeStringField("priority", p.priority.wireName());
            g.writeStringField("lane", p.lane.wireName());
            g.writeStringField("occurred_at", IsoInstant.format(p.occurredAt));
            g.writeStringField("logged_at", IsoInstant.format(p.logTimestamp));
            g.writeStringField("processed_at", IsoInstant.format(p.processedAt));
            g.writeNumberField("age_ms", p.ageMillis());
            g.writeStringField("processor", p.processor);
            g.writeStringField("result", p.result);
            g.writeNumberField("source_partition", p.sourcePartition);
            g.writeNumberField("source_offset", p.sourceOffset);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads a processed record back (used by the reconcile tool and the tests). */
    public static ProcessedEvent readProcessed(byte[] json) throws IOException {
        JsonNode n = MAPPER.readTree(json);
        ProcessedEvent p = new ProcessedEvent();
        p.eventId = n.path("event_id").asText();
        p.customerId = n.path("customer_id").asText();
        p.seq = n.path("seq").asLong(Interaction.NO_SEQ);
        p.channel = Channel.fromWire(n.path("channel").asText());
        p.priority = Priority.fromWire(n.path("priority").asText());
        p.lane = Lane.fromWire(n.path("lane").asText());
        p.occurredAt = IsoInstant.parseMillis(n.path("occurred_at").asText());
        p.logTimestamp = IsoInstant.parseMillis(n.path("logged_at").asText());
        p.processedAt = IsoInstant.parseMillis(n.path("processed_at").asText());
        p.processor = n.path("processor").asText();
        p.result = n.path("result").asText();
        p.sourcePartition = n.path("source_partition").asInt();
        p.sourceOffset = n.path("source_offset").asLong();
        return p;
    }

    public static byte[] write(DeadLetter d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        Base64.Encoder b64 = Base64.getEncoder();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("reason", d.reason.wireName());
            g.writeStringField("error", d.error);
            g.writeStringField("stage", d.stage);
            g.writeStringField("topic", d.topic);
            g.writeNumberField("partition", d.partition);
            g.writeNumberField("offset", d.offset);
            g.writeStringField("logged_at", IsoInstant.format(d.logTimestamp));
            g.writeStringField("failed_at", IsoInstant.format(d.failedAt));
            if (d.key != null) {
                g.writeStringField("key_base64", b64.encodeToString(d.key));
            }
            if (d.value != null) {
                g.writeStringField("value_base64", b64.encodeToString(d.value));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads a dead letter back, original bytes included. */
    public static DeadLetter readDeadLetter(byte[] json) throws IOException {
        JsonNode n = MAPPER.readTree(json);
        Base64.Decoder b64 = Base64.getDecoder();
        DeadLetter d = new DeadLetter();
        d.reason = DeadLetterReason.valueOf(n.path("reason").asText().toUpperCase(java.util.Locale.ROOT));
        d.error = n.path("error").asText();
        d.stage = n.path("stage").asText();
        d.topic = n.path("topic").asText();
        d.partition = n.path("partition").asInt();
        d.offset = n.path("offset").asLong();
        d.logTimestamp = IsoInstant.parseMillis(n.path("logged_at").asText());
        d.failedAt = IsoInstant.parseMillis(n.path("failed_at").asText());
        d.key = n.hasNonNull("key_base64") ? b64.decode(n.get("key_base64").asText()) : null;
        d.value = n.hasNonNull("value_base64") ? b64.decode(n.get("value_base64").asText()) : null;
        return d;
    }

    public static byte[] write(Gap gap) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("customer_id", gap.customerId);
            g.writeNumberField("from_seq", gap.fromSeq);
            g.writeNumberField("to_seq", gap.toSeq);
            g.writeNumberField("waited_ms", gap.waitedMillis);
            g.writeStringField("cause", gap.cause);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
