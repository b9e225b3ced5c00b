package dev.floodgate.model;

/** Why a record went to the dead-letter topic. The wire name is the lower-case constant name. */
public enum DeadLetterReason {
    /** A record with no value (a tombstone). */
    EMPTY_VALUE,
    /** The value is larger than the configured maximum. */
    OVERSIZED,
    /** The value is not valid UTF-8. */
    INVALID_UTF8,
    /** The value is not one JSON object. */
    BAD_JSON,
    /** A required field is absent or null. */
    MISSING_FIELD,
    /** A field has the wrong JSON type. */
    WRONG_TYPE,
    /**
     * A field has the right type but an impossible value (seq or seq_epoch below 1, timestamp that
     * does not parse).
     */
    INVALID_VALUE,
    UNKNOWN_CHANNEL,
    UNKNOWN_PRIORITY,
    UNSUPPORTED_SCHEMA,
    /** The Kafka key is absent or disagrees with {@code customer_id}. */
    KEY_MISMATCH,
    /** The processing service still failed after all retries. */
    PROCESSING_FAILED,
    /** A field name is given twice in the record's JSON object (nested objects not checked). */
    DUPLICATE_FIELD;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
