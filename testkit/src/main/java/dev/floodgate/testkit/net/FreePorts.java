package dev.floodgate.testkit.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on 127.0.0.1 for the servers a test or tool starts. Several ports are taken from
 * sockets held open together, so they are distinct; a port may still be taken by someone else
 * between this call and the server's bind (the servers' own start checks report it).
 */
public final class FreePorts {
    private FreePorts() {}

    /** One free port. */
    public static int one() {
        return several(1)[0];
    }

    /** {@code n} distinct free ports. */
    public static int[] several(int n) {
        List<ServerSocket> sockets = new ArrayList<>(n);
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
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
