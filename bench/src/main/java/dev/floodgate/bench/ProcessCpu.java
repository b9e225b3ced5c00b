package dev.floodgate.bench;

import java.lang.management.ManagementFactory;

/**
 * CPU time used by this process (broker, Flink cluster, job and measuring clients alike) between
 * two points: on a machine shared with other builds, events per CPU second are steadier than events
 * per second, and the share of the machine the process got says how much the wall-clock rates were
 * squeezed.
 */
final class ProcessCpu {
    private final long cpu0 = cpuNanos();
    private final long wall0 = System.nanoTime();

    double cpuSeconds() {
        return (cpuNanos() - cpu0) / 1e9;
    }

    /** Share of all the machine's cores this process used since it was created, 0..1. */
    double machineShare() {
        return (cpuNanos() - cpu0)
                / (double) (System.nanoTime() - wall0)
                / Runtime.getRuntime().availableProcessors();
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
