package dev.floodgate.operators.process;

/** A {@link ConcurrencyLimit} that is always the configured ceiling. */
final class FixedLimit implements ConcurrencyLimit {
    private final int ceiling;

    FixedLimit(int ceiling) {
        this.ceiling = ceiling;
    }

    @Override
    public int limit(long nowMillis) {
        return ceiling;
    }

    @Override
    public void answered(long latencyMillis, int inFlight, long nowMillis) {}

    @Override
    public void failed(long nowMillis) {}

    @Override
    public String toString() {
        return "fixed(" + ceiling + ")";
    }

    /** {@link LimitPolicy#fixed()}. */
    static final class Policy implements LimitPolicy {
        private static final long serialVersionUID = 1L;

        @Override
        public ConcurrencyLimit create(int ceiling) {
            return new FixedLimit(ceiling);
        }

        @Override
        public String toString() {
            return "fixed";
        }
    }
}
