package dev.floodgate.bench.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the campaign measured, and the table it prints (and writes to {@code report.md}): each fault
 * with its time to RUNNING again and to output resuming, then the totals: lost and duplicated (by
 * reconcile), the live lane's per-customer order, the longest {@code read_committed} hold-back, the
 * restarts, the processor versions of the live lane. It passed when reconcile passed, nothing was
 * lost or duplicated, the live lane stayed in order, every fault recovered and every upgrade cut
 * cleanly (no result of an old version processed after the first of the next).
 */
public final class CampaignReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    final int eventsAsked;
    final double rate;
    final int faultCount;
    final Duration interval;
    final List<FaultRunner.Outcome> faults = new ArrayList<>();
    long setupMillis;
    long trafficMillis;
    long drainMillis;
    long reconcileMillis;
    int validSent;
    long recordsSent;
    long tailSent;
    int poisonSent;
    long restarts;
    String drainState = "not run";
    long shedRecords;
    long watcherRepeats;
    long orderViolations;
    List<String> orderExamples = List.of();
    long maxHoldBackMs;
    int taskFaultsFired;

    /** Live lane results per processor name: {count, first processedAt, last processedAt}. */
    Map<String, long[]> liveByProcessor = Map.of();

    /** Processor versions the live job ran: v1 to v{versions}. */
    int versions = 1;

    int reconcileExit = -1;
    JsonNode reconcile;
    String reconcileOutput = "";

    CampaignReport(int eventsAsked, double rate, int faultCount, Duration interval) {
        this.eventsAsked = eventsAsked;
        this.rate = rate;
        this.faultCount = faultCount;
        this.interval = interval;
    }

    void reconcile(int exit, String output) {
        reconcileExit = exit;
        reconcileOutput = output.strip();
        try {
            String line =
                    reconcileOutput
                            .lines()
                            .filter(l -> l.startsWith("{"))
                            .reduce((a, b) -> b)
                            .orElse("{}");
            reconcile = JSON.readTree(line);
        } catch (Exception e) {
            reconcile = JSON.createObjectNode();
        }
    }

    public long lost() {
        return reconcile == null ? -1 : reconcile.path("missing").asLong(-1);
    }

    public long duplicated() {
        return reconcile == null ? -1 : reconcile.path("duplicated").asLong(-1);
    }

    public boolean allRecovered() {
        return faults.stream()
                .allMatch(f -> f.visible() >= 0 && (!f.restarted() || f.running() >= 0));
    }

    /**
     * Every version v1..v{versions} processed live results, nothing else did, and each one's last
     * result was processed before the next one's first: the upgrades cut cleanly.
     */
    public boolean upgradesClean() {
        if (liveByProcessor.size() != versions) {
            return false;
        }
        long lastOfPrevious = Long.MIN_VALUE;
        for (int v = 1; v <= versions; v++) {
            long[] r = liveByProcessor.get("http-v" + v);
            if (r == null || r[1] <= lastOfPrevious) {
                return false;
            }
            lastOfPrevious = r[2];
        }
        return true;
    }

    public boolean passed() {
        return reconcileExit == 0
                && lost() == 0
                && duplicated() == 0
                && orderViolations == 0
                && allRecovered()
                && upgradesClean();
    }

    /** Each version's live results and when they were processed, from the first fault on. */
    private String processorVersions() {
        StringBuilder sb = new StringBuilder();
        long start = faults.isEmpty() ? 0 : faults.get(0).atMillis();
        for (int v = 1; v <= versions; v++) {
            long[] r = liveByProcessor.get("http-v" + v);
            sb.append(v == 1 ? "" : "; ")
                    .append("http-v")
                    .append(v)
                    .append(
                            r == null
                                    ? " none"
                                    : String.format(
                                            Locale.ROOT,
                                            " %,d processed %+.1f to %+.1f s",
                                            r[0],
                                            (r[1] - start) / 1000.0,
                                            (r[2] - start) / 1000.0));
        }
        liveByProcessor.keySet().stream()
                .filter(k -> !k.matches("http-v[0-9]+"))
                .forEach(k -> sb.append("; unexpected ").append(k));
        return sb.append(upgradesClean() ? " (each cut clean)" : " (NOT clean)").toString();
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(
                "| # | fault | at | parallelism | RUNNING again | output processed again | output visible again | note |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        long start = faults.isEmpty() ? 0 : faults.get(0).atMillis();
        for (int i = 0; i < faults.size(); i++) {
            FaultRunner.Outcome f = faults.get(i);
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %d | %s | +%d s | %d | %s | %s | %s | %s |%n",
                            i + 1,
                            f.kind().description,
                            (f.atMillis() - start) / 1000,
                            f.parallelism(),
                            f.restarted() ? secs(f.running()) : "no restart",
                            secs(f.processed()),
                            secs(f.visible()),
                            f.note()));
        }
        sb.append('\n');
        sb.append("| total | value |\n|---|---|\n");
        row(sb, "valid events sent (distinct)", String.format("%,d", validSent));
        row(
                sb,
                "records sent (valid, redeliveries, poison)",
                String.format("%,d (poison %,d)", recordsSent, poisonSent));
        row(
                sb,
                "valid events after the main traffic, until the last fault recovered",
                String.format("%,d", tailSent));
        row(sb, "faults injected", Integer.toString(faults.size()));
        row(sb, "task faults fired by the hook", Integer.toString(taskFaultsFired));
        row(sb, "lost (reconcile: missing)", Long.toString(lost()));
        row(sb, "duplicated (reconcile)", Long.toString(duplicated()));
        row(
                sb,
                "reconcile verdict",
                (reconcile == null ? "?" : reconcile.path("verdict").asText("?"))
                        + " (exit "
                        + reconcileExit
                        + ")");
        row(
                sb,
                "processed by lane",
                reconcile == null ? "?" : reconcile.path("processed_by_lane").toString());
        row(sb, "shed records (all drained)", String.format("%,d", shedRecords));
        row(
                sb,
                "live lane per-customer order",
                orderViolations == 0
                        ? "in order (0 violations)"
                        : orderViolations + " violations " + orderExamples);
        row(sb, "live lane by processor version", processorVersions());
        row(sb, "longest read_committed hold-back (processed topic)", secs(maxHoldBackMs));
        row(sb, "job restarts (all live jobs)", Long.toString(restarts));
        row(sb, "drain", drainState + " in " + secs(drainMillis));
        row(
                sb,
                "times",
                String.format(
                        "setup %s, traffic and faults %s, reconcile %s",
                        secs(setupMillis), secs(trafficMillis), secs(reconcileMillis)));
        row(sb, "passed", Boolean.toString(passed()));
        return sb.toString();
    }

    public int reconcileExit() {
        return reconcileExit;
    }

    public long orderViolations() {
        return orderViolations;
    }

    public int taskFaultsFired() {
        return taskFaultsFired;
    }

    public long restarts() {
        return restarts;
    }

    private static void row(StringBuilder sb, String name, String value) {
        sb.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    private static String secs(long millis) {
        return millis < 0 ? "-" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
