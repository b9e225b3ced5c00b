package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.OrderScope;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The events {@link ProcessInLanes} has admitted and not yet emitted, per customer ({@link
 * CustomerQueues}), and which customers changed since the last snapshot: at a snapshot only those
 * are written to keyed state, and a customer with none left is cleared only if its state holds
 * events, so an idle customer costs no state access. Task thread only.
 *
 * <p>Per event this costs one map lookup on arrival and one when it leaves, and no more (the
 * throughput benchmark's profile had the map and a set of changed customers at 7% of the job): a
 * customer whose queues empty stays in the map until the next snapshot when its state must be
 * cleared then, and otherwise while the map holds fewer than {@link #IDLE_KEPT} customers, so its
 * next event finds its queues again rather than inserting them anew. The snapshot walks the map
 * (customers with events, plus at most {@code IDLE_KEPT} idle ones) and drops the idle ones.
 */
final class AdmittedEvents {
    /** Writes one customer's admitted events (in arrival order; empty: none left) to state. */
    interface StateWriter {
        void write(String customer, List<Interaction> events) throws Exception;
    }

    /** Idle customers kept in the map between snapshots while it is smaller than this. */
    static final int IDLE_KEPT = 1 << 16;

    private final OrderScope scope;
    private final int channels;
    private final Map<String, CustomerQueues> customers = new HashMap<>();
    private long arrivals;
    private int size;

    AdmittedEvents(OrderScope scope, int channels) {
        this.scope = scope;
        this.channels = channels;
    }

    /**
     * Admits {@code event}, restored from a checkpoint, to {@code lane}, whatever the bounds say:
     * its customer's state holds it until a snapshot writes the customer again.
     */
    Pending admit(Interaction event, ChannelLane lane) {
        CustomerQueues q = queuesOf(event.customerId);
        q.stored = true;
        return add(q, event, lane);
    }

    /**
     * Admits {@code event} to {@code lane} unless its customer has {@code perCustomer} events in
     * that lane already; returns it as admitted, or {@code null}. It is ready at once if its queue
     * was empty. A {@code high} event that joins behind its customer's earlier ones lends them its
     * priority: the ready head is boosted now, the ones after it when they become ready.
     */
    Pending admit(Interaction event, ChannelLane lane, int perCustomer) {
        CustomerQueues q = queuesOf(event.customerId);
        if (q.inLane(lane.channel.ordinal()) >= perCustomer) {
            return null;
        }
        return add(q, event, lane);
    }

    private CustomerQueues queuesOf(String customer) {
        CustomerQueues q = customers.get(customer);
        if (q == null) {
            q = new CustomerQueues(scope, channels);
            customers.put(customer, q);
        }
        return q;
    }

    private Pending add(CustomerQueues q, Interaction event, ChannelLane lane) {
        Pending p = new Pending(event, lane, arrivals++);
        lane.admitted(p);
        size++;
        q.changed = true;
        if (q.add(p)) {
            lane.ready(p, false);
        } else if (p.high()) {
            Pending head = q.head(p);
            head.lane.boost(head);
        }
        return p;
    }

    /** {@code p} left its customer's queue (emitted or shed): the next in the queue is ready. */
    void done(Pending p) {
        size--;
        String customer = p.event.customerId;
        CustomerQueues q = customers.get(customer);
        Pending next = q.removeHead(p);
        q.changed = true;
        if (q.isEmpty() && !q.stored && customers.size() > IDLE_KEPT) {
            customers.remove(customer); // nothing to clear at the snapshot
        }
        if (next != null) {
            next.lane.ready(next, q.hasHigh(next));
        }
    }

    /** Writes the customers that changed since the last call, and forgets the idle ones. */
    void snapshot(StateWriter writer) throws Exception {
        for (Iterator<Map.Entry<String, CustomerQueues>> it = customers.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<String, CustomerQueues> e = it.next();
            CustomerQueues q = e.getValue();
            if (q.isEmpty()) {
                if (q.stored) {
                    writer.write(e.getKey(), List.of());
                }
                it.remove();
            } else if (q.changed) {
                writer.write(e.getKey(), q.inArrivalOrder());
                q.stored = true;
                q.changed = false;
            }
        }
    }

    /** Events admitted and not yet emitted. */
    int size() {
        return size;
    }
}
