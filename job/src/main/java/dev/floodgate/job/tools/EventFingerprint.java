package dev.floodgate.job.tools;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Interaction;
import dev.floodgate.model.Priority;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Fixed-size fingerprints (SHA-256, cut) that let reconcile remember an event in a few bytes: the
 * event id in 128 bits (two distinct ids share it with a probability near 2^-128 per pair, so
 * counts kept per fingerprint are counts per id), the event's content in 64 bits (customer, seq,
 * channel, priority, occurrence time, body, uri: what a redelivery repeats and a different event
 * sharing the id does not), and the header a processed record repeats (customer, seq, channel,
 * priority, occurrence time) in 32 bits. Fields are length-prefixed, so no two field lists hash the
 * same bytes. One instance per thread: it reuses a digest.
 */
final class EventFingerprint {
    private final MessageDigest sha256;
    private byte[] buffer = new byte[256];
    private int length;

    EventFingerprint() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /**
     * The id's 128-bit fingerprint: the high 64 bits in {@code out[0]}, the low in {@code out[1]}.
     */
    void id(String eventId, long[] out) {
        length = 0;
        text(eventId);
        byte[] d = digest();
        out[0] = word(d, 0);
        out[1] = word(d, 8);
    }

    /** The 64-bit fingerprint of everything an event says. */
    long content(Interaction in) {
        length = 0;
        header0(in.customerId, in.seq, in.channel, in.priority, in.occurredAt);
        text(in.body);
        text(in.uri);
        return word(digest(), 0);
    }

    /** The 32-bit fingerprint of the fields a processed record copies from its event. */
    int header(String customerId, long seq, Channel channel, Priority priority, long occurredAt) {
        length = 0;
        header0(customerId, seq, channel, priority, occurredAt);
        return (int) (word(digest(), 0) >>> 32);
    }

    private void header0(
            String customerId, long seq, Channel channel, Priority priority, long occurredAt) {
        text(customerId);
        number(seq);
        number(channel == null ? -1 : channel.ordinal());
        number(priority == null ? -1 : priority.ordinal());
        number(occurredAt);
    }

    private void text(String s) {
        if (s == null) {
            number(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        number(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buffer, length, b.length);
        length += b.length;
    }

    private void number(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) {
            buffer[length++] = (byte) (v >>> (8 * i));
        }
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            byte[] b = new byte[Math.max(buffer.length * 2, length + more)];
            System.arraycopy(buffer, 0, b, 0, length);
            buffer = b;
        }
    }

    private byte[] digest() {
        sha256.update(buffer, 0, length);
        return sha256.digest();
    }

    private static long word(byte[] d, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = (v << 8) | (d[i] & 0xff);
        }
        return v;
    }
}
