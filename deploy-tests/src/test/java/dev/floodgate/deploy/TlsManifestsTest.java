package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 31, items 1 and 5 on Kubernetes: both FlinkDeployments turn on TLS for internal traffic and
 * mutual TLS for the REST API, from stores on Secrets that k8s/tls.yaml's cert-manager Certificates
 * write, mounted read-only; every store password is the apply-time placeholder, never a literal;
 * each job trusts only its own internal CA; the REST CA issues only the servers', the operator's
 * and the people's certificates. (No Kubernetes cluster here: this proves what the manifests say,
 * not that cert-manager or the operator act on it.)
 */
class TlsManifestsTest {
    static final String PLACEHOLDER = "${FLOODGATE_FLINK_TLS_PASSWORD}";

    static final Map<String, String> STORES =
            Map.of(
                    "security.ssl.internal.keystore", "/opt/floodgate/tls/internal/keystore.p12",
                    "security.ssl.internal.truststore",
                            "/opt/floodgate/tls/internal/truststore.p12",
                    "security.ssl.rest.keystore", "/opt/floodgate/tls/rest/keystore.p12",
                    "security.ssl.rest.truststore", "/opt/floodgate/tls/rest/truststore.p12");

    static final List<String> PASSWORD_KEYS =
            List.of(
                    "security.ssl.internal.keystore-password",
                    "security.ssl.internal.key-password",
                    "security.ssl.internal.truststore-password",
                    "security.ssl.rest.keystore-password",
                    "security.ssl.rest.key-password",
                    "security.ssl.rest.truststore-password");

