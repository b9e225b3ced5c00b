package dev.floodgate.contract;

/**
 * The sizes that keep every record Floodgate writes within what its Kafka producers and brokers
 * accept, so that no input record and no service response can make a sink fail (and the job restart
 * on the same record forever). docs/contracts.md explains the budget.
 *
 * <ul>
 *   <li>The producers' {@code max.request.size} is {@link #MAX_REQUEST_BYTES}, Kafka's default and
 *       just below the brokers' default {@code message.max.bytes} (1,048,588), which the topics
 *       keep.
 *   <li>Every record a sink writes (key, value and headers) is at most {@link
 *       #RECORD_BUDGET_BYTES}: the producer checks the record with its batch and record framing (61
 *       + 21 bytes at most), and the broker checks the batch after compression, which for
 *       incompressible bytes (a dead letter's base64) adds up to 4 bytes per 64 KiB block and a
 *       frame header; 16 KiB covers both many times over.
 *   <li>A valid event is written again whole (the shed lane, a pass-through result), so {@code
 *       --max-record-bytes}, which bounds the input record's key and value together, is at most
 *       {@link #MAX_RECORD_BYTES_LIMIT}: the budget less {@link #EVENT_HEADROOM_BYTES} for what
 *       re-encoding adds (a canonical timestamp; never more than a few dozen bytes, as strings are
 *       written in UTF-8 with the shortest escapes) and for the sinks' headers and result fields.
 *   <li>A dead letter does not carry the whole record when it would not fit: its envelope is cut to
 *       the budget ({@link OutputCodec#write(dev.floodgate.model.DeadLetter, int)}).
 *   <li>A service response is read up to {@link #MAX_RESPONSE_BYTES}; a longer one, or one whose
 *       processed record would not fit the budget, is a permanent processing failure.
 * </ul>
 */
public final class RecordLimits {
    /** The Kafka producers' {@code max.request.size}, set explicitly on every sink. */
    public static final int MAX_REQUEST_BYTES = 1 << 20;

    /** Room for the producer's framing and an lz4 frame's growth of incompressible bytes. */
    public static final int FRAMING_BYTES = 16 * 1024;

    /** The most a sink's record may hold: key, value and headers together. */
    public static final int RECORD_BUDGET_BYTES = MAX_REQUEST_BYTES - FRAMING_BYTES;

    /**
     * What a valid event's record may grow by when written again: re-encoding (a few dozen bytes),
     * the shed lane's headers (a source position and a timestamp, each under 300 bytes; room for a
     * few more) and a processed record's own fields (about 300 bytes and the processor's name).
     */
    public static final int EVENT_HEADROOM_BYTES = 8 * 1024;

    /** The largest {@code --max-record-bytes}: 1,024,000. */
    public static final int MAX_RECORD_BYTES_LIMIT = RECORD_BUDGET_BYTES - EVENT_HEADROOM_BYTES;

    /** The default {@code --max-record-bytes}: 1 MB (10^6 bytes), below the limit. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_000_000;

    /**
     * The most of a processing service's response body that is read: it bounds the memory one
     * response takes; a result must fit the record budget besides.
     */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;

    /** A dead letter's Kafka key longer than this is left out (its envelope keeps a prefix). */
    public static final int MAX_DEAD_LETTER_KEY_BYTES = 4 * 1024;

    /** A dead letter's error text is cut to this many characters. */
    public static final int MAX_ERROR_CHARS = 2000;

    private RecordLimits() {}

    /**
     * Why {@code maxRecordBytes} is too large for the sinks, naming the options and the sizes; null
     * when it is not.
     */
    public static String maxRecordBytesProblem(int maxRecordBytes) {
        if (maxRecordBytes <= MAX_RECORD_BYTES_LIMIT) {
            return null;
        }
        return "--max-record-bytes "
                + maxRecordBytes
                + " is above "
                + MAX_RECORD_BYTES_LIMIT
                + ": a valid event is written again whole (shed lane, results) by the Kafka sinks,"
                + " whose max.request.size is "
                + MAX_REQUEST_BYTES
                + " (the brokers' default message.max.bytes), less "
                + FRAMING_BYTES
                + " bytes of framing and "
                + EVENT_HEADROOM_BYTES
                + " for headers and re-encoding";
    }
}
