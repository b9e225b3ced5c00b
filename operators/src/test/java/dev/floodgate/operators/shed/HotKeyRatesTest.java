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
            assertThat(rates.record("customer-" + c, T0).count).isEqualTo(1);
        }
        for (int c = 0; c < customers; c++) {
            RateWindow w = rates.record("customer-" + c, T0 + 1);
            assertThat(w.count).as("customer-%d", c).isEqualTo(2);
            assertThat(rates.record("customer-" + c, T0 + 2)).isSameAs(w);
        }
        assertThat(rates.tracked()).isEqualTo(customers);
    }

    @Test
    void aCustomerAboveTheRateIsHotAndOthersAreNot() {
        HotKeyRates rates = new HotKeyRates(policy);
        RateWindow bot = null;
        for (int i = 0; i < 101; i++) {
            bot = rates.record("bot", T0 + i);
            rates.record("human-" + i, T0 + i);
        }
        assertThat(T0 + 101 < bot.hotUntil).isTrue();
        assertThat(rates.record("human-5", T0 + 200).hotUntil).isZero();
    }

    @Test
    void growingInTheSecondGenerationKeepsTheFirstGenerationsCustomers() {
        HotKeyRates rates = new HotKeyRates(policy);
        RateWindow early = rates.record("early", T0);
        for (int c = 0; c < 3_000; c++) { // next generation (20 s later), enough to grow the table twice
            rates.record("late-" + c, T0 + 20_000);
        }
        assertThat(rates.tracked()).isEqualTo(3_001);
        assertThat(rates.record("early", T0 + 20_001)).as("still remembered").isSameAs(early);
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