    /** The cert-manager resources of k8s/tls.yaml by kind/name. */
    static Map<String, JsonNode> tlsResources() {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode doc : Manifests.documents(Manifests.k8s("tls.yaml"))) {
            assertThat(doc.path("apiVersion").asText()).isEqualTo("cert-manager.io/v1");
            assertThat(doc.path("metadata").path("namespace").asText()).isEqualTo("floodgate");
            byName.put(
                    doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText(),
                    doc);
        }
        return byName;
    }

    /** The Certificate whose Secret is {@code secretName}. */
    static JsonNode certificateFor(String secretName) {
        return tlsResources().values().stream()
                .filter(d -> d.path("kind").asText().equals("Certificate"))
                .filter(d -> d.path("spec").path("secretName").asText().equals(secretName))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Certificate writes " + secretName));
    }

    /** The secretName of the pod template's Secret volume mounted at {@code mountPath}. */
    static String secretMountedAt(JsonNode deployment, String mountPath) {
        JsonNode spec = deployment.path("spec").path("podTemplate").path("spec");
        String volume = null;
        for (JsonNode c : spec.path("containers")) {
            for (JsonNode m : c.path("volumeMounts")) {
                if (m.path("mountPath").asText().equals(mountPath)) {
                    assertThat(m.path("readOnly").asBoolean()).as(mountPath).isTrue();
                    volume = m.path("name").asText();
                }
            }
        }
        assertThat(volume).as("a volume mounted at " + mountPath).isNotNull();
        for (JsonNode v : spec.path("volumes")) {
            if (v.path("name").asText().equals(volume)) {
                assertThat(v.path("secret").path("defaultMode").asInt()).as(volume).isEqualTo(0400);
                return v.path("secret").path("secretName").asText();
            }
        }
        throw new AssertionError("no volume " + volume);
    }

    @ParameterizedTest
    @ValueSource(strings = {"live", "backfill"})
    void internalTrafficIsTlsAndRestIsMutualTls(String job) {
        JsonNode d = Manifests.document(Manifests.k8s(job + "-job.yaml"));
        Map<String, String> conf = Manifests.flinkConfiguration(d);
        assertThat(conf)
                .containsEntry("security.ssl.internal.enabled", "true")
                .containsEntry("security.ssl.rest.enabled", "true")
                .containsEntry("security.ssl.rest.authentication-enabled", "true")
                .containsAllEntriesOf(STORES);
        for (String key : PASSWORD_KEYS) {
            assertThat(conf).as(key).containsEntry(key, PLACEHOLDER);
        }
        // no other key mentions a password (a literal one would be a secret in git)
        assertThat(conf.keySet().stream().filter(k -> k.contains("password")))
                .containsExactlyInAnyOrderElementsOf(PASSWORD_KEYS);

        // the stores are the job's own cert-manager Secrets, PKCS12 under the password Secret
        String internal = secretMountedAt(d, "/opt/floodgate/tls/internal");
        String rest = secretMountedAt(d, "/opt/floodgate/tls/rest");
        assertThat(internal).isEqualTo("floodgate-" + job + "-internal-tls");
        assertThat(rest).isEqualTo("floodgate-" + job + "-rest-tls");
        for (String secret : List.of(internal, rest)) {
            JsonNode p12 = certificateFor(secret).path("spec").path("keystores").path("pkcs12");
            assertThat(p12.path("create").asBoolean()).as(secret).isTrue();
            assertThat(p12.path("passwordSecretRef").path("name").asText())
                    .isEqualTo("floodgate-flink-tls-password");
        }
        // internal: this job's CA alone; REST: the shared REST CA, with the service's names
        assertThat(issuer(certificateFor(internal))).isEqualTo("floodgate-" + job + "-internal-ca");
        JsonNode restCert = certificateFor(rest).path("spec");
        assertThat(issuer(certificateFor(rest))).isEqualTo("floodgate-rest-ca");
        List<String> names = new ArrayList<>();
        restCert.path("dnsNames").forEach(n -> names.add(n.asText()));
        assertThat(names).contains("floodgate-" + job + "-rest.floodgate.svc", "localhost");
        // the TaskManagers mount it too (one pod template): it must not work as a client
        // certificate
        assertThat(usages(certificateFor(rest)))
                .contains("server auth")
                .doesNotContain("client auth");
    }

    @Test
    void eachJobHasItsOwnInternalCaAndTheRestCaIssuesOnlyTheKnownCertificates() {
        Map<String, JsonNode> r = tlsResources();
        for (String ca :
                List.of(
                        "floodgate-live-internal-ca",
                        "floodgate-backfill-internal-ca",
                        "floodgate-rest-ca")) {
            JsonNode cert = r.get("Certificate/" + ca);
            assertThat(cert).as(ca).isNotNull();
            assertThat(cert.path("spec").path("isCA").asBoolean()).isTrue();
            assertThat(r.get("Issuer/" + ca).path("spec").path("ca").path("secretName").asText())
                    .isEqualTo(cert.path("spec").path("secretName").asText());
        }
        Map<String, Set<String>> issued = new LinkedHashMap<>();
        for (JsonNode d : r.values()) {
            if (d.path("kind").asText().equals("Certificate")) {
                issued.computeIfAbsent(issuer(d), k -> new TreeSet<>())
                        .add(d.path("metadata").path("name").asText());
            }
        }
        assertThat(issued.get("floodgate-live-internal-ca"))
                .containsExactly("floodgate-live-internal");
        assertThat(issued.get("floodgate-backfill-internal-ca"))
                .containsExactly("floodgate-backfill-internal");
        assertThat(issued.get("floodgate-rest-ca"))
                .containsExactlyInAnyOrder(
                        "floodgate-live-rest",
                        "floodgate-backfill-rest",
                        "floodgate-operator-rest-client",
                        "floodgate-rest-admin");
        // The operator's Helm chart mounts keystore.jks and truststore.jks (tls.create)
        JsonNode operator = r.get("Certificate/floodgate-operator-rest-client").path("spec");
        assertThat(operator.path("keystores").path("jks").path("create").asBoolean()).isTrue();
        assertThat(usages(r.get("Certificate/floodgate-operator-rest-client")))
                .containsExactly("client auth");
        assertThat(usages(r.get("Certificate/floodgate-rest-admin")))
                .containsExactly("client auth");
    }

    @Test
    void noLiteralPasswordInTheTlsManifests() throws Exception {
        for (String file : List.of("tls.yaml", "live-job.yaml", "backfill-job.yaml")) {
            for (String line : java.nio.file.Files.readAllLines(Manifests.k8s(file))) {
                String code = line.replaceFirst("#.*", "");
                if (code.matches("\\s*[\\w.-]*password[\\w.-]*:\\s*\\S.*")) {
                    // quoted: whatever the password, YAML reads a string
                    assertThat(code.trim()).as(file).endsWith("\"" + PLACEHOLDER + "\"");
                }
            }
        }
    }

    private static List<String> usages(JsonNode certificate) {
        List<String> u = new ArrayList<>();
        certificate.path("spec").path("usages").forEach(n -> u.add(n.asText()));
        return u;
    }

    private static String issuer(JsonNode certificate) {
        JsonNode ref = certificate.path("spec").path("issuerRef");
        assertThat(ref.path("kind").asText()).isEqualTo("Issuer");
        return ref.path("name").asText();
    }
}
