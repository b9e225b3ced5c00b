package dev.floodgate.operators.shed;

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

    /** Admits everything. */
    static AdmissionPolicy admitAll() {
        return group -> Admission.admitAll();
    }
}
