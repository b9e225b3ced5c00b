package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FloodgateOptionsTest {

    @Test
    void defaultsDifferPerJobSoTransactionsNeverFence() {
        FloodgateOptions live =
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers", "k:9092"}, JobKind.LIVE);
        FloodgateOptions backfill =
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers=k:9092"}, JobKind.BACKFILL);
        assertThat(live.get(FloodgateOptions.TRANSACTIONAL_ID_PREFIX))
                .isNotEqualTo(backfill.get(FloodgateOptions.TRANSACTIONAL_ID_PREFIX));
        assertThat(live.get(FloodgateOptions.GROUP_ID))
                .isNotEqualTo(backfill.get(FloodgateOptions.GROUP_ID));
        // unset: the cluster's execution.checkpointing.interval (Checkpointing)
        assertThat(live.get(FloodgateOptions.CHECKPOINT_INTERVAL)).isEmpty();
        assertThat(live.get(FloodgateOptions.TRANSACTION_TIMEOUT))
                .isLessThanOrEqualTo(Duration.ofMinutes(15));
        assertThat(live.asMap())
                .containsEntry("bootstrap-servers", "k:9092")
                .containsKey("input-topic");
    }

    @Test
    void typedValuesAreParsed() {
        FloodgateOptions o =
                FloodgateOptions.fromArgs(
                        new String[] {
                            "--bootstrap-servers",
                            "k:1",
                            "--checkpoint-interval",
                            "2s",
                            "--max-record-bytes",
                            "100",
                            "--starting-offsets",
                            "timestamp:1700000000000",
                            "--parallelism",
                            "3"
                        },
                        JobKind.LIVE);
        assertThat(o.get(FloodgateOptions.CHECKPOINT_INTERVAL)).contains(Duration.ofSeconds(2));
        assertThat(o.get(FloodgateOptions.MAX_RECORD_BYTES)).isEqualTo(100);
        assertThat(o.get(FloodgateOptions.PARALLELISM)).isEqualTo(3);
        assertThat(o.isSet(FloodgateOptions.ARCHIVE_PATH)).isFalse();
    }

    @Test
    void missingRequiredOptionIsNamed() {
        assertThatThrownBy(() -> FloodgateOptions.fromArgs(new String[0], JobKind.LIVE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--bootstrap-servers is required")
                .hasMessageContaining("host:port");
    }

    @Test
    void malformedValuesNameTheOptionAndTheExpectedForm() {
        assertThatThrownBy(
                        () ->
                                FloodgateOptions.fromArgs(
                                        new String[] {
                                            "--bootstrap-servers",
                                            "k:1",
                                            "--checkpoint-interval",
                                            "often",
                                            "--max-record-bytes",
                                            "-5",
                                            "--starting-offsets",
                                            "yesterday"
                                        },
                                        JobKind.LIVE))
                .hasMessageContaining(
                        "--checkpoint-interval has a bad value 'often': expected a duration")
                .hasMessageContaining(
                        "--max-record-bytes has a bad value '-5': expected a positive integer")
                .hasMessageContaining("--starting-offsets has a bad value 'yesterday'");
    }

    @Test
    void batchingOptionsAreBoundedAndNamedAndOffByDefault() {
        FloodgateOptions defaults =
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers", "k:1"}, JobKind.LIVE);
        assertThat(defaults.get(FloodgateOptions.PROCESSOR_BATCH_MAX)).isEqualTo(1);
        assertThat(defaults.get(FloodgateOptions.PROCESSOR_REQUESTS_IN_FLIGHT)).isEqualTo(4);
        assertThatThrownBy(
                        () ->
                                FloodgateOptions.fromArgs(
                                        new String[] {
                                            "--bootstrap-servers",
                                            "k:1",
                                            "--processor-batch-max",
                                            "1001",
                                            "--processor-requests-in-flight",
                                            "0"
                                        },
                                        JobKind.LIVE))
                .hasMessageContaining("--processor-batch-max has a bad value '1001'")
                .hasMessageContaining("must be at most 1000")
                .hasMessageContaining("--processor-requests-in-flight has a bad value '0'")
                .hasMessageContaining("must be at least 1");
    }

    @Test
    void unknownOptionsAndStrayArgumentsAreRejected() {
        assertThatThrownBy(
                        () ->
                                FloodgateOptions.fromArgs(
                                        new String[] {
                                            "--bootstrap-servers",
                                            "k:1",
                                            "--bootstrap-server",
                                            "k:2"
                                        },
                                        JobKind.LIVE))
                .hasMessageContaining("unknown option --bootstrap-server");
        assertThatThrownBy(
                        () ->
                                FloodgateOptions.fromArgs(
                                        new String[] {"--bootstrap-servers", "k:1", "a", "b"},
                                        JobKind.LIVE))
                .hasMessageContaining("unexpected argument 'b'");
    }

    @Test
    void helpListsEveryOption() {
        assertThat(FloodgateOptions.wantsHelp(new String[] {"--help"})).isTrue();
        String usage = FloodgateOptions.usage("floodgate-live", JobKind.LIVE);
        assertThat(usage)
                .contains(
                        "--bootstrap-servers",
                        "(required)",
                        "--transaction-timeout",
                        "floodgate-live");
    }

    @Test
    void mainStopsAtStartWithTheOptionNamed() {
        assertThatThrownBy(
                        () ->
                                FloodgateJob.main(
                                        new String[] {
                                            "--bootstrap-servers", "k:1", "--parallelism", "0"
                                        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid options:")
                .hasMessageContaining("--parallelism");
    }

    @Test
    void bothJobsRefuseToStartWithoutAProcessingServiceUnlessItIsADryRun() {
        assertThatThrownBy(() -> FloodgateJob.main(new String[] {"--bootstrap-servers", "k:1"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid options:")
                .hasMessageContaining("--processor-url is missing")
                .hasMessageContaining("--dry-run");
        assertThatThrownBy(
                        () ->
                                BackfillJob.main(
                                        new String[] {
                                            "--bootstrap-servers", "k:1", "--mode", "drain"
                                        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--processor-url is missing");
        assertThatThrownBy(
                        () ->
                                FloodgateJob.main(
                                        new String[] {
                                            "--bootstrap-servers",
                                            "k:1",
                                            "--dry-run",
                                            "true",
                                            "--processor-url",
                                            "https://s.example"
                                        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exclude each other");
        FloodgateOptions dry =
                FloodgateOptions.fromArgs(
                        new String[] {"--bootstrap-servers", "k:1", "--dry-run", "true"},
                        JobKind.LIVE);
        assertThat(Pipeline.from(dry).processor())
                .isInstanceOf(dev.floodgate.operators.process.PassThroughProcessor.class);
        assertThat(dry.asMap()).containsEntry("dry-run", "true");
    }

    @Test
    void logCustomerIdsIsOffByDefaultAndReachesTheHotKeyReports() {
        assertThat(FloodgateOptions.LOG_CUSTOMER_IDS.parse(null)).isFalse();
        assertThat(
                        Pipeline.shedPolicy(
                                        FloodgateOptions.fromArgs(
                                                new String[] {
                                                    "--bootstrap-servers",
                                                    "k:1",
                                                    "--hot-key-rate",
                                                    "5"
                                                },
                                                JobKind.LIVE))
                                .hotKey()
                                .logCustomerIds())
                .isFalse();
        assertThat(
                        Pipeline.shedPolicy(
                                        FloodgateOptions.fromArgs(
                                                new String[] {
                                                    "--bootstrap-servers",
                                                    "k:1",
                                                    "--hot-key-rate",
                                                    "5",
                                                    "--log-customer-ids",
                                                    "true"
                                                },
                                                JobKind.LIVE))
                                .hotKey()
                                .logCustomerIds())
                .isTrue();
    }

    /**
     * The freshness SLO of each channel is the first half of its --shed-* option, and stays when
     * shedding is off: the SLO alerts measure a flood with shedding off too. {@code <SLO>/off}
     * measures without shedding (chat's default); {@code off} has no SLO.
     */
    @Test
    void theFreshnessSloOfEachChannelStaysWithSheddingOff() {
        String[] on = {"--bootstrap-servers", "k:1", "--shed-voice", "20s/5s"};
        String[] off = {
            "--bootstrap-servers", "k:1", "--shed-voice", "20s/5s", "--shedding", "false"
        };
        dev.floodgate.operators.shed.ShedPolicy sheds =
                Pipeline.shedPolicy(FloodgateOptions.fromArgs(on, JobKind.LIVE));
        dev.floodgate.operators.shed.ShedPolicy none =
                Pipeline.shedPolicy(FloodgateOptions.fromArgs(off, JobKind.LIVE));
        for (var p : List.of(sheds, none)) {
            assertThat(p.sloMillis(dev.floodgate.model.Channel.VOICE)).isEqualTo(20_000);
            assertThat(p.sloMillis(dev.floodgate.model.Channel.IMAGE)).isEqualTo(60_000);
            assertThat(p.sloMillis(dev.floodgate.model.Channel.CHAT)).isEqualTo(10_000);
            assertThat(p.channel(dev.floodgate.model.Channel.CHAT).sheddable()).isEmpty();
        }
        assertThat(sheds.channel(dev.floodgate.model.Channel.VOICE).sheddable()).hasSize(2);
        assertThat(none.channel(dev.floodgate.model.Channel.VOICE).sheddable()).isEmpty();
        assertThat(FloodgateOptions.SHED_CHAT.parse("off").hasSlo()).isFalse();
        assertThat(FloodgateOptions.SHED_CHAT.parse("5s/off").sloMillis()).isEqualTo(5_000);
    }
}
