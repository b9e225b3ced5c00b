package dev.floodgate.sinks.commit;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;

/**
 * A {@link KafkaSink} whose committer checks every commit the connector gives up on. The connector
 * drops a committable it cannot commit (fenced producer, invalid transaction state, unknown
 * producer id) with one log line that reads the same whether the transaction was committed before a
 * restore (harmless) or aborted by the broker (its records are lost). {@link CommitAudit} asks the
 * broker which it was and counts it.
 *
 * <p>Everything else is the delegate's: writer, state and committable serializers, the co-location
 * of writer and committer, lineage. Savepoints of the plain {@code KafkaSink} restore into this
 * sink unchanged (same uid, same state forms).
 */
public final class AuditedKafkaSink<T>
        implements TwoPhaseCommittingStatefulSink<T, KafkaWriterState, KafkaCommittable>,
                SupportsPostCommitTopology<KafkaCommittable>,
                LineageVertexProvider {
    private static final long serialVersionUID = 1L;

    private final KafkaSink<T> delegate;
    private final Map<String, String> adminProperties;

    /**
     * @param adminProperties how the audit's admin client reaches the cluster (bootstrap servers
     *     and the client settings of the sink's producers)
     */
    public AuditedKafkaSink(KafkaSink<T> delegate, Map<String, String> adminProperties) {
        this.delegate = delegate;
        this.adminProperties = Map.copyOf(adminProperties);
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context)
            throws IOException {
        return new CommitAudit(
                delegate.createCommitter(context),
                new TransactionStates(adminProperties),
                context.metricGroup());
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return delegate.getCommittableSerializer();
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> createWriter(
            WriterInitContext context) throws IOException {
        return delegate.createWriter(context);
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> restoreWriter(
            WriterInitContext context, Collection<KafkaWriterState> recoveredState)
            throws IOException {
        return delegate.restoreWriter(context, recoveredState);
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return delegate.getWriterStateSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committed) {
        delegate.addPostCommitTopology(committed);
    }

    @Override
    public LineageVertex getLineageVertex() {
        return delegate.getLineageVertex();
    }
}
