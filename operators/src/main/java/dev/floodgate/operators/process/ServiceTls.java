package dev.floodgate.operators.process;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS settings of the processing service call: which certificates are trusted (a truststore,
 * else the JVM's default trust) and, for a service that wants mutual TLS, the client's key and
 * certificate. Only paths and {@link SecretReference}s are kept: the stores and their passwords are
 * read by {@link #context()} where the HTTP client is built (the TaskManager), so no password
 * travels in the job graph. A truststore is PKCS12 or PEM (one or more {@code BEGIN CERTIFICATE}
 * blocks, told apart by content); a client keystore is PKCS12 whose key has the store's password.
 */
public final class ServiceTls implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String truststore;
    private final SecretReference truststorePassword;
    private final String keystore;
    private final SecretReference keystorePassword;

    private ServiceTls(
            String truststore,
            SecretReference truststorePassword,
            String keystore,
            SecretReference keystorePassword) {
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
        this.keystore = keystore;
        this.keystorePassword = keystorePassword;
    }

    /** The JVM's default trust, no client certificate. */
    public static ServiceTls jvmDefault() {
        return new ServiceTls(null, null, null, null);
    }

    /**
     * Trusts the certificates of {@code path} instead of the JVM's; {@code password} (null for a
     * PEM file or a PKCS12 store without one) opens it.
     */
    public ServiceTls withTruststore(Path path, SecretReference password) {
        return new ServiceTls(path.toString(), password, keystore, keystorePassword);
    }

    /** Presents the key and certificate of the PKCS12 store {@code path} (mutual TLS). */
    public ServiceTls withKeystore(Path path, SecretReference password) {
        if (password == null) {
            throw new IllegalArgumentException("a client keystore needs its password reference");
        }
        return new ServiceTls(truststore, truststorePassword, path.toString(), password);
    }

    /**
     * The SSL context of these settings, reading the stores and resolving their passwords now. A
     * store that cannot be read or opened is an {@link IllegalStateException} naming its path and
     * the exception's class, never a password.
     */
    public SSLContext context() {
        try {
            if (truststore == null && keystore == null) {
                // exactly the JVM's defaults (javax.net.ssl.* system properties included)
                return SSLContext.getDefault();
            }
            TrustManagerFactory trust =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            // a null store: the JVM's default trust (cacerts, javax.net.ssl.trustStore)
            trust.init(truststore == null ? null : trustStore());
            KeyManager[] keys = null;
            if (keystore != null) {
                char[] password = keystorePassword.resolve().toCharArray();
                KeyStore store = load(keystore, "PKCS12", password);
                KeyManagerFactory kmf =
                        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, password);
                keys = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "TLS of the processing service: " + e.getClass().getSimpleName());
        }
    }

    private KeyStore trustStore() throws GeneralSecurityException {
        byte[] bytes = bytes(truststore);
        if (new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.US_ASCII)
                .contains("-----BEGIN CERTIFICATE-----")) {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509")
                            .generateCertificates(new ByteArrayInputStream(bytes));
            if (certs.isEmpty()) {
                throw new IllegalStateException(
                        "the truststore " + truststore + " holds no certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            try {
                store.load(null, null);
            } catch (IOException e) {
                throw new IllegalStateException(e.getClass().getSimpleName());
            }
            int i = 0;
            for (Certificate c : certs) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            return store;
        }
        char[] password =
                truststorePassword == null ? null : truststorePassword.resolve().toCharArray();
        return load(truststore, "PKCS12", password);
    }

    private static KeyStore load(String path, String type, char[] password)
            throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = new ByteArrayInputStream(bytes(path))) {
            store.load(in, password);
        } catch (IOException e) {
            // a wrong password is an IOException too; its message names no password
            throw new IllegalStateException(
                    "cannot open the store " + path + " (" + e.getClass().getSimpleName() + ")");
        }
        return store;
    }

    private static byte[] bytes(String path) {
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Paths and references only. */
    @Override
    public String toString() {
        return "ServiceTls{truststore="
                + (truststore == null ? "jvm-default" : truststore)
                + (keystore == null ? "" : ", keystore=" + keystore)
                + "}";
    }
}
