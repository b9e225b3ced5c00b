package dev.floodgate.job.demo;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.job.kafka.KafkaIO;
import dev.floodgate.model.DeadLetter;
import dev.floodgate.model.OutputCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Watches the output topics until everything sent has arrived somewhere, reporting once a second. */
final class Progress {
    private static final Logger OUT = LoggerFactory.getLogger("floodgate.demo");

    private Progress() {}

    static DemoSummary awaitDrained(String bootstrap, FloodgateOptions job, int valid, int poison, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        DemoSummary s;
        do {
            Thread.sleep(1000);
            s = summarize(bootstrap, job, valid, poison);
            OUT.info(String.format("processed %,d / %,d   shed %,d   dead letters %,d", s.distinctProcessed(),
                    valid, s.shed(), s.deadLetters()));
        } while (!s.complete() && System.nanoTime() < deadline);
        if (!s.complete()) {
            OUT.warn("not everything arrived within {}", timeout);
        }
        return s;
    }

    static DemoSummary summarize(String bootstrap, FloodgateOptions job, int valid, int poison) {
        long processed = 0;
        Set<String> distinct = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(bootstrap,
                job.get(FloodgateOptions.PROCESSED_TOPIC))) {
            processed++;
            distinct.add(read(() -> OutputCodec.readProcessed(r.value())).eventId);
        }
        Map<String, Long> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaIO.readCommitted(bootstrap, job.get(FloodgateOptions.DLQ_TOPIC))) {
            DeadLetter d = read(() -> OutputCodec.readDeadLetter(r.value()));
            reasons.merge(d.reason.wireName(), 1L, Long::sum);
        }
        long shed = KafkaIO.readCommitted(bootstrap, job.get(FloodgateOptions.SHED_TOPIC)).size();
        return new DemoSummary(valid, poison, processed, distinct.size(), reasons, shed,
                archived(job.get(FloodgateOptions.ARCHIVE_PATH)));
    }

    private static long archived(String archiveUri) {
        Path dir = Path.of(URI.create(archiveUri));
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith("."))
                    .mapToLong(f -> read(() -> (long) Files.readAllLines(f).size())).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T read(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
