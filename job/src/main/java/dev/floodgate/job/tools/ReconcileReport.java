package dev.floodgate.job.tools;

import java.util.List;
import java.util.Map;

/**
 * Reconcile's verdict: counts per kind of outcome and the first few event ids (or log positions) of
 * each kind of problem. {@link Verdict#FAILED} when a valid event is missing, duplicated, shares
 * its id with a different event, or has a processed record that disagrees with it, or an invalid
 * record is not a dead letter; else {@link Verdict#NOT_PROCESSED} when valid events ended as
 * processing dead letters (not processed, but accounted for); else {@link Verdict#PASSED}.
 * Processed records whose id is not among the input's events (input retention shorter than the
 * output's, or a foreign writer) are counted and shown but change no verdict.
 */
public record ReconcileReport(
        long validEvents,
        long redeliveries,
        long invalidRecords,
        long processedOnce,
        Problem processingFailed,
        Problem missing,
        Problem shedNotDrained,
        Problem duplicated,
        Problem idShared,
        Problem mismatched,
        Problem notInInput,
        Problem invalidNotDeadLettered,
        Map<String, Long> processedByLane) {

    /** The outcome, most severe first. */
    public enum Verdict {
        PASSED,
        NOT_PROCESSED,
        FAILED
    }

    /** How many, and the first few of them. */
    public record Problem(long count, List<String> first) {
        static final int SHOWN = 5;

        public boolean isEmpty() {
            return count == 0;
        }

        String render() {
            return String.format("%,d %s", count, first);
        }
    }

    public Verdict verdict() {
        if (!missing.isEmpty()
                || !duplicated.isEmpty()
                || !idShared.isEmpty()
                || !mismatched.isEmpty()
                || !invalidNotDeadLettered.isEmpty()) {
            return Verdict.FAILED;
        }
        return processingFailed.isEmpty() ? Verdict.PASSED : Verdict.NOT_PROCESSED;
    }

    /** Every valid event processed exactly once, every invalid record a dead letter. */
    public boolean passed() {
        return verdict() == Verdict.PASSED;
    }

    public String render() {
        return String.format(
                "reconcile: %s%n"
                        + "  valid input events          %,d   (and %,d redelivered copies)%n"
                        + "  processed exactly once      %,d   by lane %s%n"
                        + "  not processed: dead letters (processing) %s%n"
                        + "  missing                     %s%n"
                        + "    of which shed, not drained %s%n"
                        + "  duplicated                  %s%n"
                        + "  event id shared by different events %s%n"
                        + "  processed record disagrees with its event %s%n"
                        + "  processed, id not in the input %s%n"
                        + "  invalid input records       %,d, not in the dead-letter topic: %s%n",
                verdict() == Verdict.NOT_PROCESSED ? "NOT PROCESSED" : verdict().name(),
                validEvents,
                redeliveries,
                processedOnce,
                processedByLane,
                processingFailed.render(),
                missing.render(),
                shedNotDrained.render(),
                duplicated.render(),
                idShared.render(),
                mismatched.render(),
                notInInput.render(),
                invalidRecords,
                invalidNotDeadLettered.render());
    }

    public String toJson() {
        return String.format(
                "{\"passed\":%s,\"verdict\":\"%s\",\"valid\":%d,\"redeliveries\":%d,\"invalid\":%d,"
                        + "\"processed_once\":%d,\"dead_lettered\":%d,\"missing\":%d,\"duplicated\":%d,"
                        + "\"shed_not_drained\":%d,\"id_shared\":%d,\"mismatched\":%d,\"not_in_input\":%d,"
                        + "\"invalid_not_dead_lettered\":%d,\"processed_by_lane\":%s,"
                        + "\"first_dead_lettered\":%s,\"first_missing\":%s,\"first_duplicated\":%s,"
                        + "\"first_shed_not_drained\":%s,\"first_id_shared\":%s,\"first_mismatched\":%s,"
                        + "\"first_not_in_input\":%s,\"first_invalid_not_dead_lettered\":%s}",
                passed(),
                verdict().name().toLowerCase(java.util.Locale.ROOT),
                validEvents,
                redeliveries,
                invalidRecords,
                processedOnce,
                processingFailed.count(),
                missing.count(),
                duplicated.count(),
                shedNotDrained.count(),
                idShared.count(),
                mismatched.count(),
                notInInput.count(),
                invalidNotDeadLettered.count(),
                lanes(),
                strings(processingFailed),
                strings(missing),
                strings(duplicated),
                strings(shedNotDrained),
                strings(idShared),
                strings(mismatched),
                strings(notInInput),
                strings(invalidNotDeadLettered));
    }

    private String lanes() {
        StringBuilder sb = new StringBuilder("{");
        processedByLane.forEach(
                (k, v) ->
                        sb.append(sb.length() > 1 ? "," : "")
                                .append(quote(k))
                                .append(':')
                                .append(v));
        return sb.append('}').toString();
    }

    private static String strings(Problem p) {
        StringBuilder sb = new StringBuilder("[");
        for (String s : p.first()) {
            sb.append(sb.length() > 1 ? "," : "").append(quote(s));
        }
        return sb.append(']').toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
