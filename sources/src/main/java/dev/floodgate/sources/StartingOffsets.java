package dev.floodgate.sources;

import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

/**
 * Where the live job's source starts without restored state: {@code committed} (the group's
 * committed offsets, else the earliest), {@code earliest}, {@code latest} or {@code
 * timestamp:<epoch ms>}. Parsed once from its text ({@link #parse}); the source builds its
 * initializer from the parsed value. A negative timestamp is refused: Kafka reads a negative time
 * as a sentinel (-1 latest, -2 earliest, -3 the largest timestamp) or fails the enumerator, never
 * as a time.
 */
public record StartingOffsets(From from, long timestampMillis) {
    public enum From {
        COMMITTED,
        EARLIEST,
        LATEST,
        TIMESTAMP
    }

    public static final String FORM = "committed|earliest|latest|timestamp:<epoch ms>";
    private static final String TIMESTAMP = "timestamp:";

    public StartingOffsets {
        if (from == From.TIMESTAMP && timestampMillis < 0) {
            throw new IllegalArgumentException(
                    "starting position " + TIMESTAMP + timestampMillis + " is before the epoch");
        }
    }

    public static StartingOffsets committed() {
        return new StartingOffsets(From.COMMITTED, 0);
    }

    /**
     * The position {@code spec} names; anything else is an {@link IllegalArgumentException} naming
     * the spec (a {@link NumberFormatException} for a timestamp that is not a whole number).
     */
    public static StartingOffsets parse(String spec) {
        return switch (spec) {
            case "committed" -> committed();
            case "earliest" -> new StartingOffsets(From.EARLIEST, 0);
            case "latest" -> new StartingOffsets(From.LATEST, 0);
            default -> {
                if (!spec.startsWith(TIMESTAMP)) {
                    throw new IllegalArgumentException("unknown starting position " + spec);
                }
                yield new StartingOffsets(
                        From.TIMESTAMP, Long.parseLong(spec.substring(TIMESTAMP.length())));
            }
        };
    }

    OffsetsInitializer initializer() {
        return switch (from) {
            case COMMITTED -> new ResolvedOffsets(ResolvedOffsets.From.COMMITTED_OR_EARLIEST);
            case EARLIEST -> new ResolvedOffsets(ResolvedOffsets.From.EARLIEST);
            case LATEST -> new ResolvedOffsets(ResolvedOffsets.From.LATEST);
            case TIMESTAMP -> OffsetsInitializer.timestamp(timestampMillis);
        };
    }

    /** The text this position is written as on a command line. */
    @Override
    public String toString() {
        return from == From.TIMESTAMP ? TIMESTAMP + timestampMillis : from.name().toLowerCase();
    }
}
