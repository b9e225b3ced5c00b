package dev.floodgate.model;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's serializer contract checks on format 1 of {@link InteractionSerializer} (without {@code
 * seqEpoch}), the serializer that reads state written before format 2 until Flink migrates it.
 */
class InteractionSerializerFormatOneTest extends SerializerTestBase<Interaction> {

    @Override
    protected TypeSerializer<Interaction> createSerializer() {
        return InteractionSerializer.formatOne();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<Interaction> getTypeClass() {
        return Interaction.class;
    }

    /** The format-2 test data without {@code seqEpoch}, which format 1 does not carry. */
    @Override
    protected Interaction[] getTestData() {
        Interaction[] data = new InteractionSerializerTest().getTestData();
        for (Interaction in : data) {
            in.seqEpoch = Interaction.NO_EPOCH;
        }
        return data;
    }
}
