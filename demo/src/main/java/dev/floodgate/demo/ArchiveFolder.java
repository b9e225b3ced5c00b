package dev.floodgate.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The demo's raw archive (the live job's exactly-once file sink): emptied at start, counted at the
 * end.
 */
final class ArchiveFolder {
    private ArchiveFolder() {}

    static void clear(Path archive) throws IOException {
        if (Files.exists(archive)) {
            try (Stream<Path> files = Files.walk(archive)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /**
     * Records in the archive's finished files (one event a line; in-progress and hidden files
     * skipped).
     */
    static long records(Path archive) {
        if (!Files.isDirectory(archive)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(archive)) {
            long n = 0;
            for (Path f :
                    files.filter(
                                    f ->
                                            Files.isRegularFile(f)
                                                    && !f.getFileName().toString().startsWith("."))
                            .toList()) {
                try (Stream<String> lines = Files.lines(f)) {
                    n += lines.count();
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
