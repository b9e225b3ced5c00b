package dev.floodgate.model;

/** A range of a customer's sequence numbers that never arrived in time and was skipped. */
public class Gap {
    public String customerId;

    /** First missing seq (inclusive). */
    public long fromSeq;

    /** Last missing seq (inclusive). */
    public long toSeq;

    /** How long the operator waited before skipping, milliseconds. */
    public long waitedMillis;

    /**
     * {@code timeout} (the maximum wait passed), {@code overflow} (the buffer was full) or {@code
     * end_of_input}.
     */
    public String cause;

    public Gap() {}

    public Gap(String customerId, long fromSeq, long toSeq, long waitedMillis, String cause) {
        this.customerId = customerId;
        this.fromSeq = fromSeq;
        this.toSeq = toSeq;
        this.waitedMillis = waitedMillis;
        this.cause = cause;
    }

    @Override
    public String toString() {
        // no customer id: logs name a customer only through CustomerNames
        return "Gap{" + fromSeq + ".." + toSeq + " waited " + waitedMillis + "ms " + cause + "}";
    }
}
