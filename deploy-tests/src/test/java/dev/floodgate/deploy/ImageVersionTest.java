package dev.floodgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The job image is tagged with the project's version, and the Dockerfile copies the jar of that
 * version: an image tag that does not say which build it holds cannot be rolled back to.
 */
class ImageVersionTest {
    private static final Pattern PROJECT_VERSION =
            Pattern.compile(
                    "<artifactId>floodgate-parent</artifactId>\\s*<version>([^<]+)</version>");
    private static final Pattern IMAGE = Pattern.compile("floodgate/floodgate-job:([^\\s\"']+)");

    static String projectVersion() throws Exception {
        Matcher m = PROJECT_VERSION.matcher(Files.readString(Manifests.root().resolve("pom.xml")));
        assertThat(m.find()).as("the root pom's version").isTrue();
        return m.group(1);
    }

    @Test
    void manifestsReadmeAndDockerfileTagTheImageWithTheProjectVersion() throws Exception {
        String version = projectVersion();
        for (String file :
                new String[] {"live-job.yaml", "backfill-job.yaml", "README.md", "Dockerfile"}) {
            Matcher m = IMAGE.matcher(Files.readString(Manifests.k8s(file)));
            int tags = 0;
            while (m.find()) {
                assertThat(m.group(1)).as("image tag in k8s/%s", file).isEqualTo(version);
                tags++;
            }
            assertThat(tags).as("image tags in k8s/%s", file).isPositive();
        }
    }

    @Test
    void theDockerfileCopiesTheJarOfThatVersion() throws Exception {
        assertThat(Files.readString(Manifests.k8s("Dockerfile")))
                .contains("job/target/floodgate-job-" + projectVersion() + "-job.jar ");
    }
}
