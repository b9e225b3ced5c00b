package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import dev.floodgate.model.OrderScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The admitted events of one customer in {@link ProcessInLanes}: one FIFO queue per channel (order
 * scope {@code channel}) or one for all (scope {@code customer}), and how many of them are in each
 * channel's lane (the per-customer bound). Only the head of a queue is ever in flight, so a
 * customer's events in one queue are called, and emitted, in arrival order. Counts the {@code high}
 * events of each queue: while one waits, the queue's head inherits its priority ({@link
 * ChannelLane#boost}).
 */
final class CustomerQueues {
    private final ArrayDeque<Pending>[] queues;
    private final int[] inLane;
    private final int[] high;
    private final boolean perChannel;
    private int size;

    @SuppressWarnings("unchecked")
    CustomerQueues(OrderScope scope, int channels) {
        perChannel = scope == OrderScope.CHANNEL;
        queues = new ArrayDeque[perChannel ? channels : 1];
        inLane = new int[channels];
        high = new int[queues.length];
    }

    private int index(Pending p) {
        return perChannel ? p.lane.channel.ordinal() : 0;
    }

    /** Whether a {@code high} event is in {@code p}'s queue (itself, or behind it). */
    boolean hasHigh(Pending p) {
        return high[index(p)] > 0;
    }

    /** The head of {@code p}'s queue. */
    Pending head(Pending p) {
        return queueOf(p).peek();
    }

    /** The customer's events admitted to the lane of {@code channel} and not yet emitted. */
    int inLane(int channel) {
        return inLane[channel];
    }

    private ArrayDeque<Pending> queueOf(Pending p) {
        int i = index(p);
        ArrayDeque<Pending> q = queues[i];
        if (q == null) {
            q = queues[i] = new ArrayDeque<>(2);
        }
        return q;
    }

    /** Adds {@code p}; returns whether it is the head of its queue (ready to be called). */
    boolean add(Pending p) {
        ArrayDeque<Pending> q = queueOf(p);
        q.add(p);
        size++;
        if (p.high()) {
            high[index(p)]++;
        }
        inLane[p.lane.channel.ordinal()]++;
        return q.size() == 1;
    }

    /**
     * Removes the head {@code p} (completed or shed); returns the new head of its queue, if any.
     */
    Pending removeHead(Pending p) {
        ArrayDeque<Pending> q = queueOf(p);
        Pending head = q.poll();
        if (head != p) {
            throw new IllegalStateException("not the head of its queue: " + p.event);
        }
        size--;
        if (p.high()) {
            high[index(p)]--;
        }
        inLane[p.lane.channel.ordinal()]--;
        return q.peek();
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The events, in arrival order: what a checkpoint keeps of this customer. */
    List<Interaction> inArrivalOrder() {
        List<Pending> all = new ArrayList<>(size);
        for (ArrayDeque<Pending> q : queues) {
            if (q != null) {
                all.addAll(q);
            }
        }
        all.sort(Comparator.comparingLong(p -> p.arrival));
        List<Interaction> events = new ArrayList<>(all.size());
        for (Pending p : all) {
            events.add(p.event);
        }
        return events;
    }
}
