package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.OrderScope;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The events {@link ProcessInLanes} has admitted and not yet emitted, per customer ({@link
 * CustomerQueues}), and which customers changed since the last snapshot: at a snapshot only those
 * are written to keyed state (a customer with none left is cleared), so an idle customer costs no
 * state access. Task thread only.
 */
final class AdmittedEvents {
    /** Writes one customer's admitted events (in arrival order; empty: none left) to state. */
    interface StateWriter {
        void write(String customer, List<Interaction> events) throws Exception;
    }

    private final OrderScope scope;
    private final int channels;
    private final Map<String, CustomerQueues> customers = new HashMap<>();
    private final Set<String> changed = new HashSet<>();
    private long arrivals;
    private int size;

    AdmittedEvents(OrderScope scope, int channels) {
        this.scope = scope;
        this.channels = channels;
    }

    /** Admits {@code event} to {@code lane}; it is ready at once if its queue was empty. */
    Pending admit(Interaction event, ChannelLane lane) {
        return admit(event, lane, Integer.MAX_VALUE);
    }

    /**
     * Admits {@code event} to {@code lane} unless its customer has {@code perCustomer} events in
     * that lane already; returns it as admitted, or {@code null}. A {@code high} event that joins
     * behind its customer's earlier ones lends them its priority: the ready head is boosted now,
     * the ones after it when they become ready.
     */
    Pending admit(Interaction event, ChannelLane lane, int perCustomer) {
        CustomerQueues q = customers.get(event.customerId);
        if (q == null) {
            q = new CustomerQueues(scope, channels);
            customers.put(event.customerId, q);
        } else if (q.inLane(lane.channel.ordinal()) >= perCustomer) {
            return null;
        }
        Pending p = new Pending(event, lane, arrivals++);
        lane.admitted(p);
        size++;
        changed.add(event.customerId);
        if (q.add(p)) {
            lane.ready(p, false);
        } else if (p.high()) {
            Pending head = q.head(p);
            head.lane.boost(head);
        }
        return p;
    }

    /**
     * Whether {@code customer} has no event admitted and not yet emitted. With none admitted at all
     * (calls that answer at once) no lookup: the map's table keeps the size it once grew to, and a
     * probe of it was a cache miss per event.
     */
    boolean idle(String customer) {
        return size == 0 || !customers.containsKey(customer);
    }

    /** {@code event}, admitted now to {@code lane}, not yet in a queue ({@link #calledAtOnce}). */
    Pending pending(Interaction event, ChannelLane lane) {
        return new Pending(event, lane, arrivals++);
    }

    /**
     * {@code p}, of an {@link #idle} customer, was called at once without queueing and did not
     * answer at once: it is its customer's queue's head, in flight, until {@link #done}.
     */
    void calledAtOnce(Pending p) {
        String customer = p.event.customerId;
        CustomerQueues q = new CustomerQueues(scope, channels);
        customers.put(customer, q);
        q.add(p);
        p.called = true;
        size++;
        changed.add(customer);
    }

    /** {@code p} left its customer's queue (emitted or shed): the next in the queue is ready. */
    void done(Pending p) {
        size--;
        String customer = p.event.customerId;
        CustomerQueues q = customers.get(customer);
        Pending next = q.removeHead(p);
        if (q.isEmpty()) {
            customers.remove(customer);
        }
        changed.add(customer);
        if (next != null) {
            next.lane.ready(next, q.hasHigh(next));
        }
    }

    /** Writes the customers that changed since the last call. */
    void snapshot(StateWriter writer) throws Exception {
        for (String customer : changed) {
            CustomerQueues q = customers.get(customer);
            writer.write(customer, q == null ? List.of() : q.inArrivalOrder());
        }
        changed.clear();
    }

    /** Events admitted and not yet emitted. */
    int size() {
        return size;
    }
}
