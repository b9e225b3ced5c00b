package dev.floodgate.operators.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretReferenceTest {
    @TempDir Path dir;

    @Test
    void anEnvironmentVariableIsReadWhereItIsResolved() {
        // a variable every test JVM has: setting one for this JVM alone is not possible in Java
        Map.Entry<String, String> some =
                System.getenv().entrySet().stream()
                        .filter(e -> e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*"))
                        .filter(e -> !e.getValue().isBlank())
                        .findFirst()
                        .orElseThrow();
        SecretReference ref = SecretReference.of("${env:" + some.getKey() + "}");
        assertThat(ref.resolve()).isEqualTo(some.getValue().strip());
        assertThat(ref).hasToString("${env:" + some.getKey() + "}");
    }

    @Test
    void aMissingVariableNamesTheReference() {
        SecretReference ref = SecretReference.of("${env:FLOODGATE_NO_SUCH_VARIABLE_9}");
        assertThatThrownBy(ref::resolve)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("${env:FLOODGATE_NO_SUCH_VARIABLE_9}")
                .hasMessageContaining("not set");
    }

    @Test
    void aWholeFileLosesItsFinalNewlineAndAKeyIsReadFromAPropertiesFile() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "Bearer abc\n");
        Path props = Files.writeString(dir.resolve("s.properties"), "a=1\ntoken=Bearer xyz\n");
        assertThat(SecretReference.of("${file:" + token + "}").resolve()).isEqualTo("Bearer abc");
        assertThat(SecretReference.of("${file:" + props + ":token}").resolve())
                .isEqualTo("Bearer xyz");
        assertThatThrownBy(() -> SecretReference.of("${file:" + props + ":nope}").resolve())
                .hasMessageContaining("no such key");
        assertThatThrownBy(() -> SecretReference.of("${file:" + dir + "/absent}").resolve())
                .hasMessageContaining("cannot be read");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> SecretReference.of("${file:" + empty + "}").resolve())
                .hasMessageContaining("is empty");
    }

    @Test
    void aHeaderValueTheHttpClientWouldQuoteInItsErrorIsRefusedWithoutBeingEchoed()
            throws Exception {
        // the JDK client refuses a header value above U+00FF with a message that quotes it, and
        // that message would reach shed details and log lines for every event
        Path wide = Files.writeString(dir.resolve("wide"), "Bearer t\u00f6ken-\u20ac-SECRET\n");
        assertThatThrownBy(
                        () ->
                                ServiceAuth.header(
                                                "Authorization",
                                                SecretReference.of("${file:" + wide + "}"))
                                        .value())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("above U+00FF")
                .hasMessageNotContaining("SECRET");
        // a byte-order mark written by an editor is not part of the token
        Path bom = Files.writeString(dir.resolve("bom"), "\uFEFFBearer abc\n");
        assertThat(
                        ServiceAuth.header(
                                        "Authorization", SecretReference.of("${file:" + bom + "}"))
                                .value())
                .isEqualTo("Bearer abc");
        // Latin-1 is a header value the client sends
        Path latin = Files.writeString(dir.resolve("latin"), "Bearer t\u00f6ken\n");
        assertThat(
                        ServiceAuth.header(
                                        "Authorization",
                                        SecretReference.of("${file:" + latin + "}"))
                                .value())
                .isEqualTo("Bearer t\u00f6ken");
    }

    @Test
    void aLiteralOrARelativePathIsRefusedWithoutBeingEchoed() {
        for (String literal :
                new String[] {
                    "Bearer hunter2-SECRET", "${env:}", "${file:relative/SECRET}", "x${env:A}"
                }) {
            assertThat(SecretReference.isReference(literal)).isFalse();
            assertThatThrownBy(() -> SecretReference.of(literal))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a literal secret is refused")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRET"));
        }
    }
}
