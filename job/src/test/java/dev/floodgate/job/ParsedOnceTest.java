package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.job.options.TypedOption;
import dev.floodgate.model.OrderScope;
import dev.floodgate.model.Priority;
import dev.floodgate.operators.shed.ChannelPolicy;
import dev.floodgate.sources.StartingOffsets;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The values Flink has no type for reach the jobs in their typed form, parsed once at start; the
 * others are Flink options of their own type, and the registered Flink configuration reads the same
 * typed value the job uses.
 */
class ParsedOnceTest {

    private static FloodgateOptions parse(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-servers";
        all[1] = "k:1";
        System.arraycopy(args, 0, all, 2, args.length);
        return FloodgateOptions.fromArgs(all, JobKind.BACKFILL);
    }

    @Test
    void valuesWithoutAFlinkTypeArriveTyped() {
        FloodgateOptions o =
                parse(
                        "--mode", "replay",
                        "--until", "2026-11-23T09:00:00Z",
                        "--hot-key-rate", "off",
                        "--shed-voice", "20s/5s",
                        "--starting-offsets", "timestamp:5",
                        "--order-scope", "customer");
        assertThat(o.get(FloodgateOptions.MODE)).isEqualTo(BackfillMode.REPLAY);
        assertThat(o.get(FloodgateOptions.UNTIL)).contains(Instant.parse("2026-11-23T09:00:00Z"));
        assertThat(o.get(FloodgateOptions.HOT_KEY_RATE)).isEmpty();
        ChannelPolicy voice = o.get(FloodgateOptions.SHED_VOICE);
        assertThat(voice.sloMillis()).isEqualTo(20_000);
        assertThat(voice.targetMillis()).isEqualTo(5_000);
        assertThat(voice.sheddable()).containsExactlyInAnyOrder(Priority.LOW, Priority.NORMAL);
        assertThat(o.get(FloodgateOptions.SHED_CHAT).sheddable()).isEmpty();
        assertThat(o.get(FloodgateOptions.STARTING_OFFSETS))
                .isEqualTo(new StartingOffsets(StartingOffsets.From.TIMESTAMP, 5));
        assertThat(o.get(FloodgateOptions.ORDER_SCOPE)).isEqualTo(OrderScope.CUSTOMER);

        FloodgateOptions defaults = parse();
        assertThat(defaults.get(FloodgateOptions.MODE)).isEqualTo(BackfillMode.DRAIN);
        assertThat(defaults.get(FloodgateOptions.UNTIL)).isEqualTo(Optional.empty());
        assertThat(defaults.get(FloodgateOptions.HOT_KEY_RATE)).isEqualTo(OptionalDouble.of(10));
    }

    @Test
    void theRegisteredConfigurationReadsWhatTheJobUses() {
        FloodgateOptions o = parse("--checkpoint-interval", "3s", "--mode", "replay", "--shedding");
        Configuration registered = o.asGlobalJobParameters();
        assertThat(registered.toMap())
                .containsEntry("checkpoint-interval", "3s")
                .containsEntry("shedding", "true")
                .containsEntry("group-id", "floodgate-backfill");
        for (TypedOption<?> option : FloodgateOptions.all().all()) {
            ConfigOption<?> flink = option.configOption();
            assertThat(flink.key()).isEqualTo(option.key);
            Object typed = o.get(option);
            if (flink.defaultValue() != null && flink.defaultValue().getClass() == typed.getClass()
                    || typed instanceof String
                    || typed instanceof Enum<?>) {
                assertThat((Object) registered.get(flink)).as(option.key).isEqualTo(typed);
            }
        }
        assertThat(registered.get(FloodgateOptions.CHECKPOINT_INTERVAL.configOption()))
                .isEqualTo("3s");
    }

    @Test
    void aBadValueOfAParsedOptionNamesTheOptionAndTheForm() {
        assertThatThrownBy(() -> parse("--mode", "Drain", "--until", "tomorrow"))
                .hasMessageContaining(
                        "option --mode has a bad value 'Drain': expected drain|replay")
                .hasMessageContaining(
                        "option --until has a bad value 'tomorrow': expected end|<ISO-8601 instant>");
        assertThatThrownBy(() -> parse("--hot-key-rate", "0", "--shed-image", "5s/10s"))
                .hasMessageContaining(
                        "option --hot-key-rate has a bad value '0': expected events per second, or off")
                .hasMessageContaining("option --shed-image has a bad value '5s/10s'")
                .hasMessageContaining("the target wait is above the SLO");
    }
}
