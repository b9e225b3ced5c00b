package dev.floodgate.operators.ordering;

/**
 * The state of a customer while it holds early events: since when the current gap is awaited (log
 * time: the watermark of append timestamps, ms) and how many events are held. Exists only while the
 * buffer is non-empty. A Flink POJO.
 */
public class GapWait {
    /**
     * When the wait for the current gap began; the gap timer fires at {@code sinceMillis +
     * maxWait}.
     */
    public long sinceMillis;

    /** Number of entries in the buffer. */
    public int buffered;

    public GapWait() {}

    public GapWait(long sinceMillis, int buffered) {
        this.sinceMillis = sinceMillis;
        this.buffered = buffered;
    }
}
