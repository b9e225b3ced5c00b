package dev.floodgate.operators.process;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A deterministic simulation of a service with {@code workers} workers behind one FIFO queue (the
 * testkit's {@code CapacityLimitedService} in simulated time), called by clients (subtasks) that
 * each keep as many calls in flight as their {@link ConcurrencyLimit} allows, with an endless
 * backlog. Time is in milliseconds, as the lanes see it; each call takes {@code serviceMillis}
 * (plus an optional seeded jitter) once a worker takes it.
 */
final class SimulatedFifoService {
    /** One subtask's lane: its limit and its calls in flight. */
    static final class Client {
        final ConcurrencyLimit limit;
        int inFlight;
        long answers;

        /** Calls whose answer fails (a 503 or a timeout), until this time. */
        long failUntil = Long.MIN_VALUE;

        /** Calls in flight at most, if the client has less traffic than its limit. */
        int demand = Integer.MAX_VALUE;

        Client(ConcurrencyLimit limit) {
            this.limit = limit;
        }
    }

    private record Call(Client client, long startedAt, long seq) {}

    private record Done(long at, long seq, Call call) {}

    final List<Client> clients = new ArrayList<>();
    int workers;
    long serviceMillis;
    private final Random jitter;
    private final double jitterShare;
    private final ArrayDeque<Call> queue = new ArrayDeque<>();
    private final PriorityQueue<Done> running =
            new PriorityQueue<>(
                    (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private int busy;
    private long seq;
    long now;
    long busyMillis;

    SimulatedFifoService(int workers, long serviceMillis, double jitterShare, long seed) {
        this.workers = workers;
        this.serviceMillis = serviceMillis;
        this.jitterShare = jitterShare;
        this.jitter = new Random(seed);
    }

    Client client(ConcurrencyLimit limit) {
        Client c = new Client(limit);
        clients.add(c);
        return c;
    }

    /** Runs until {@code until}, calling {@code every} each simulated {@code stepMillis}. */
    void runUntil(long until, long stepMillis, Runnable every) {
        long nextStep = now;
        fill();
        while (now < until) {
            Done next = running.peek();
            long t = next == null ? until : Math.min(next.at, until);
            while (nextStep <= t && nextStep < until) {
                advance(nextStep);
                every.run();
                nextStep += stepMillis;
            }
            advance(t);
            while (!running.isEmpty() && running.peek().at <= now) {
                finish(running.poll().call);
            }
            fill();
        }
    }

    private void advance(long t) {
        busyMillis += (long) busy * (t - now);
        now = t;
    }

    private void finish(Call call) {
        busy--;
        Client c = call.client;
        c.inFlight--;
        if (now < c.failUntil) {
            c.limit.failed(now);
        } else {
            c.answers++;
            c.limit.answered(now - call.startedAt, c.inFlight, now);
        }
        while (busy < workers && !queue.isEmpty()) {
            take(queue.poll());
        }
    }

    private void fill() {
        boolean any = true;
        while (any) {
            any = false;
            for (Client c : clients) {
                if (c.inFlight < Math.min(c.demand, c.limit.limit(now))) {
                    c.inFlight++;
                    Call call = new Call(c, now, seq++);
                    if (busy < workers) {
                        take(call);
                    } else {
                        queue.add(call);
                    }
                    any = true;
                }
            }
        }
    }

    private void take(Call call) {
        busy++;
        long s = serviceMillis;
        if (jitterShare > 0) {
            s = Math.max(0, Math.round(s * (1 + jitterShare * (2 * jitter.nextDouble() - 1))));
        }
        running.add(new Done(now + Math.max(1, s), seq++, call));
    }

    /** Calls in flight at most in the service per client's limit, summed. */
    int sumOfLimits() {
        int sum = 0;
        for (Client c : clients) {
            sum += c.limit.limit(now);
        }
        return sum;
    }

    int queued() {
        return queue.size();
    }
}
