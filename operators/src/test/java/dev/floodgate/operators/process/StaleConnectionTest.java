package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import dev.floodgate.testing.ShedEvents;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StaleConnections} through {@link HttpEventProcessor}, against a real HTTP/1.1 server on a
 * socket that closes a kept-alive connection when the client reuses it, without answering and
 * without having said {@code Connection: close}: what a server over its cap of idle connections or
 * past its idle timeout does in the instant the client picks the connection again.
 */
@Timeout(30)
class StaleConnectionTest {
    private ClosingServer server;
    private HttpEventProcessor processor;

    @AfterEach
    void close() throws Exception {
        if (processor != null) {
            processor.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aCallOnAConnectionClosedBeforeItsAnswerIsSentAgainOnANewOne() throws Exception {
        server = new ClosingServer(1);
        processor = HttpEventProcessor.forBaseUri(server.base(), Duration.ofSeconds(5), "v1");
        processor.open();
        for (int seq = 1; seq <= 3; seq++) {
            String result =
                    processor
                            .process(ShedEvents.event("c1", seq, Channel.VOICE, Priority.LOW, 1))
                            .get();
            assertThat(result).isEqualTo(ClosingServer.RESULT);
        }
        // calls 2 and 3 each found the connection of the call before closed on reuse, once
        assertThat(processor.staleConnectionResends()).isEqualTo(2);
        assertThat(server.connections.get()).isEqualTo(3);
        assertThat(server.answered.get()).isEqualTo(3);
        assertThat(server.closedUnanswered.get()).isEqualTo(2);
    }

    @Test
    void aBatchIsSentAgainTheSameWay() throws Exception {
        server = new ClosingServer(1);
        processor =
                HttpEventProcessor.forBaseUri(server.base(), Duration.ofSeconds(5), "v1")
                        .batching(8, 1);
        processor.open();
        for (int seq = 1; seq <= 3; seq++) {
            assertThat(
                            processor
                                    .process(
                                            ShedEvents.event(
                                                    "c1", seq, Channel.CHAT, Priority.LOW, 1))
                                    .get())
                    .isEqualTo("processed"); // the item's result
        }
        assertThat(processor.staleConnectionResends()).isEqualTo(2);
    }

    @Test
    void aServerThatNeverAnswersFailsTheCallAfterTheResends() throws Exception {
        server = new ClosingServer(0);
        callFailsClosedBeforeAnswer();
        // the first send and MAX_RESENDS more, then the lanes' retries decide
        assertThat(server.closedUnanswered.get()).isEqualTo(1 + StaleConnections.MAX_RESENDS);
        assertThat(processor.staleConnectionResends()).isEqualTo(StaleConnections.MAX_RESENDS);
    }

    /**
     * A request the service read and worked on before the connection dropped (a crash, a proxy's
     * timeout) is the service's failure: it is not sent again here, the lanes' retries decide.
     */
    @Test
    void aConnectionDroppedAfterTheServiceWorkedOnTheRequestIsNotResent() throws Exception {
        server = new ClosingServer(0, StaleConnections.WITHIN.toMillis() + 500);
        callFailsClosedBeforeAnswer();
        assertThat(server.closedUnanswered.get()).isEqualTo(1);
        assertThat(processor.staleConnectionResends()).isZero();
    }

    /** One call to {@link #server}: it fails, its connection closed before an answer. */
    private void callFailsClosedBeforeAnswer() throws Exception {
        processor = HttpEventProcessor.forBaseUri(server.base(), Duration.ofSeconds(5), "v1");
        processor.open();
        var call = processor.process(ShedEvents.event("c1", 1, Channel.VOICE, Priority.LOW, 1));
        try {
            call.get();
            throw new AssertionError("answered");
        } catch (ExecutionException e) {
            assertThat(StaleConnections.closedBeforeAnswer(e.getCause())).isTrue();
        }
    }

    /**
     * Answers the first {@code answeredPerConnection} requests of each connection (200, a small
     * JSON body, no {@code Connection: close}), then reads the next request and, after {@code
     * closeAfterMillis}, closes the connection without a byte of answer.
     */
    static final class ClosingServer implements AutoCloseable {
        static final String RESULT = "{\"result\":\"processed\"}";

        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger closedUnanswered = new AtomicInteger();
        private final ServerSocket socket;
        private final int answeredPerConnection;
        private final long closeAfterMillis;
        private final Thread acceptor;

        ClosingServer(int answeredPerConnection) throws IOException {
            this(answeredPerConnection, 0);
        }

        ClosingServer(int answeredPerConnection, long closeAfterMillis) throws IOException {
            this.answeredPerConnection = answeredPerConnection;
            this.closeAfterMillis = closeAfterMillis;
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::accept, "closing-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    Thread t = new Thread(() -> serve(s), "closing-server-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                for (int n = 0; ; n++) {
                    Request r = readRequest(in);
                    if (r == null) {
                        return; // the client closed it
                    }
                    if (n >= answeredPerConnection) {
                        sleep(closeAfterMillis);
                        closedUnanswered.incrementAndGet();
                        return;
                    }
                    String body =
                            r.batch
                                    ? "["
                                            + String.join(",", Collections.nCopies(r.items, RESULT))
                                            + "]"
                                    : RESULT;
                    byte[] b = body.getBytes(StandardCharsets.UTF_8);
                    out.write(
                            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                            + b.length
                                            + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                    out.write(b);
                    out.flush();
                    answered.incrementAndGet();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private record Request(boolean batch, int items) {}

        /** Reads one request (head and Content-Length body); null at the end of the stream. */
        private static Request readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                head.append((char) c);
            }
            String h = head.toString();
            boolean batch = h.substring(0, h.indexOf("\r\n")).contains("/batch");
            int length = 0;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return new Request(batch, count(new String(body, StandardCharsets.UTF_8)));
        }

        /**
         * The objects of a batch's JSON array (events' bodies hold no braces of their own here).
         */
        private static int count(String json) {
            int depth = 0;
            int n = 0;
            for (char c : json.toCharArray()) {
                if (c == '{' && depth++ == 0) {
                    n++;
                } else if (c == '}') {
                    depth--;
                }
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
