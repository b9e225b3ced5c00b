package dev.floodgate.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.tools.ConsumerPerformance;

/**
 * Kafka's own read benchmark ({@code org.apache.kafka.tools.ConsumerPerformance}, kafka-tools) on a
 * topic, as the reference read rate. It prints a CSV line to standard output; this captures it and
 * returns {@code nMsg.sec}.
 */
final class ConsumerPerf {
    private ConsumerPerf() {}

    static synchronized double messagesPerSecond(
            String bootstrap, String topic, long records, String group) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ConsumerPerformance.main(
                    new String[] {
                        "--bootstrap-server",
                        bootstrap,
                        "--topic",
                        topic,
                        "--num-records",
                        Long.toString(records),
                        "--group",
                        group,
                        "--timeout",
                        "60000"
                    });
        } finally {
            System.setOut(original);
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).trim().split("\n");
        // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
        String[] fields = lines[lines.length - 1].split(",\\s*");
        if (fields.length < 6) {
            throw new IllegalStateException("unexpected ConsumerPerformance output: " + captured);
        }
        long consumed = Long.parseLong(fields[4].trim());
        if (consumed < records) {
            throw new IllegalStateException(
                    "ConsumerPerformance read " + consumed + " of " + records);
        }
        return Double.parseDouble(fields[5].trim());
    }
}
