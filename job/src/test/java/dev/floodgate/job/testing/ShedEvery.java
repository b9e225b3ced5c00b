package dev.floodgate.job.testing;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.model.ShedReason;
import dev.floodgate.operators.shed.Admission;
import dev.floodgate.operators.shed.AdmissionPolicy;
import java.util.EnumSet;
import java.util.Set;
import org.apache.flink.metrics.MetricGroup;

/**
 * Admission for tests that need shed events, not a flood: sheds every event of one channel and the
 * given priorities ({@code predicted_wait}), admits the rest. Admission sheds only while the
 * service is the bottleneck, which a test of the drain, the shed sink or the reconcile would
 * otherwise have to build; those tests are not about admission.
 */
public final class ShedEvery implements AdmissionPolicy {
    private static final long serialVersionUID = 1L;

    private final Channel channel;
    private final EnumSet<Priority> priorities;

    public ShedEvery(Channel channel, Priority first, Priority... more) {
        this.channel = channel;
        this.priorities = EnumSet.of(first, more);
    }

    @Override
    public Admission create(MetricGroup group) {
        Channel c = channel;
        Set<Priority> p = priorities;
        return (event, now, lane) ->
                event.channel == c && p.contains(event.priority) && event.priority != Priority.HIGH
                        ? ShedReason.PREDICTED_WAIT
                        : null;
    }
}
