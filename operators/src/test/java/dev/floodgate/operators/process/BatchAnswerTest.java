package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The batch answer's items as {@link BatchAnswer} reads them: results as the service wrote them
 * (any text), statuses per item, and the shapes that break the contract: null for the whole answer
 * when it is not an array of exactly the request's count of objects, {@link
 * BatchAnswer#MALFORMED_ITEM} for an item that is neither a result nor an error status.
 */
class BatchAnswerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Property(tries = 200)
    void resultsAreReadAsWritten(@ForAll("texts") List<String> results) throws Exception {
        ArrayNode answer = JSON.createArrayNode();
        results.forEach(r -> answer.addObject().put("result", r));
        BatchAnswer parsed = BatchAnswer.parse(JSON.writeValueAsString(answer), results.size());
        assertThat(parsed).isNotNull();
        assertThat(parsed.results).containsExactlyElementsOf(results);
    }

    @Provide
    net.jqwik.api.Arbitrary<List<String>> texts() {
        return Arbitraries.strings().all().ofMaxLength(60).list().ofMinSize(1).ofMaxSize(10);
    }

    @Test
    void statusesErrorTextsAndUnknownFields() {
        BatchAnswer a =
                BatchAnswer.parse(
                        "[{\"result\":\"a\",\"took_ms\":[1,{\"x\":2}]},"
                                + "{\"status\":422,\"error\":\"echoes customer text\"},"
                                + "{\"status\":503},"
                                + "{\"status\":200,\"result\":\"d\"},"
                                + "{\"error\":\"no status\"},"
                                + "{\"status\":200},"
                                + "{\"result\":{\"not\":\"a string\"}},"
                                + "{\"status\":302,\"result\":\"h\"}]",
                        8);
        assertThat(a).isNotNull();
        assertThat(a.results).containsExactly("a", null, null, "d", null, null, null, null);
        assertThat(a.statuses)
                .containsExactly(
                        0,
                        422,
                        503,
                        0,
                        BatchAnswer.MALFORMED_ITEM,
                        BatchAnswer.MALFORMED_ITEM,
                        BatchAnswer.MALFORMED_ITEM,
                        BatchAnswer.MALFORMED_ITEM);
    }

    @Test
    void anAnswerThatIsNotAnArrayOfTheRequestsCountIsNone() {
        assertThat(BatchAnswer.parse("{\"result\":\"a\"}", 1)).isNull();
        assertThat(BatchAnswer.parse("[{\"result\":\"a\"}]", 2)).isNull();
        assertThat(BatchAnswer.parse("[{\"result\":\"a\"},{\"result\":\"b\"}]", 1)).isNull();
        assertThat(BatchAnswer.parse("[\"a\"]", 1)).isNull();
        assertThat(BatchAnswer.parse("[{\"result\":\"a\"}] trailing", 1)).isNull();
        assertThat(BatchAnswer.parse("[{\"result\":\"a\"}", 1)).isNull();
        assertThat(BatchAnswer.parse("", 1)).isNull();
        assertThat(BatchAnswer.parse("[]", 0)).isNotNull();
    }
}
