package dev.floodgate.model;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Type information of {@link Interaction}, so that every stream, side output and state of
 * interactions uses {@link InteractionSerializer} (found through the {@code @TypeInfo} annotation
 * on the class, also by {@code TypeInformation.of(Interaction.class)}).
 */
public final class InteractionTypeInfo extends TypeInformation<Interaction> {
    private static final long serialVersionUID = 1L;

    public static final InteractionTypeInfo INSTANCE = new InteractionTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<Interaction> getTypeClass() {
        return Interaction.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<Interaction> createSerializer(SerializerConfig config) {
        return InteractionSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "Interaction";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InteractionTypeInfo;
    }

    @Override
    public int hashCode() {
        return InteractionTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof InteractionTypeInfo;
    }

    /** Named on {@link Interaction}'s {@code @TypeInfo}. */
    public static final class Factory extends TypeInfoFactory<Interaction> {
        @Override
        public TypeInformation<Interaction> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> generics) {
            return INSTANCE;
        }
    }
}
