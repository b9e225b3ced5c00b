package dev.floodgate.operators.process;

import dev.floodgate.model.Interaction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Coalesces the calls of one channel into requests of up to {@code batchMax} events, with at most
 * {@code maxInFlight} requests in flight (of one processor, so per channel and subtask). Like a
 * Kafka producer with {@code linger.ms} 0, it adds no latency when idle: an event that arrives
 * while fewer than {@code maxInFlight} requests are in flight is sent at once, alone; an event that
 * arrives while all are in flight waits, and when a request ends the waiting events (up to {@code
 * batchMax}, in arrival order) go out together in the next one. So batches grow only with the load,
 * and the service sees at most {@code maxInFlight} requests from here.
 *
 * <p>State: the waiting items (unbounded here; the lanes bound the events in flight per channel and
 * subtask, {@code --max-in-flight-<channel>}, and every waiting item is one of them) and the number
 * of requests in flight, guarded by this object's lock; {@code process} is called from the task
 * thread and the timeout thread, requests end on the HTTP client's threads. No timers: a waiting
 * item leaves only in the request that follows the end of one in flight.
 *
 * <p>Each event has its own future ({@link Item}): cancelling it (the lane's timeout, a close)
 * completes only that event. A waiting item that is cancelled is never sent; a sent one's answer is
 * dropped; a request whose items are all cancelled is aborted ({@code cancel(true)} on its
 * exchange, which closes the connection), so the service stops working for calls nobody waits for,
 * as with one request per event. The transport must complete every item of a request before the
 * future it returns completes; an item it leaves incomplete fails with the request's error, so no
 * future is left hanging.
 */
final class RequestCoalescer {

    /** Sends one request for {@code batch}, completing each item, in order. */
    interface Transport {
        CompletableFuture<?> send(List<Item> batch);
    }

    private final Transport transport;
    private final int batchMax;
    private final int maxInFlight;
    private final ArrayDeque<Item> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean closed;
    private final AtomicInteger requests = new AtomicInteger();

    RequestCoalescer(Transport transport, int batchMax, int maxInFlight) {
        if (batchMax < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("batchMax and maxInFlight must be at least 1");
        }
        this.transport = transport;
        this.batchMax = batchMax;
        this.maxInFlight = maxInFlight;
    }

    /** The future of {@code event}'s result: sent now, or with the next request that starts. */
    CompletableFuture<String> submit(Interaction event) {
        Item item = new Item(event);
        boolean now;
        synchronized (this) {
            if (closed) {
                item.completeExceptionally(new CancellationException("the processor is closed"));
                return item;
            }
            now = inFlight < maxInFlight;
            if (now) {
                inFlight++;
            } else {
                waiting.add(item);
            }
        }
        if (now) {
            start(List.of(item));
        }
        return item;
    }

    private void start(List<Item> batch) {
        requests.incrementAndGet();
        Request request = new Request(batch.size());
        for (Item item : batch) {
            item.attach(request);
        }
        CompletableFuture<?> exchange;
        try {
            exchange = transport.send(batch);
        } catch (RuntimeException e) {
            exchange = CompletableFuture.failedFuture(e);
        }
        request.exchange(exchange);
        exchange.whenComplete(
                (v, error) -> {
                    Throwable e =
                            error != null
                                    ? error
                                    : new IllegalStateException("no answer for the event");
                    for (Item item : batch) {
                        item.completeExceptionally(e); // a no-op for every completed item
                    }
                    next();
                });
    }

    /** A request ended: the next one takes what waits, or the slot is freed. */
    private void next() {
        List<Item> batch = new ArrayList<>(Math.min(batchMax, 16));
        synchronized (this) {
            while (batch.size() < batchMax && !waiting.isEmpty()) {
                Item item = waiting.poll();
                if (!item.isDone()) { // cancelled while waiting: never sent
                    batch.add(item);
                }
            }
            if (batch.isEmpty()) {
                inFlight--;
                return;
            }
        }
        start(batch);
    }

    /** Requests started so far. */
    int requests() {
        return requests.get();
    }

    /** Cancels what waits; requests in flight end on their own (or by their items' cancel). */
    void close() {
        List<Item> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Item item : left) {
            item.cancel(true);
        }
    }

    /** One event's call: its own future, within a request once sent. */
    static final class Item extends CompletableFuture<String> {
        final Interaction event;
        private final AtomicBoolean gone = new AtomicBoolean();
        private volatile Request request;

        Item(Interaction event) {
            this.event = event;
        }

        void attach(Request r) {
            request = r;
            if (isCancelled()) {
                r.itemGone(this);
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            Request r = request;
            if (cancelled && r != null) {
                r.itemGone(this);
            }
            return cancelled;
        }
    }

    /** A request in flight: aborted when no item of it is waited for any more. */
    static final class Request {
        private final AtomicInteger live;
        private volatile CompletableFuture<?> exchange;
        private volatile boolean abandoned;

        Request(int items) {
            live = new AtomicInteger(items);
        }

        void itemGone(Item item) {
            if (item.gone.compareAndSet(false, true) && live.decrementAndGet() == 0) {
                abandoned = true;
                CompletableFuture<?> e = exchange;
                if (e != null) {
                    e.cancel(true);
                }
            }
        }

        void exchange(CompletableFuture<?> e) {
            exchange = e;
            if (abandoned) {
                e.cancel(true);
            }
        }
    }
}
