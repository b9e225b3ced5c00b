package dev.floodgate.sinks.commit;

import static org.apache.kafka.clients.admin.TransactionState.COMPLETE_ABORT;
import static org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT;
import static org.apache.kafka.clients.admin.TransactionState.EMPTY;
import static org.apache.kafka.clients.admin.TransactionState.ONGOING;
import static org.apache.kafka.clients.admin.TransactionState.PREPARE_ABORT;
import static org.apache.kafka.clients.admin.TransactionState.PREPARE_COMMIT;
import static org.apache.kafka.clients.admin.TransactionState.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.sinks.commit.TransactionStates.Outcome;
import dev.floodgate.sinks.commit.TransactionStates.Version;
import java.util.Map;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransactionStatesTest {
    /** The committable's producer id and epoch E in every case. */
    private static final long ID = 7;

    private static final short E = 5;

    /**
     * The rule of the class comment, case by case: the coordinator's state, producer id and epoch
     * (as E plus a step) under each transaction version.
     */
    @ParameterizedTest(name = "{0} at id {1}, E{2}, {3}: {4}")
    @CsvSource({
        // a commit: this one's at E under V1, at E+1 under V2 (its end bumped the epoch)
        "COMPLETE_COMMIT, 7, +0, V1, COMMITTED",
        "PREPARE_COMMIT, 7, +0, V1, COMMITTED",
        "COMPLETE_COMMIT, 7, +1, V2, COMMITTED",
        "PREPARE_COMMIT, 7, +1, V2, COMMITTED",
        // a commit at another epoch is a later (or earlier) transaction of the id: cannot tell
        "COMPLETE_COMMIT, 7, +1, V1, UNCONFIRMED",
        "COMPLETE_COMMIT, 7, +2, V1, UNCONFIRMED",
        "COMPLETE_COMMIT, 7, +0, V2, UNCONFIRMED",
        "COMPLETE_COMMIT, 7, +2, V2, UNCONFIRMED",
        "COMPLETE_COMMIT, 7, -1, V2, UNCONFIRMED",
        // version unknown: a commit at E (V1's) or E+1 (V2's) is each the other's later one
        "COMPLETE_COMMIT, 7, +0, UNKNOWN, UNCONFIRMED",
        "COMPLETE_COMMIT, 7, +1, UNKNOWN, UNCONFIRMED",
        // an abort: by its producer (V1 E, V2 E+1) or by its timeout or a fence (V1 E+1; V2 E+1,
        // as the 4.2 broker of CommitAuditITCase leaves it, or E+2 with a bump for the fence too)
        "COMPLETE_ABORT, 7, +0, V1, ABORTED",
        "COMPLETE_ABORT, 7, +1, V1, ABORTED",
        "PREPARE_ABORT, 7, +1, V1, ABORTED",
        "COMPLETE_ABORT, 7, +1, V2, ABORTED",
        "COMPLETE_ABORT, 7, +2, V2, ABORTED",
        "PREPARE_ABORT, 7, +2, V2, ABORTED",
        "COMPLETE_ABORT, 7, +1, UNKNOWN, ABORTED",
        // an abort at another epoch is a later transaction's
        "COMPLETE_ABORT, 7, +2, V1, UNCONFIRMED",
        "COMPLETE_ABORT, 7, +0, V2, UNCONFIRMED",
        "COMPLETE_ABORT, 7, +3, V2, UNCONFIRMED",
        "COMPLETE_ABORT, 7, +0, UNKNOWN, UNCONFIRMED",
        "COMPLETE_ABORT, 7, +2, UNKNOWN, UNCONFIRMED",
        // the coordinator fencing the transaction open at E
        "PREPARE_EPOCH_FENCE, 7, +0, V1, ABORTED",
        "PREPARE_EPOCH_FENCE, 7, +0, V2, ABORTED",
        "PREPARE_EPOCH_FENCE, 7, +1, V2, UNCONFIRMED",
        // open or initialised again: nothing told yet (an open one at E is dropped: its timeout
        // will abort it, counted as unconfirmed)
        "ONGOING, 7, +0, V1, UNCONFIRMED",
        "ONGOING, 7, +0, V2, UNCONFIRMED",
        "ONGOING, 7, +2, V2, UNCONFIRMED",
        "EMPTY, 7, +1, V1, UNCONFIRMED",
        "EMPTY, 7, +2, V2, UNCONFIRMED",
        "UNKNOWN, 7, +1, V2, UNCONFIRMED",
        // another producer id (the id expired and was initialised again): nothing about this one
        "COMPLETE_COMMIT, 8, +0, V1, UNCONFIRMED",
        "COMPLETE_COMMIT, 8, +1, V2, UNCONFIRMED",
        "COMPLETE_ABORT, 8, +1, V2, UNCONFIRMED",
    })
    void theStateAndEpochOfTheSameProducerTell(
            TransactionState state, long idNow, int step, Version version, Outcome expected) {
        assertThat(TransactionStates.classify(state, idNow, E + step, ID, E, version))
                .isEqualTo(expected);
    }

    @Test
    void onlyACommitAtTheEpochItsEndLeavesIsThisTransactions() {
        for (TransactionState s : new TransactionState[] {COMPLETE_COMMIT, PREPARE_COMMIT}) {
            assertThat(TransactionStates.classify(s, ID, E, ID, E, Version.V1))
                    .isEqualTo(Outcome.COMMITTED);
            assertThat(TransactionStates.classify(s, ID, E + 1, ID, E, Version.V2))
                    .isEqualTo(Outcome.COMMITTED);
            for (int step = -2; step <= 3; step++) {
                if (step != 0) {
                    assertThat(TransactionStates.classify(s, ID, E + step, ID, E, Version.V1))
                            .as("V1, E%+d", step)
                            .isEqualTo(Outcome.UNCONFIRMED);
                }
                if (step != 1) {
                    assertThat(TransactionStates.classify(s, ID, E + step, ID, E, Version.V2))
                            .as("V2, E%+d", step)
                            .isEqualTo(Outcome.UNCONFIRMED);
                }
            }
        }
    }

    @Test
    void statesThatTellNothingAreUnconfirmedAtEveryEpoch() {
        for (TransactionState s : new TransactionState[] {EMPTY, ONGOING, UNKNOWN}) {
            for (Version v : Version.values()) {
                for (int step = -1; step <= 3; step++) {
                    assertThat(TransactionStates.classify(s, ID, E + step, ID, E, v))
                            .as("%s, %s, E%+d", s, v, step)
                            .isEqualTo(Outcome.UNCONFIRMED);
                }
            }
        }
    }

    @Test
    void abortsOfAnotherProducerIdTellNothing() {
        for (Version v : Version.values()) {
            for (TransactionState s : new TransactionState[] {COMPLETE_ABORT, PREPARE_ABORT}) {
                assertThat(TransactionStates.classify(s, ID + 1, E + 1, ID, E, v))
                        .isEqualTo(Outcome.UNCONFIRMED);
            }
        }
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
            assertThat(states.outcome("t-0-1", ID, E)).isEqualTo(Outcome.UNCONFIRMED);
        }
    }

    @Test
    void aClosedLookupCannotTell() {
        TransactionStates states =
                new TransactionStates(Map.of("bootstrap.servers", "127.0.0.1:1"));
        states.close();
        assertThat(states.outcome("t-0-1", ID, E)).isEqualTo(Outcome.UNCONFIRMED);
    }
}
