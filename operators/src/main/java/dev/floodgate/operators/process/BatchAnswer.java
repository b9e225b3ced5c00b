package dev.floodgate.operators.process;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The body of a batch answer (contract http-v1, batch endpoint, docs/contracts.md): a JSON array
 * with one item per event of the request, in the request's order; an item is {@code {"result":
 * "<text>"}} (the event's result, as the per-event endpoint would answer it) or {@code {"status":
 * <400..599>}} (that event's failure, classified as the same status of a per-event answer). Other
 * fields of an item (an {@code "error"} text) are skipped unread, so no service text reaches a
 * message. Parsed with Jackson's streaming parser: no tree, each result string read once.
 */
final class BatchAnswer {
    /** An item that is neither a result nor a status from 400 to 599. */
    static final int MALFORMED_ITEM = 0;

    private static final JsonFactory JSON = new JsonFactory();

    /** Per item: the result, or null with {@link #statuses} holding its status. */
    final String[] results;

    final int[] statuses;

    private BatchAnswer(int n) {
        results = new String[n];
        statuses = new int[n];
    }

    /**
     * The items of {@code body} for a request of {@code n} events, or null if the body is not a
     * JSON array of exactly {@code n} objects (the service broke the contract: every event of the
     * request fails the same way).
     */
    static BatchAnswer parse(String body, int n) {
        BatchAnswer answer = new BatchAnswer(n);
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            int i = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.START_OBJECT || i == n) {
                    return null;
                }
                readItem(p, answer, i++);
            }
            if (i != n || p.nextToken() != null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return null; // not JSON; the parser's message may quote the body: not kept
        }
        return answer;
    }

    private static void readItem(JsonParser p, BatchAnswer answer, int i) throws IOException {
        String result = null;
        int status = MALFORMED_ITEM;
        boolean statusGiven = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("result".equals(field) && value == JsonToken.VALUE_STRING) {
                result = p.getText();
            } else if ("status".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                status = p.getIntValue();
                statusGiven = true;
            } else {
                p.skipChildren();
            }
        }
        if (statusGiven && status >= 400 && status <= 599) {
            answer.statuses[i] = status;
        } else if (result != null && (!statusGiven || status / 100 == 2)) {
            answer.results[i] = result;
        } else {
            answer.statuses[i] = MALFORMED_ITEM;
        }
    }
}
