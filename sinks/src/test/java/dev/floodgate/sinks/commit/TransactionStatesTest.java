package dev.floodgate.sinks.commit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.sinks.commit.TransactionStates.Outcome;
import java.util.Map;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;

class TransactionStatesTest {

    @Test
    void aCompletedOrCompletingCommitOfTheSameProducerIsCommitted() {
        assertThat(TransactionStates.classify(TransactionState.COMPLETE_COMMIT, 7, 7))
                .isEqualTo(Outcome.COMMITTED);
        assertThat(TransactionStates.classify(TransactionState.PREPARE_COMMIT, 7, 7))
                .isEqualTo(Outcome.COMMITTED);
    }

    @Test
    void anAbortOrAFenceOfTheSameProducerIsAborted() {
        for (TransactionState s :
                new TransactionState[] {
                    TransactionState.COMPLETE_ABORT,
                    TransactionState.PREPARE_ABORT,
                    TransactionState.PREPARE_EPOCH_FENCE
                }) {
            assertThat(TransactionStates.classify(s, 7, 7))
                    .as(s.toString())
                    .isEqualTo(Outcome.ABORTED);
        }
    }

    @Test
    void anIdInitialisedAgainOrTakenByAnotherProducerCannotTell() {
        // EMPTY / ONGOING: initialised again since, which hides how the transaction ended
        assertThat(TransactionStates.classify(TransactionState.EMPTY, 7, 7))
                .isEqualTo(Outcome.UNCONFIRMED);
        assertThat(TransactionStates.classify(TransactionState.ONGOING, 7, 7))
                .isEqualTo(Outcome.UNCONFIRMED);
        assertThat(TransactionStates.classify(TransactionState.UNKNOWN, 7, 7))
                .isEqualTo(Outcome.UNCONFIRMED);
        // a commit by another producer id says nothing about this transaction
        assertThat(TransactionStates.classify(TransactionState.COMPLETE_COMMIT, 8, 7))
                .isEqualTo(Outcome.UNCONFIRMED);
    }

    @Test
    void anUnreachableCoordinatorCannotTell() {
        // nothing listens on port 1: the admin client's calls time out
        try (TransactionStates states =
                new TransactionStates(
                        Map.of(
                                "bootstrap.servers", "127.0.0.1:1",
                                "default.api.timeout.ms", "1000",
                                "request.timeout.ms", "500"))) {
            assertThat(states.outcome("t-0-1", 7)).isEqualTo(Outcome.UNCONFIRMED);
        }
    }
}
