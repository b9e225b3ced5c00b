package dev.floodgate.model;

/**
 * One record of the drain's single transactional sink: exactly one field is set. The drain writes
 * its results, dead letters, events shed again and its progress marks through one sink, so that a
 * checkpoint's marks and the outputs of the records they cover are one Kafka transaction per
 * subtask (see {@code BackfillJob#defineDrain}).
 */
public class DrainOutput {
    public ProcessedEvent processed;
    public DeadLetter deadLetter;
    public ShedEvent shedAgain;
    public DrainMark mark;

    public DrainOutput() {}

    public static DrainOutput processed(ProcessedEvent p) {
        DrainOutput o = new DrainOutput();
        o.processed = p;
        return o;
    }

    public static DrainOutput deadLetter(DeadLetter d) {
        DrainOutput o = new DrainOutput();
        o.deadLetter = d;
        return o;
    }

    public static DrainOutput shedAgain(ShedEvent s) {
        DrainOutput o = new DrainOutput();
        o.shedAgain = s;
        return o;
    }

    public static DrainOutput mark(DrainMark m) {
        DrainOutput o = new DrainOutput();
        o.mark = m;
        return o;
    }

    @Override
    public String toString() {
        return processed != null
                ? "processed " + processed.eventId
                : deadLetter != null
                        ? "dead letter"
                        : shedAgain != null ? "shed again" : "mark " + mark;
    }
}
