package dev.floodgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model's records print ids and positions only: never the event's body or uri, a result, a dead
 * letter's bytes or error, a shed detail, nor the customer id (a {@code toString} ends up in DEBUG
 * lines and exception messages whatever {@code --log-customer-ids} says).
 */
class RecordToStringTest {
    private static final String CUSTOMER = "cust-SECRET-ID";
    private static final String BODY = "BODY-my card is 4111";
    private static final String URI = "s3://bucket/URI-recording.wav";
    private static final String RESULT = "RESULT-transcript of the call";
    private static final List<String> CONTENT =
            List.of(CUSTOMER, "SECRET", BODY, "4111", URI, "URI-", RESULT, "transcript", "ERROR-");

    private static Interaction event() {
        Interaction e = new Interaction();
        e.eventId = "ev-1";
        e.customerId = CUSTOMER;
        e.seq = 7;
        e.channel = Channel.CHAT;
        e.priority = Priority.NORMAL;
        e.body = BODY;
        e.uri = URI;
        e.sourceTopic = "interactions";
        e.sourcePartition = 2;
        e.sourceOffset = 1234;
        return e;
    }

    private static void assertOnlyIdsAndPositions(Object record) {
        String s = record.toString();
        for (String content : CONTENT) {
            assertThat(s).as("%s holds %s", s, content).doesNotContain(content);
        }
        assertThat(s).contains("ev-1");
    }

    @Test
    void anInteractionPrintsItsIdsAndPosition() {
        assertOnlyIdsAndPositions(event());
        assertThat(event().toString()).contains("seq 7").contains("2:1234");
    }

    @Test
    void aShedEventPrintsTheEventsIdsAndItsReason() {
        ShedEvent shed = ShedEvent.of(event(), ShedReason.SERVICE_UNAVAILABLE, "ERROR-" + BODY);
        assertOnlyIdsAndPositions(shed);
        assertThat(shed.toString()).contains("SERVICE_UNAVAILABLE");
    }

    @Test
    void aProcessedEventPrintsNoResult() {
        Interaction e = event();
        ProcessedEvent p = ProcessedEvent.of(e, Lane.LIVE, RESULT, "http-v1", 1L);
        assertOnlyIdsAndPositions(p);
    }

    @Test
    void aDeadLetterPrintsNoBytesAndNoError() {
        DeadLetter d = new DeadLetter();
        d.eventId = "ev-1";
        d.key = CUSTOMER.getBytes(StandardCharsets.UTF_8);
        d.value = (BODY + URI).getBytes(StandardCharsets.UTF_8);
        d.topic = "interactions";
        d.partition = 2;
        d.offset = 1234;
        d.reason = DeadLetterReason.PROCESSING_FAILED;
        d.error = "ERROR-" + BODY;
        d.stage = "process";
        assertOnlyIdsAndPositions(d);
        assertThat(d.toString()).contains("interactions-2@1234");
    }

    @Test
    void aGapPrintsNoCustomerId() {
        assertThat(new Gap(CUSTOMER, 3, 5, 100, "timeout").toString())
                .doesNotContain(CUSTOMER)
                .contains("3..5");
    }
}
