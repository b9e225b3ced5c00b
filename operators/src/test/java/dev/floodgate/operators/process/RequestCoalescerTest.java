package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import dev.floodgate.testing.ShedEvents;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The coalescing policy of {@link RequestCoalescer}, step by step with a transport whose requests
 * end when the test says: which events go in which request, when, and what a cancel or a failed
 * request does to the neighbours. The HTTP side (bodies, answers, failures per item and per
 * request) is {@code BatchingHttpProcessorTest}'s, against a real server.
 */
class RequestCoalescerTest {

    /** A transport that records each request and ends it on {@link #answer} or {@link #fail}. */
    private static final class HeldRequests implements RequestCoalescer.Transport {
        final List<List<RequestCoalescer.Item>> sent = new ArrayList<>();
        final List<CompletableFuture<Void>> exchanges = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<?> send(List<RequestCoalescer.Item> batch) {
            sent.add(List.copyOf(batch));
            CompletableFuture<Void> exchange = new CompletableFuture<>();
            exchanges.add(exchange);
            return exchange;
        }

        /** Answers request {@code i}: each item's result is its event id. */
        void answer(int i) {
            for (RequestCoalescer.Item item : sent.get(i)) {
                item.complete("result of " + item.event.eventId);
            }
            exchanges.get(i).complete(null);
        }

        void fail(int i, Throwable error) {
            exchanges.get(i).completeExceptionally(error);
        }

        List<String> ids(int i) {
            return sent.get(i).stream().map(x -> x.event.eventId).collect(Collectors.toList());
        }
    }

    private static Interaction event(int seq) {
        return ShedEvents.event("c", seq, Channel.CHAT, Priority.NORMAL, 1);
    }

    @Test
    void anIdleChannelSendsAtOnceAndWhatArrivesMeanwhileGoesTogetherInOrder() {
        HeldRequests t = new HeldRequests();
        RequestCoalescer c = new RequestCoalescer(t, 3, 2);
        List<CompletableFuture<String>> f = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            f.add(c.submit(event(i)));
        }
        // two slots: events 1 and 2 went at once, alone; 3..7 wait
        assertThat(t.sent).hasSize(2);
        assertThat(t.ids(0)).containsExactly("c-1");
        assertThat(t.ids(1)).containsExactly("c-2");

        t.answer(0); // a slot frees: the next three waiting go together
        assertThat(t.ids(2)).containsExactly("c-3", "c-4", "c-5");
        t.answer(1);
        assertThat(t.ids(3)).containsExactly("c-6", "c-7");
        t.answer(2);
        t.answer(3);
        assertThat(t.sent).as("nothing waits: no request without events").hasSize(4);
        for (int i = 0; i < 7; i++) {
            assertThat(f.get(i)).isCompletedWithValue("result of c-" + (i + 1));
        }

        // both slots are free again: the next event is sent at once
        CompletableFuture<String> later = c.submit(event(8));
        assertThat(t.ids(4)).containsExactly("c-8");
        t.answer(4);
        assertThat(later).isCompletedWithValue("result of c-8");
        assertThat(c.requests()).isEqualTo(5);
    }

    @Test
    void aCancelledEventIsNeverSentWhileWaitingAndItsNeighboursAreServed() {
        HeldRequests t = new HeldRequests();
        RequestCoalescer c = new RequestCoalescer(t, 8, 1);
        CompletableFuture<String> first = c.submit(event(1));
        CompletableFuture<String> second = c.submit(event(2));
        CompletableFuture<String> third = c.submit(event(3));
        CompletableFuture<String> fourth = c.submit(event(4));

        assertThat(third.cancel(true)).isTrue(); // waiting: the lane's timeout
        t.answer(0);
        assertThat(t.ids(1)).as("the cancelled event is not sent").containsExactly("c-2", "c-4");

        assertThat(second.cancel(true)).isTrue(); // sent, with a neighbour
        assertThat(t.exchanges.get(1)).as("its neighbour still waits for it").isNotCancelled();
        t.answer(1);
        assertThat(first).isCompletedWithValue("result of c-1");
        assertThat(second).isCancelled();
        assertThat(fourth).isCompletedWithValue("result of c-4");
    }

    @Test
    void aRequestWhoseEventsAreAllCancelledIsAbortedAndTheSlotGoesOn() {
        HeldRequests t = new HeldRequests();
        RequestCoalescer c = new RequestCoalescer(t, 8, 1);
        CompletableFuture<String> first = c.submit(event(1));
        CompletableFuture<String> waiting = c.submit(event(2));

        first.cancel(true);
        assertThat(t.exchanges.get(0)).as("aborted: nobody waits for it").isCancelled();
        assertThat(t.ids(1)).containsExactly("c-2");
        t.answer(1);
        assertThat(waiting).isCompletedWithValue("result of c-2");
    }

    @Test
    void aFailedRequestFailsEachOfItsEventsAndOnlyThem() {
        HeldRequests t = new HeldRequests();
        RequestCoalescer c = new RequestCoalescer(t, 8, 1);
        CompletableFuture<String> first = c.submit(event(1));
        CompletableFuture<String> second = c.submit(event(2));
        CompletableFuture<String> third = c.submit(event(3));

        IOException reset = new IOException("connection reset");
        t.fail(0, reset);
        assertThat(first).isCompletedExceptionally();
        assertThat(first.handle((v, e) -> e).join()).isSameAs(reset);
        assertThat(t.ids(1)).containsExactly("c-2", "c-3");
        t.answer(1);
        assertThat(second).isCompletedWithValue("result of c-2");
        assertThat(third).isCompletedWithValue("result of c-3");
    }

    @Test
    void aTransportThatThrowsFailsTheRequestsEventsAndFreesTheSlot() {
        List<Integer> sizes = new ArrayList<>();
        RequestCoalescer c =
                new RequestCoalescer(
                        batch -> {
                            sizes.add(batch.size());
                            throw new IllegalStateException("cannot build the request");
                        },
                        8,
                        1);
        CompletableFuture<String> a = c.submit(event(1));
        CompletableFuture<String> b = c.submit(event(2));
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(sizes).containsExactly(1, 1);
    }

    @Test
    void closingCancelsWhatWaitsAndRefusesNewEvents() {
        HeldRequests t = new HeldRequests();
        RequestCoalescer c = new RequestCoalescer(t, 8, 1);
        CompletableFuture<String> sent = c.submit(event(1));
        CompletableFuture<String> waiting = c.submit(event(2));
        c.close();
        assertThat(waiting).isCancelled();
        assertThat(c.submit(event(3))).isCompletedExceptionally();
        t.answer(0);
        assertThat(sent).isCompletedWithValue("result of c-1");
        assertThat(t.sent).hasSize(1);
    }
}
