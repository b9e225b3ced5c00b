package dev.floodgate.testkit.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for a TLS broker (or any TLS test server on 127.0.0.1), made with the JDK's {@code
 * keytool} the way an operator makes them: a test CA; the broker's key and certificate signed by
 * it, with the SAN {@code IP:127.0.0.1} (clients verify the host); a client truststore holding the
 * CA; a client key and certificate for mutual TLS; and a second CA the broker's certificate is not
 * signed by, with its own truststore, for the untrusted-certificate case. All stores are PKCS12
 * with one password.
 */
public final class TestCertificates {
    private final Path dir;
    private final String password;

    private TestCertificates(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** Makes every store in {@code dir}; about a second with EC keys. */
    public static TestCertificates create(Path dir, String password)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestCertificates c = new TestCertificates(dir, password);
        c.authority("ca", "CN=floodgate-test-ca");
        c.authority("other-ca", "CN=some-other-ca");
        c.signed("broker", "CN=127.0.0.1", "SAN=IP:127.0.0.1,DNS:localhost", "serverAuth");
        c.signed("client", "CN=floodgate", null, "clientAuth");
        c.keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                c.file("ca.pem"),
                "-keystore",
                c.file("truststore.p12"),
                "-storetype",
                "PKCS12");
        c.keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                c.file("other-ca.pem"),
                "-keystore",
                c.file("untrusted-truststore.p12"),
                "-storetype",
                "PKCS12");
        return c;
    }

    /** The store password (all stores). */
    public String password() {
        return password;
    }

    /** The broker's key and certificate chain (signed by the test CA). */
    public Path brokerKeystore() {
        return dir.resolve("broker.p12");
    }

    /** The client's key and certificate chain for mutual TLS (signed by the test CA). */
    public Path clientKeystore() {
        return dir.resolve("client.p12");
    }

    /** Trusts the test CA: the broker's certificate verifies. */
    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    /** The test CA's certificate in PEM: a truststore in the other form services use. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** Trusts only another CA: the broker's certificate does not verify. */
    public Path untrustedTruststore() {
        return dir.resolve("untrusted-truststore.p12");
    }

    private void authority(String alias, String dname) throws IOException, InterruptedException {
        keytool(
                "-genkeypair",
                "-alias",
                alias,
                "-dname",
                dname,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-validity",
                "2",
                "-ext",
                "bc:c",
                "-keystore",
                file(alias + ".p12"),
                "-storetype",
                "PKCS12");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                alias,
                "-keystore",
                file(alias + ".p12"),
                "-file",
                file(alias + ".pem"));
    }

    private void signed(String alias, String dname, String san, String usage)
            throws IOException, InterruptedException {
        String store = file(alias + ".p12");
        keytool(
                "-genkeypair",
                "-alias",
                alias,
                "-dname",
                dname,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-validity",
                "2",
                "-keystore",
                store,
                "-storetype",
                "PKCS12");
        keytool("-certreq", "-alias", alias, "-keystore", store, "-file", file(alias + ".csr"));
        List<String> gencert =
                new ArrayList<>(
                        List.of(
                                "-gencert",
                                "-rfc",
                                "-alias",
                                "ca",
                                "-keystore",
                                file("ca.p12"),
                                "-infile",
                                file(alias + ".csr"),
                                "-outfile",
                                file(alias + ".pem"),
                                "-validity",
                                "2",
                                "-ext",
                                "KU=digitalSignature,keyAgreement",
                                "-ext",
                                "EKU=" + usage));
        if (san != null) {
            gencert.add("-ext");
            gencert.add(san);
        }
        keytool(gencert.toArray(String[]::new));
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                file("ca.pem"),
                "-keystore",
                store);
        keytool("-importcert", "-alias", alias, "-file", file(alias + ".pem"), "-keystore", store);
    }

    private String file(String name) {
        return dir.resolve(name).toString();
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", password));
        if (args[0].equals("-genkeypair")) {
            cmd.addAll(List.of("-keypass", password));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroy();
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }
}
