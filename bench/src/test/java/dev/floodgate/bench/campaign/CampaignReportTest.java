package dev.floodgate.bench.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CampaignReportTest {

    /** Live results of http-v1, http-v2, ...: each {count, first processedAt, last processedAt}. */
    private static Map<String, long[]> byVersion(long[]... each) {
        Map<String, long[]> live = new java.util.HashMap<>();
        for (int v = 0; v < each.length; v++) {
            live.put("http-v" + (v + 1), each[v]);
        }
        return live;
    }

    private static CampaignReport report(int versions, Map<String, long[]> live) {
        CampaignReport r = new CampaignReport(10, 1, 0, Duration.ofSeconds(10));
        r.versions = versions;
        r.liveByProcessor = live;
        return r;
    }

    @Test
    void upgradesCutCleanlyWhenEachVersionEndsBeforeTheNextBegins() {
        CampaignReport r =
                report(
                        3,
                        byVersion(
                                new long[] {5, 100, 200},
                                new long[] {7, 201, 300},
                                new long[] {1, 350, 350}));
        assertThat(r.upgradesClean()).isTrue();
        assertThat(r.render()).contains("http-v2 7 processed").contains("(each cut clean)");
    }

    @Test
    void anOldVersionProcessingAfterTheNewOneStartedIsNotClean() {
        CampaignReport r = report(2, byVersion(new long[] {5, 100, 250}, new long[] {7, 201, 300}));
        assertThat(r.upgradesClean()).isFalse();
        assertThat(r.passed()).isFalse();
        assertThat(r.render()).contains("(NOT clean)");
    }

    @Test
    void aVersionThatProcessedNothingOrAnUnexpectedProcessorIsNotClean() {
        assertThat(report(2, byVersion(new long[] {5, 100, 200})).upgradesClean()).isFalse();
        Map<String, long[]> live = byVersion(new long[] {5, 100, 200});
        live.put("pass-through-v1", new long[] {1, 150, 150});
        CampaignReport unexpected = report(1, live);
        assertThat(unexpected.upgradesClean()).isFalse();
        assertThat(unexpected.render()).contains("unexpected pass-through-v1");
    }

    @Test
    void twentyFaultsCoverEveryKindAndEndAtParallelismTwo() {
        List<FaultKind> faults = FaultKind.schedule("20");
        assertThat(faults).hasSize(20).containsAll(List.of(FaultKind.values()));
        assertThat(Collections.frequency(faults, FaultKind.UPGRADE)).isEqualTo(2);
        assertThat(faults.lastIndexOf(FaultKind.RESCALE_DOWN))
                .isGreaterThan(faults.lastIndexOf(FaultKind.RESCALE_UP));
    }
}
