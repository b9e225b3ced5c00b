package dev.floodgate.operators;

import dev.floodgate.model.Interaction;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The one key selector of the job: {@code customer_id}. The live job, the backfill job and the
 * savepoint tools all use {@link #INSTANCE}, so keyed state written by one is found by the others.
 */
public final class CustomerKey implements KeySelector<Interaction, String> {
    private static final long serialVersionUID = 1L;

    public static final CustomerKey INSTANCE = new CustomerKey();

    @Override
    public String getKey(Interaction interaction) {
        return interaction.customerId;
    }
}
