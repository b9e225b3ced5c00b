package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The request body of contract http-v1 (and of its batch endpoint) as {@link HttpEventProcessor}
 * streams it is byte for byte the JSON of its tree form ({@link HttpEventProcessor#payload}): same
 * fields, same order, same escaping, for any text (quotes, control characters, non-ASCII, surrogate
 * pairs) and for the optional fields absent or present.
 */
class HttpPayloadProperties {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Property(tries = 300)
    void streamedBodyIsTheTreesJson(@ForAll("events") Interaction event) throws Exception {
        assertThat(new String(HttpEventProcessor.payloadBytes(event), "UTF-8"))
                .isEqualTo(
                        new String(
                                JSON.writeValueAsBytes(HttpEventProcessor.payload(event)),
                                "UTF-8"));
    }

    /**
     * A batch request's body is byte for byte {@code [} + the per-event bodies joined by {@code ,}
     * + {@code ]}: a service can hand each item to its per-event code unchanged.
     */
    @Property(tries = 200)
    void batchBodyIsTheArrayOfThePerEventBodies(
            @ForAll("batches") java.util.List<Interaction> events) throws Exception {
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        expected.write('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                expected.write(',');
            }
            expected.write(HttpEventProcessor.payloadBytes(events.get(i)));
        }
        expected.write(']');
        assertThat(HttpEventProcessor.batchBytes(events)).isEqualTo(expected.toByteArray());
    }

    @Provide
    Arbitrary<java.util.List<Interaction>> batches() {
        return events().list().ofMinSize(1).ofMaxSize(20);
    }

    @Provide
    Arbitrary<Interaction> events() {
        Arbitrary<String> text = Arbitraries.strings().all().ofMaxLength(40).injectNull(0.1);
        return net.jqwik.api.Combinators.combine(
                        text,
                        text,
                        Arbitraries.longs(),
                        Arbitraries.of(Channel.class),
                        Arbitraries.of(Priority.class).injectNull(0.2),
                        text,
                        text)
                .as(
                        (id, customer, seq, channel, priority, body, uri) -> {
                            Interaction e = new Interaction();
                            e.eventId = id;
                            e.customerId = customer == null ? "c" : customer;
                            e.seq = seq;
                            e.channel = channel;
                            e.priority = priority;
                            e.body = body;
                            e.uri = uri;
                            return e;
                        });
    }
}
