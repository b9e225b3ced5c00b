package dev.floodgate.bench.campaign;

import dev.floodgate.job.FaultHookJob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * The campaign's test build of the live job: a copy of the real job jar plus the fault hook's
 * classes ({@link FaultHookJob}, {@link FaultHookProcessor}), taken from this program's classpath.
 * The job jar itself never contains them (JobJarContentsITCase checks it).
 */
final class FaultJar {
    private static final List<Class<?>> HOOK_CLASSES =
            List.of(
                    FaultHookJob.class,
                    FaultHookProcessor.class,
                    FaultHookProcessor.InjectedTaskFault.class);

    private FaultJar() {}

    static Path build(Path jobJar, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        try (JarFile in = new JarFile(jobJar.toFile());
                JarOutputStream out = new JarOutputStream(Files.newOutputStream(target))) {
            Enumeration<JarEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                out.putNextEntry(new JarEntry(e.getName()));
                try (InputStream data = in.getInputStream(e)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
            for (Class<?> c : HOOK_CLASSES) {
                String name = c.getName().replace('.', '/') + ".class";
                try (InputStream data = c.getClassLoader().getResourceAsStream(name)) {
                    if (data == null) {
                        throw new IOException("no class file " + name + " on the classpath");
                    }
                    out.putNextEntry(new JarEntry(name));
                    data.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return target;
    }
}
