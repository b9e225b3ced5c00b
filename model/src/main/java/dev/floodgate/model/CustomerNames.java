package dev.floodgate.model;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How log lines and tool output name a customer: by its id (only when the user asks for it, {@code
 * --log-customer-ids}), else by a pseudonym, {@code #} and the first 12 hex digits of the id's
 * HmacSHA256 under a secret key. Unlike a plain hash, a pseudonym cannot be reversed by hashing
 * every plausible id without the key. The key of {@link #pseudonymous()} is random, drawn once per
 * job submission (or tool run); it is never logged nor a job parameter, and travels only inside the
 * job's serialized graph (which the cluster's blob and HA storage hold, as they hold the job's
 * other secrets): pseudonyms are stable within that run (lines of one customer can be correlated
 * across all subtasks) and not comparable between runs.
 */
public final class CustomerNames implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String HMAC = "HmacSHA256";
    private static final int KEY_BYTES = 32;

    private final boolean plainIds;
    private final byte[] key;
    private transient Mac mac;

    private CustomerNames(boolean plainIds, byte[] key) {
        this.plainIds = plainIds;
        this.key = key;
    }

    /** Names customers by their ids. */
    public static CustomerNames plainIds() {
        return new CustomerNames(true, null);
    }

    /** Names customers by pseudonyms under a fresh random key. */
    public static CustomerNames pseudonymous() {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return new CustomerNames(false, key);
    }

    /** Names customers by pseudonyms under {@code key} (at least 16 bytes). */
    public static CustomerNames pseudonymous(byte[] key) {
        if (key == null || key.length < 16) {
            throw new IllegalArgumentException("a pseudonym key needs at least 16 bytes");
        }
        return new CustomerNames(false, key.clone());
    }

    /** {@link #plainIds()} if {@code logCustomerIds}, else {@link #pseudonymous()}. */
    public static CustomerNames of(boolean logCustomerIds) {
        return logCustomerIds ? plainIds() : pseudonymous();
    }

    public boolean plain() {
        return plainIds;
    }

    /** The customer's id, or its pseudonym. */
    public String name(String customerId) {
        if (plainIds || customerId == null) {
            return customerId;
        }
        return pseudonym(customerId);
    }

    private synchronized String pseudonym(String customerId) {
        try {
            if (mac == null) {
                mac = Mac.getInstance(HMAC);
                mac.init(new SecretKeySpec(key, HMAC));
            }
            byte[] h = mac.doFinal(customerId.getBytes(StandardCharsets.UTF_8));
            return "#" + HexFormat.of().formatHex(h, 0, 6);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has " + HMAC, e);
        }
    }

    /** Never the key. */
    @Override
    public String toString() {
        return plainIds ? "CustomerNames{plain ids}" : "CustomerNames{HMAC pseudonyms}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CustomerNames c && c.plainIds == plainIds && Arrays.equals(c.key, key);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(plainIds) * 31 + Arrays.hashCode(key);
    }
}
