package dev.floodgate.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time by thread group over a phase, from the JVM's per-thread CPU clocks, sampled twice a
 * second so that threads which end during the phase (a finished job's task threads) are counted
 * too. What no Java thread used (garbage collection, JIT compilation, the VM itself) is the
 * process's CPU time minus the threads' sum: the part that execution samples cannot show.
 */
final class ThreadCpu implements AutoCloseable {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> first = new HashMap<>();
    private final Map<Long, Long> last = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final ProcessCpu process = new ProcessCpu();
    private final long gcMillis0 = gcMillis();
    private final long gcCount0 = gcCount();
    private final long jitMillis0 =
            ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    private final Thread sampler;
    private volatile boolean running = true;

    ThreadCpu() {
        sample(true);
        sampler =
                new Thread(
                        () -> {
                            while (running) {
                                try {
                                    Thread.sleep(500);
                                } catch (InterruptedException e) {
                                    return;
                                }
                                sample(false);
                            }
                        },
                        "thread-cpu");
        sampler.setDaemon(true);
        sampler.start();
    }

    private synchronized void sample(boolean start) {
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) {
                continue;
            }
            if (start) {
                first.put(info.getThreadId(), cpu);
            }
            last.put(info.getThreadId(), cpu);
            names.putIfAbsent(info.getThreadId(), JfrProfile.normalize(info.getThreadName()));
        }
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                .sum();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount)
                .sum();
    }

    /** Stops sampling. */
    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }

    /**
     * Stops sampling and prints CPU seconds and shares by thread group, the top {@code top} groups.
     */
    synchronized void report(BenchResults results, String section, int top) {
        sample(false);
        close();
        double total = process.cpuSeconds();
        Map<String, Double> groups = new TreeMap<>();
        double javaThreads = 0;
        for (Map.Entry<Long, Long> e : last.entrySet()) {
            double seconds = (e.getValue() - first.getOrDefault(e.getKey(), 0L)) / 1e9;
            groups.merge(names.get(e.getKey()), seconds, Double::sum);
            javaThreads += seconds;
        }
        groups.put("(not a Java thread: GC, JIT compiler, VM)", Math.max(0, total - javaThreads));
        results.note(
                section,
                String.format(
                        "CPU of this process in the phase: %.1f s; garbage collections: %d,"
                                + " %.1f s of pauses; JIT compilation: %.1f s",
                        total,
                        gcCount() - gcCount0,
                        (gcMillis() - gcMillis0) / 1e3,
                        (ManagementFactory.getCompilationMXBean().getTotalCompilationTime()
                                        - jitMillis0)
                                / 1e3));
        groups.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(top)
                .forEach(
                        e ->
                                results.note(
                                        section,
                                        String.format(
                                                "cpu %6.1f s %5.1f%%  %s",
                                                e.getValue(),
                                                100 * e.getValue() / Math.max(1e-9, total),
                                                e.getKey())));
    }
}
