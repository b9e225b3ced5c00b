package dev.floodgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floodgate.job.testing.CapturedLogs;
import dev.floodgate.operators.process.EventProcessor;
import dev.floodgate.operators.process.HttpEventProcessor;
import dev.floodgate.operators.process.RequestHeader;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processing service options: https required unless plaintext is asked for by name, no
 * credential in the URL, secrets only as references, and what the job parameters, the start log and
 * the shipped processor hold (references, never a secret).
 */
class ProcessorServiceTest {
    private static final String SECRET = "Bearer tok-9d2a-SECRET";

    @TempDir Path dir;

    private static FloodgateOptions live(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", "k:1"));
        all.addAll(List.of(args));
        return FloodgateOptions.fromArgs(all.toArray(String[]::new), JobKind.LIVE);
    }

    private static String refusal(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", "k:1"));
        all.addAll(List.of(args));
        try {
            Cli.parseOrExplain(all.toArray(String[]::new), JobKind.LIVE);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("the options were accepted");
    }

    @Test
    void httpIsRefusedUnlessPlaintextIsAskedForByName() {
        assertThat(refusal("--processor-url", "http://svc:8080"))
                .contains("--processor-url is http://")
                .contains("--processor-allow-plaintext");
        assertThat(
                        live("--processor-url", "http://svc:8080", "--processor-allow-plaintext")
                                .get(FloodgateOptions.PROCESSOR_ALLOW_PLAINTEXT))
                .isTrue();
        assertThat(live("--processor-url", "https://svc:8443/v1").asMap())
                .containsEntry("processor-url", "https://svc:8443/v1")
                .containsEntry("processor-allow-plaintext", "false");
        // plaintext is accepted for the text, never for the credential
        assertThat(
                        refusal(
                                "--processor-url",
                                "http://svc:8080",
                                "--processor-allow-plaintext",
                                "--processor-auth-header",
                                "Authorization",
                                "--processor-auth-secret",
                                "${file:/etc/floodgate/token}"))
                .contains("--processor-auth-secret over an http:// --processor-url");
        assertThat(refusal("--processor-url", "ftp://svc/x")).contains("not an https:// URL");
        assertThat(refusal("--processor-url", "svc:8443")).contains("not an https:// URL");
    }

    @Test
    void aCredentialInTheUrlIsRefusedWithoutBeingEchoed() {
        for (String url :
                new String[] {
                    "https://svc-user:s3cret@svc.example:8443/v1",
                    "https://svc.example:8443/v1?token=t0ken",
                    "https://svc.example:8443/v1#t0ken",
                    "https://svc-user:s3cret@svc example/v1"
                }) {
            String message = refusal("--processor-url", url);
            assertThat(message)
                    .contains("--processor-url")
                    .doesNotContain("s3cret")
                    .doesNotContain("svc-user")
                    .doesNotContain("t0ken");
        }
        assertThat(refusal("--processor-url", "https://u:s3cret@svc/v1"))
                .contains("user info")
                .contains("--processor-auth-secret");
    }

    @Test
    void aLiteralSecretIsRefusedNamingTheOptionNeverEchoed() {
        for (String option :
                new String[] {
                    "--processor-auth-secret",
                    "--processor-truststore-password",
                    "--processor-keystore-password"
                }) {
            String message =
                    refusal(
                            "--processor-url",
                            "https://svc/v1",
                            "--processor-auth-header",
                            "Authorization",
                            "--processor-keystore",
                            "/k.p12",
                            option,
                            SECRET);
            assertThat(message)
                    .contains("option " + option + " is not a reference")
                    .contains("${env:NAME}")
                    .doesNotContain("tok-9d2a");
        }
    }

    @Test
    void optionsThatGoTogetherAreRefusedApart() {
        assertThat(refusal("--processor-auth-header", "Authorization"))
                .contains("--processor-auth-header and --processor-auth-secret go together");
        assertThat(refusal("--processor-auth-secret", "${env:TOKEN}")).contains("go together");
        assertThat(refusal("--processor-keystore", "/k.p12"))
                .contains("--processor-keystore needs --processor-keystore-password");
        assertThat(
                        refusal(
                                "--processor-auth-header",
                                "Host",
                                "--processor-auth-secret",
                                "${env:TOKEN}"))
                .contains("option --processor-auth-header: the call sets Host itself");
        assertThat(
                        refusal(
                                "--processor-auth-header",
                                "Bad Header",
                                "--processor-auth-secret",
                                "${env:TOKEN}"))
                .contains("not an HTTP header name");
    }

    @Test
    void theSecretIsInNoJobParameterLogLineOrShippedProcessor() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), SECRET + "\n");
        String reference = "${file:" + token + "}";
        FloodgateOptions o =
                live(
                        "--processor-url",
                        "https://svc.example:8443/v1",
                        "--processor-auth-header",
                        "Authorization",
                        "--processor-auth-secret",
                        reference);
        assertThat(o.asMap()).containsEntry("processor-auth-secret", reference);
        assertThat(o.asGlobalJobParameters().toMap().toString()).doesNotContain("tok-9d2a");

        String logs;
        EventProcessor processor;
        try (CapturedLogs captured = CapturedLogs.start("dev.floodgate")) {
            processor = Pipeline.from(o).processor();
            logs = captured.text();
        }
        assertThat(logs)
                .contains("Processing service at https://svc.example:8443/v1")
                .contains("credential ServiceAuth{Authorization: " + reference + "}")
                .doesNotContain("tok-9d2a");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(processor);
        }
        assertThat(bytes.toString(StandardCharsets.ISO_8859_1))
                .contains(token.toString())
                .doesNotContain("tok-9d2a");
    }

    @Test
    void aSecretThatCannotBeReadStopsTheJobAtStartNamingItsReference() {
        String reference = "${file:" + dir.resolve("absent") + "}";
        FloodgateOptions o =
                live(
                        "--processor-url",
                        "https://svc.example/v1",
                        "--processor-auth-header",
                        "Authorization",
                        "--processor-auth-secret",
                        reference);
        assertThatThrownBy(() -> Pipeline.from(o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be used here")
                .hasMessageContaining(reference);
        FloodgateOptions store =
                live(
                        "--processor-url",
                        "https://svc.example/v1",
                        "--processor-truststore",
                        dir.resolve("absent.p12").toString());
        assertThatThrownBy(() -> Pipeline.from(store))
                .hasMessageContaining(dir.resolve("absent.p12").toString());
    }

    @Test
    void withoutAUrlTheJobRunsOnlyAsADryRun() {
        assertThatThrownBy(() -> Pipeline.from(live()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--processor-url is missing");
        assertThat(Pipeline.from(live("--dry-run", "true")).processor().name())
                .startsWith("passthrough");
    }

    @Test
    void theDrainPriorityHeaderIsAHeaderLineNeverACredentialAndOnlyTheBackfillSendsIt() {
        assertThat(refusal("--drain-priority-header", "Authorization: " + SECRET))
                .contains("option --drain-priority-header")
                .contains("credential")
                .doesNotContain("tok-9d2a");
        assertThat(refusal("--drain-priority-header", "Priority " + SECRET))
                .contains("option --drain-priority-header is not a header line 'Name: value'")
                .doesNotContain("tok-9d2a");
        assertThat(refusal("--drain-priority-header", "Priority: u\u0007=7"))
                .contains("control character");
        assertThat(
                        refusal(
                                "--processor-url",
                                "https://svc",
                                "--processor-auth-header",
                                "X-Token",
                                "--processor-auth-secret",
                                "${env:FLOODGATE_TOKEN}",
                                "--drain-priority-header",
                                "x-token: u=7"))
                .contains("--processor-auth-header already");
        FloodgateOptions o =
                FloodgateOptions.fromArgs(
                        new String[] {
                            "--bootstrap-servers", "k:1",
                            "--processor-url", "https://svc",
                            "--drain-priority-header", "Priority: u=7"
                        },
                        JobKind.BACKFILL);
        HttpEventProcessor backfill =
                (HttpEventProcessor) BackfillJob.backfillCalls(Pipeline.from(o), o).processor();
        assertThat(backfill.headers()).containsExactly(new RequestHeader("Priority", "u=7"));
        // the live job builds its processor without it, whatever the options hold
        assertThat(((HttpEventProcessor) Pipeline.from(o).processor()).headers()).isEmpty();
        assertThat(live().get(FloodgateOptions.DRAIN_PRIORITY_HEADER)).isEqualTo("none");
    }
}
