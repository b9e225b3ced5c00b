package dev.floodgate.job.demo;

import java.util.Map;
import java.util.TreeMap;

/** What went where: the counts read back from the output topics (read_committed) and the archive. */
public record DemoSummary(int sentValid, int sentPoison, long processed, long distinctProcessed,
        Map<String, Long> deadLettersByReason, long shed, long archived) {

    public long deadLetters() {
        return deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    public boolean complete() {
        return distinctProcessed + shed >= sentValid && deadLetters() >= sentPoison;
    }

    public String render() {
        return String.format("%nWhat went where%n"
                + "  sent to the interaction log : %,d valid events + %,d poison records%n"
                + "  processed (read_committed)  : %,d records, %,d distinct events%n"
                + "  shed to the durable lane    : %,d%n"
                + "  dead letters                : %,d %s%n"
                + "  archived (raw, exactly once): %,d records, redeliveries included (dedupe comes after)%n",
                sentValid, sentPoison, processed, distinctProcessed, shed, deadLetters(),
                new TreeMap<>(deadLettersByReason), archived);
    }
}
