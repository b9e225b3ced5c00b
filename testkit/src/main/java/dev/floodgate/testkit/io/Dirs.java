package dev.floodgate.testkit.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/** Directory helpers for tests and benchmarks. */
public final class Dirs {
    private Dirs() {}

    /** Deletes {@code dir} and everything under it; nothing if it does not exist. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths;
        try (var walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
