package dev.floodgate.operators.shed;

import dev.floodgate.model.Channel;
import java.io.Serializable;
import org.apache.flink.metrics.MetricGroup;

/**
 * The configuration of admission control, shipped with the job; creates one {@link Admission} per
 * subtask.
 */
@FunctionalInterface
public interface AdmissionPolicy extends Serializable {

    /** Called in the lane operator's {@code open()}; metrics go under {@code group}. */
    Admission create(MetricGroup group);

    /**
     * The channel's freshness SLO in milliseconds: a result older than this (log append to result)
     * is a miss in the SLO counters of the lanes; {@link Long#MAX_VALUE}: no SLO, every result
     * counts as within it.
     */
    default long sloMillis(Channel channel) {
        return Long.MAX_VALUE;
    }

    /** Admits everything. */
    static AdmissionPolicy admitAll() {
        return group -> Admission.admitAll();
    }
}
