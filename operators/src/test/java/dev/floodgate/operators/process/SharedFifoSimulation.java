package dev.floodgate.operators.process;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongToDoubleFunction;

/**
 * A discrete-event simulation (1 ms resolution) of one shared service in front of two clients: a
 * FIFO queue served by {@code workers} workers, each call taking {@code serviceMillis} (plus up to
 * 10% jitter), as the testkit's {@code CapacityLimitedService} and a GPU pool with a queue do. The
 * live client sends Poisson arrivals at {@code liveRate(t)} calls/s with at most {@code
 * liveMaxInFlight} in flight (the live lane's ceiling; what exceeds it is shed, never queued here).
 * The backfill client has an endless backlog and starts calls while its {@link ConcurrencyLimit}
 * allows, as {@link ProcessInLanes} does: after each answer, and at {@link
 * ConcurrencyLimit#resumeAt} when paused with nothing in flight. Completions are counted per second
 * of simulated time.
 */
final class SharedFifoSimulation {
    private record Call(boolean live, long startedAt) {}

    private record Event(long at, int kind, Call call) {}

    private static final int ARRIVAL = 0;
    private static final int DONE = 1;
    private static final int WAKE = 2;
    private static final int LOOK = 3;

    final int[] liveDone;
    final int[] drainDone;
    final long[] liveLatencySum;
    final long[] liveLatencyMax;
    int maxDrainInFlight;

    private final int workers;
    private final long serviceMillis;
    private final int liveMaxInFlight;
    private final LongToDoubleFunction liveRate;
    private final ConcurrencyLimit limit;
    private final Random random = new Random(7);
    private final PriorityQueue<Event> events =
            new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final ArrayDeque<Call> queue = new ArrayDeque<>();
    private int busy;
    private int liveInFlight;
    private int drainInFlight;
    private boolean wakeScheduled;

    SharedFifoSimulation(
            int workers,
            long serviceMillis,
            int liveMaxInFlight,
            LongToDoubleFunction liveRatePerSecond,
            ConcurrencyLimit limit,
            int seconds) {
        this.workers = workers;
        this.serviceMillis = serviceMillis;
        this.liveMaxInFlight = liveMaxInFlight;
        this.liveRate = liveRatePerSecond;
        this.limit = limit;
        liveDone = new int[seconds];
        drainDone = new int[seconds];
        liveLatencySum = new long[seconds];
        liveLatencyMax = new long[seconds];
    }

    /** Capacity of the service in calls per second. */
    double capacity() {
        return workers * 1000.0 / serviceMillis;
    }

    SharedFifoSimulation run() {
        long end = liveDone.length * 1000L;
        events.add(new Event(0, LOOK, null));
        pumpDrain(0);
        while (!events.isEmpty() && events.peek().at < end) {
            Event e = events.poll();
            switch (e.kind) {
                case ARRIVAL -> {
                    if (liveInFlight < liveMaxInFlight) {
                        liveInFlight++;
                        submit(new Call(true, e.at), e.at);
                    }
                    nextArrival(e.at);
                }
                case LOOK -> nextArrival(e.at);
                case DONE -> done(e.call, e.at);
                case WAKE -> {
                    wakeScheduled = false;
                    pumpDrain(e.at);
                }
                default -> throw new IllegalStateException("event " + e.kind);
            }
        }
        return this;
    }

    /** The next live arrival after {@code now}; without live load, looks again in 100 ms. */
    private void nextArrival(long now) {
        double rate = liveRate.applyAsDouble(now);
        if (rate <= 0) {
            events.add(new Event(now + 100, LOOK, null));
            return;
        }
        double gap = -Math.log(1 - random.nextDouble()) * 1000 / rate;
        events.add(new Event(now + Math.max(1, Math.round(gap)), ARRIVAL, null));
    }

    private void submit(Call call, long now) {
        if (busy < workers) {
            busy++;
            events.add(new Event(now + serviceTime(), DONE, call));
        } else {
            queue.add(call);
        }
    }

    private long serviceTime() {
        return serviceMillis + random.nextInt((int) Math.max(1, serviceMillis / 10));
    }

    private void done(Call call, long now) {
        int second = (int) (now / 1000);
        long latency = now - call.startedAt;
        Call next = queue.poll();
        if (next == null) {
            busy--;
        } else {
            events.add(new Event(now + serviceTime(), DONE, next));
        }
        if (call.live) {
            liveInFlight--;
            liveDone[second]++;
            liveLatencySum[second] += latency;
            liveLatencyMax[second] = Math.max(liveLatencyMax[second], latency);
        } else {
            drainInFlight--;
            drainDone[second]++;
            limit.answered(latency, drainInFlight, now);
            pumpDrain(now);
        }
    }

    private void pumpDrain(long now) {
        while (drainInFlight < limit.limit(now)) {
            drainInFlight++;
            maxDrainInFlight = Math.max(maxDrainInFlight, drainInFlight);
            submit(new Call(false, now), now);
        }
        if (drainInFlight == 0 && !wakeScheduled) {
            wakeScheduled = true;
            events.add(new Event(Math.max(now + 1, limit.resumeAt(now)), WAKE, null));
        }
    }

    /** The backfill's calls per second over seconds [from, to). */
    double drainRate(int from, int to) {
        return sum(drainDone, from, to) / (double) (to - from);
    }

    /** The backfill's share of the service's completions over seconds [from, to). */
    double drainShare(int from, int to) {
        double d = sum(drainDone, from, to);
        double l = sum(liveDone, from, to);
        return d + l == 0 ? 0 : d / (d + l);
    }

    /** Mean latency of the live calls completed in seconds [from, to). */
    double liveMeanLatency(int from, int to) {
        long s = 0;
        for (int i = from; i < to; i++) {
            s += liveLatencySum[i];
        }
        return s / (double) Math.max(1, sum(liveDone, from, to));
    }

    /** The longest live call completed in seconds [from, to). */
    long liveMaxLatency(int from, int to) {
        long m = 0;
        for (int i = from; i < to; i++) {
            m = Math.max(m, liveLatencyMax[i]);
        }
        return m;
    }

    private static long sum(int[] a, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s;
    }
}
