package dev.floodgate.job;

/**
 * Which Floodgate job an options set is for; decides the defaults that must differ between jobs.
 */
public enum JobKind {
    LIVE("floodgate-live"),
    BACKFILL("floodgate-backfill");

    /**
     * Default consumer group and transactional id prefix: distinct per job, so their transactions
     * never fence.
     */
    final String defaultIdentity;

    JobKind(String defaultIdentity) {
        this.defaultIdentity = defaultIdentity;
    }
}
