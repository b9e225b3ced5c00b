package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.Lane;
import dev.floodgate.model.ProcessedEvent;
import dev.floodgate.operators.shed.AdmissionPolicy;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * Creates {@link ProcessInLanes} with the task's mailbox (results are handed to the task thread).
 */
public class ProcessInLanesFactory extends AbstractStreamOperatorFactory<ProcessedEvent>
        implements OneInputStreamOperatorFactory<Interaction, ProcessedEvent> {
    private static final long serialVersionUID = 1L;

    private final EventProcessor processor;
    private final Lane outputLane;
    private final LanesConfig config;
    private final AdmissionPolicy admission;

    public ProcessInLanesFactory(
            EventProcessor processor,
            Lane outputLane,
            LanesConfig config,
            AdmissionPolicy admission) {
        this.processor = processor;
        this.outputLane = outputLane;
        this.config = config;
        this.admission = admission;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<ProcessedEvent>> T createStreamOperator(
            StreamOperatorParameters<ProcessedEvent> parameters) {
        return (T) new ProcessInLanes(parameters, processor, outputLane, config, admission);
    }

    @Override
    public Class<? extends StreamOperator<?>> getStreamOperatorClass(ClassLoader classLoader) {
        return ProcessInLanes.class;
    }
}
