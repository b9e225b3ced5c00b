package dev.floodgate.job.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.testkit.flink.FlinkRest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a secret could leak from a running job, and the check that it does not: the REST answers
 * the web UI shows (the job's parameters in {@code /jobs/:id/config}, the plan, the job, its
 * exceptions, the JobManager's configuration) and the captured logs ({@link CapturedLogs}).
 */
public final class SecretLeaks {
    private SecretLeaks() {}

    /** The REST answers about job {@code jobId}, by path. Read them while the job runs. */
    public static Map<String, String> restAnswers(FlinkRest rest, String jobId) throws Exception {
        Map<String, String> answers = new LinkedHashMap<>();
        for (String path :
                List.of(
                        "/jobs/" + jobId + "/config",
                        "/jobs/" + jobId + "/plan",
                        "/jobs/" + jobId,
                        "/jobs/" + jobId + "/exceptions",
                        "/jobmanager/config")) {
            answers.put(path, rest.get(path).toString());
        }
        return answers;
    }

    /** None of {@code secrets} in any REST answer or in {@code logs}. */
    public static void assertAbsent(Map<String, String> answers, String logs, String... secrets) {
        answers.forEach(
                (path, body) -> {
                    for (String secret : secrets) {
                        assertThat(body).as(path).doesNotContain(secret);
                    }
                });
        for (String secret : secrets) {
            assertThat(logs).as("the captured logs").doesNotContain(secret);
        }
    }
}
