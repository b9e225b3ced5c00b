package dev.floodgate.operators.shed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HotKeyRatesTest {
    private static final long T0 = 1_000_000L;
    private final HotKeyPolicy policy =
            HotKeyPolicy.of(10, Duration.ofSeconds(10)); // 100 events per window

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
        assertThat(rates.ratePerSecond(bot, T0 + 10_000))
                .as("a new window counts from 1")
                .isEqualTo(1.0);
    }

    @Test
    void growingInTheSecondGenerationKeepsTheFirstGenerationsCustomers() {
        HotKeyRates rates = new HotKeyRates(policy);
        for (int i = 0; i < 101; i++) {
            rates.record("early-bot", T0);
        }
        for (int c = 0;
                c < 3_000;
                c++) { // next generation (20 s later), enough to grow the table twice
            rates.record("late-" + c, T0 + 20_000);
        }
        assertThat(rates.tracked()).isEqualTo(3_001);
        int early = rates.record("early-bot", T0 + 20_001);
        assertThat(rates.hotUntil(early)).as("still remembered as it was").isEqualTo(T0 + 20_000);
    }

    @Test
    void aCustomerQuietForAWholeGenerationStartsAgainFromNothing() {
        HotKeyRates rates = new HotKeyRates(policy);
        for (int i = 0; i < 101; i++) {
            rates.record("bot", T0);
        }
        rates.record("other", T0 + 20_000); // the generations roll while others send
        rates.record("other", T0 + 40_000);
        int bot = rates.record("bot", T0 + 41_000);
        assertThat(rates.hotUntil(bot)).as("forgotten, so never hot in its new window").isZero();
        assertThat(rates.ratePerSecond(bot, T0 + 41_000)).isEqualTo(1.0);
        assertThat(rates.tracked()).isEqualTo(2);
    }

    @Test
    void customersComingAndGoingReuseTheSlotsOfTheForgotten() {
        HotKeyRates rates = new HotKeyRates(policy);
        for (int g = 0;
                g < 20;
                g++) { // 500 new customers in each generation of 20 s, the others quiet
            for (int c = 0; c < 500; c++) {
                rates.record("g" + g + "-" + c, T0 + g * 20_000L);
            }
        }
        assertThat(rates.tracked()).as("this generation's and the last one's").isEqualTo(1_000);
        assertThat(rates.capacity())
                .as("10,000 customers came, at most 1,000 at a time")
                .isLessThanOrEqualTo(4_096);
    }

    @Test
    void aGenerationRollDoesNotRebuildTheTableUnlessItIsSixteenTimesTooBig() {
        HotKeyRates rates = new HotKeyRates(policy);
        for (int c = 0; c < 20_000; c++) {
            rates.record("peak-" + c, T0);
        }
        int peak = rates.capacity();
        assertThat(peak).isGreaterThanOrEqualTo(40_000);
        for (int c = 0; c < 5_000; c++) {
            rates.record("after-" + c, T0 + 20_000);
        }
        rates.record(
                "after-0", T0 + 40_000); // 5,000 remembered: a quarter of the peak, the table stays
        assertThat(rates.capacity()).isEqualTo(peak);
        rates.record(
                "late",
                T0 + 60_000); // 1 remembered from the generation that ended: the table shrinks
        assertThat(rates.capacity()).isEqualTo(1_024);
        assertThat(rates.tracked()).isEqualTo(2);
        assertThat(rates.ratePerSecond(rates.record("after-0", T0 + 60_001), T0 + 60_001))
                .isEqualTo(1.0);
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
