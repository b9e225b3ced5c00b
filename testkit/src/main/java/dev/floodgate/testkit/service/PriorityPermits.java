package dev.floodgate.testkit.service;

import java.util.ArrayDeque;

/**
 * The workers of one channel of {@link CapacityLimitedService}, served in strict priority between
 * the three {@link Urgency} classes and in arrival order within each: a normal request gets a
 * worker only when no high-urgency one waits, a low-urgency request only when neither waits.
 * Non-preemptive: a low-urgency request already being served finishes, so a normal request that
 * arrives while every worker serves one waits for the residual of its service time; counted here
 * ({@link #blockedByLow}, {@link #blockedByLowMillis}) to tell that wait from a queue of normal
 * requests. Without priorities ({@code strict} false) it is one FIFO, every request normal.
 * Optionally a low-urgency request that finds {@code lowQueueLimit} low-urgency requests waiting is
 * refused ({@link #acquire} false: the service answers 429).
 */
final class PriorityPermits {
    private final int permits;
    private final int lowQueueLimit;
    private final ArrayDeque<Object> high = new ArrayDeque<>();
    private final ArrayDeque<Object> normal = new ArrayDeque<>();
    private final ArrayDeque<Object> low = new ArrayDeque<>();
    private int busy;
    private int lowBusy;
    private long blockedByLow;
    private long blockedByLowMillis;

    /** {@code lowQueueLimit}: {@link Integer#MAX_VALUE} to never refuse. */
    PriorityPermits(int permits, int lowQueueLimit) {
        this.permits = permits;
        this.lowQueueLimit = lowQueueLimit;
    }

    /**
     * Waits for a worker, in the order above; false (at once) if a low-urgency request finds {@code
     * lowQueueLimit} low-urgency requests waiting. Call {@link #release} with the same class after
     * a true.
     */
    synchronized boolean acquire(Urgency urgency) throws InterruptedException {
        boolean lowUrgency = urgency == Urgency.LOW;
        if (lowUrgency && low.size() >= lowQueueLimit) {
            return false;
        }
        Object me = new Object();
        ArrayDeque<Object> queue = queue(urgency);
        // every worker busy and at least one with a low-urgency request: a wait priority cannot
        // shorten (non-preemptive)
        boolean behindLow = !lowUrgency && busy >= permits && lowBusy > 0;
        long arrived = System.nanoTime();
        queue.add(me);
        try {
            while (busy >= permits || queue.peek() != me || before(urgency)) {
                wait();
            }
        } catch (InterruptedException e) {
            queue.remove(me);
            notifyAll();
            throw e;
        }
        queue.poll();
        busy++;
        if (lowUrgency) {
            lowBusy++;
        }
        if (behindLow) {
            blockedByLow++;
            blockedByLowMillis += (System.nanoTime() - arrived) / 1_000_000;
        }
        notifyAll(); // another worker may be free for the next in line
        return true;
    }

    /** Whether a request of a class served before {@code urgency}'s waits. */
    private boolean before(Urgency urgency) {
        return switch (urgency) {
            case HIGH -> false;
            case NORMAL -> !high.isEmpty();
            case LOW -> !high.isEmpty() || !normal.isEmpty();
        };
    }

    private ArrayDeque<Object> queue(Urgency urgency) {
        return switch (urgency) {
            case HIGH -> high;
            case NORMAL -> normal;
            case LOW -> low;
        };
    }

    synchronized void release(Urgency urgency) {
        busy--;
        if (urgency == Urgency.LOW) {
            lowBusy--;
        }
        notifyAll();
    }

    synchronized int busy() {
        return busy;
    }

    synchronized int waiting(Urgency urgency) {
        return queue(urgency).size();
    }

    /**
     * Normal and high-urgency requests that arrived while every worker was busy, one of them with a
     * low one.
     */
    synchronized long blockedByLow() {
        return blockedByLow;
    }

    /** Their total wait, ms. */
    synchronized long blockedByLowMillis() {
        return blockedByLowMillis;
    }
}
