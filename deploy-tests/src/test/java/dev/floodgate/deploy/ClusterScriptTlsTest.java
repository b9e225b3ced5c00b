package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key material {@code scripts/cluster.sh} makes for a cluster ({@code cluster.sh tls}, what
 * {@code start} runs first), with the JDK's real keytool behind a wrapper on the PATH that records
 * its arguments: every file the user's alone, the stores open with the password of its file, the
 * REST certificate names 127.0.0.1, and the password is on no keytool command line. The running
 * cluster's side is {@code StandaloneClusterITCase.restIsMutualTlsAndInternalTrafficIsTls}.
 */
class ClusterScriptTlsTest {
    @TempDir Path dir;

    @Test
    void keyMaterialIsPrivateOpensWithItsPasswordAndThePasswordIsOnNoCommandLine()
            throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("keytool-calls");
        Path keytool = bin.resolve("keytool");
        String realKeytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Files.writeString(
                keytool,
                "#!/usr/bin/env bash\n"
                        + "printf '%s\\n' \"$@\" >> \""
                        + calls
                        + "\"\n"
                        + "exec '"
                        + realKeytool
                        + "' \"$@\"\n");
        Files.setPosixFilePermissions(keytool, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path cluster = dir.resolve("cluster");

        ProcessBuilder pb =
                new ProcessBuilder(
                                "bash",
                                Manifests.root().resolve("scripts/cluster.sh").toString(),
                                "tls")
                        .redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("FLOODGATE_CLUSTER_DIR", cluster.toString());
        pb.environment().put("FLOODGATE_DEPS_DIR", dir.resolve("deps").toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();

        Path tls = cluster.resolve("tls");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls)))
                .isEqualTo("rwx------");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(tls)) {
            s.forEach(files::add);
        }
        assertThat(files)
                .extracting(f -> f.getFileName().toString())
                .contains(
                        "internal.p12",
                        "internal-trust.p12",
                        "rest.p12",
                        "rest-trust.p12",
                        "rest.pem",
                        "curl.conf",
                        "store-password");
        for (Path f : files) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                    .as("%s", f)
                    .isEqualTo("rw-------");
        }

        String password = Files.readString(tls.resolve("store-password")).trim();
        assertThat(password).matches("[0-9a-f]{64}");
        KeyStore rest = load(tls.resolve("rest.p12"), password);
        assertThat(rest.isKeyEntry("flink.rest")).isTrue();
        X509Certificate cert = (X509Certificate) rest.getCertificate("flink.rest");
        assertThat(cert.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .contains("127.0.0.1", "localhost");
        assertThat(load(tls.resolve("rest-trust.p12"), password).getCertificate("flink.rest"))
                .isEqualTo(cert);
        KeyStore internal = load(tls.resolve("internal.p12"), password);
        assertThat(internal.isKeyEntry("flink.internal")).isTrue();
        assertThat(internal.getCertificate("flink.internal")).isNotEqualTo(cert);
        assertThat(
                        load(tls.resolve("internal-trust.p12"), password)
                                .getCertificate("flink.internal"))
                .isEqualTo(internal.getCertificate("flink.internal"));

        // keytool ran, and read the password from its file every time
        List<String> keytoolArgs = Files.readAllLines(calls);
        assertThat(keytoolArgs).contains("-storepass:file").doesNotContain("-storepass");
        assertThat(String.join("\n", keytoolArgs)).doesNotContain(password);
        assertThat(output).doesNotContain(password);
        // curl gets it from its config file (-K), not from its command line
        assertThat(Files.readString(tls.resolve("curl.conf")))
                .contains("cert-type = P12")
                .contains("rest.p12:" + password);

        // a second run keeps the material (a running cluster's clients keep working)
        byte[] before = Files.readAllBytes(tls.resolve("rest.p12"));
        Process again = pb.start();
        again.getInputStream().readAllBytes();
        assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllBytes(tls.resolve("rest.p12"))).isEqualTo(before);
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }
}
