package dev.floodgate.operators.shed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HotKeyRatesTest {
    private static final long T0 = 1_000_000L;
    private final HotKeyPolicy policy = HotKeyPolicy.of(10, Duration.ofSeconds(10)); // 100 events per window

    @Test
    void eachCustomerCountsInItsOwnWindowAcrossTableGrowth() {
        HotKeyRates rates = new HotKeyRates(policy);
        int customers = 10_000; // the table starts at 1024 slots and doubles several times
        for (int c = 0; c < customers; c++) {
            int slot = rates.record("customer-" + c, T0);
            assertThat(rates.ratePerSecond(slot, T0)).as("customer-%d", c).isEqualTo(1.0);
        }
        for (int c = 0; c < customers; c++) {
            int slot = rates.record("customer-" + c, T0 + 1);
            assertThat(rates.ratePerSecond(slot, T0 + 1)).as("customer-%d", c).isEqualTo(2.0);
        }
        assertThat(rates.tracked()).isEqualTo(customers);
    }

    @Test
    void aCustomerAboveTheRateIsHotUntilTwoWindowsAfterItsWindowStarted() {
        HotKeyRates rates = new HotKeyRates(policy);
        int bot = -1;
        for (int i = 0; i < 100; i++) {
            bot = rates.record("bot", T0 + i);
            rates.record("human-" + i, T0 + i);
        }
        assertThat(rates.hotUntil(bot)).as("100 events: at the limit, not above").isZero();
        bot = rates.record("bot", T0 + 100);
        assertThat(rates.hotUntil(bot)).isEqualTo(T0 + 20_000);
        assertThat(rates.hotUntil(rates.record("human-5", T0 + 200))).isZero();
        // the next window: hot still, without a single event above the rate
        bot = rates.record("bot", T0 + 10_000);
        assertThat(rates.hotUntil(bot)).isEqualTo(T0 + 20_000);
        assertThat(rates.ratePerSecond(bot, T0 + 10_000)).as("a new window counts from 1").isEqualTo(1.0);
    }

    @Test
    void growingInTheSecondGenerationKeepsTheFirstGenerationsCustomers() {
        HotKeyRates rates = new HotKeyRates(policy);
        for (int i = 0; i < 101; i++) {
            rates.record("early-bot", T0);
        }
        for (int c = 0; c < 3_000; c++) { // next generation (20 s later), enough to grow the table twice
            rates.record("late-" + c, T0 + 20_000);
        }
        assertThat(rates.tracked()).isEqualTo(3_001);
        int early = rates.record("early-bot", T0 + 20_001);
        assertThat(rates.hotUntil(early)).as("still remembered as it was").isEqualTo(T0 + 20_000);
    }

    @Test
    void fingerprintsOfTypicalIdsDoNotCollide() {
        Set<Long> seen = new HashSet<>();
        for (int c = 0; c < 300_000; c++) {
            long f = HotKeyRates.fingerprint("customer-" + c);
            assertThat(f).isNotZero();
            assertThat(seen.add(f)).as("customer-%d", c).isTrue();
        }
        assertThat(HotKeyRates.fingerprint("")).isNotZero();
        assertThat(HotKeyRates.fingerprint("ab")).isNotEqualTo(HotKeyRates.fingerprint("ba"));
    }
}
