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
 * The request body of contract http-v1 as {@link HttpEventProcessor} streams it is byte for byte
 * the JSON of its tree form ({@link HttpEventProcessor#payload}): same fields, same order, same
 * escaping, for any text (quotes, control characters, non-ASCII, surrogate pairs) and for the
 * optional fields absent or present.
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
