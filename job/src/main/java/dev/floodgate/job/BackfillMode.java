package dev.floodgate.job;

/** What the backfill job does ({@code --mode}): drain the shed lane, or replay the log. */
public enum BackfillMode {
    DRAIN,
    REPLAY;

    /** The name on the command line and in the job name ({@code floodgate-backfill-drain}). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static BackfillMode parse(String s) {
        for (BackfillMode m : values()) {
            if (m.wireName().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("neither drain nor replay");
    }
}
