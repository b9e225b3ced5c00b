package dev.floodgate.model;

/** One result per processed event: what the copilot's index receives. */
public class ProcessedEvent {
    public String eventId;
    public String customerId;
    public long seq;

    /** The input's {@code seq_epoch}, or {@link Interaction#NO_EPOCH}. */
    public long seqEpoch;

    public Channel channel;
    public Priority priority;
    public Lane lane;
    public long occurredAt;
    public long logTimestamp;
    public long processedAt;

    /** The service's output: transcript, embedding reference or index id. */
    public String result;

    /** Name and version of the processor that produced {@link #result}. */
    public String processor;

    public int sourcePartition;
    public long sourceOffset;

    public ProcessedEvent() {}

    public static ProcessedEvent of(
            Interaction in, Lane lane, String result, String processor, long processedAt) {
        ProcessedEvent p = new ProcessedEvent();
        p.eventId = in.eventId;
        p.customerId = in.customerId;
        p.seq = in.seq;
        p.seqEpoch = in.seqEpoch;
        p.channel = in.channel;
        p.priority = in.priority;
        p.lane = lane;
        p.occurredAt = in.occurredAt;
        p.logTimestamp = in.logTimestamp;
        p.processedAt = processedAt;
        p.result = result;
        p.processor = processor;
        p.sourcePartition = in.sourcePartition;
        p.sourceOffset = in.sourceOffset;
        return p;
    }

    /** Age of the event when its processing finished. */
    public long ageMillis() {
        return processedAt - logTimestamp;
    }

    @Override
    public String toString() {
        // ids and positions only: no result, no customer id
        return "ProcessedEvent{" + eventId + " seq " + seq + " " + lane + "}";
    }
}
