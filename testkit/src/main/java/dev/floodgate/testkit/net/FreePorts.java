package dev.floodgate.testkit.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on 127.0.0.1 for the servers a test or tool starts. Several ports are taken from
 * sockets held open together, so they are distinct; a port may still be taken by someone else
 * between this call and the server's bind (the servers' own start checks report it). The ports are
 * drawn at random below the kernel's ephemeral range ({@code ip_local_port_range}), where no client
 * socket is given a port: picked from that range, a TaskManager's Prometheus port and a cluster's
 * REST port were taken by the tests' own client connections before the servers bound them (two CI
 * runs).
 */
public final class FreePorts {
    private FreePorts() {}

    /** One free port. */
    public static int one() {
        return several(1)[0];
    }

    private static final int LOWEST = 10_000;

    /** The first port of the kernel's ephemeral range, read once. */
    private static final int EPHEMERAL_START = ephemeralStart();

    /** A socket bound to a random free port below the ephemeral range, or to any free port. */
    private static ServerSocket belowEphemeral() throws IOException {
        int ephemeral = EPHEMERAL_START;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; ephemeral > LOWEST + 1_000 && attempt < 100; attempt++) {
            ServerSocket s = new ServerSocket();
            try {
                s.bind(
                        new InetSocketAddress(
                                InetAddress.getLoopbackAddress(),
                                random.nextInt(LOWEST, ephemeral)),
                        1);
                return s;
            } catch (IOException taken) {
                s.close();
            }
        }
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    /** The first port of the kernel's ephemeral range (Linux), else 0. */
    private static int ephemeralStart() {
        try {
            // read line by line: a /proc file reports size 0, and a read by size got "3"
            String range =
                    Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                            .get(0)
                            .trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {@code n} distinct free ports. */
    public static int[] several(int n) {
        List<ServerSocket> sockets = new ArrayList<>(n);
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = belowEphemeral();
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a listening socket that accepted nothing
                }
            }
        }
    }
}
