package org.zos.protocol.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on loopback to a port, whose link can be cut: after {@link #cut()} it drops every byte in
 * both directions and closes nothing, as a pulled cable or a dead host does.
 */
final class Relay implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean cut;

    Relay(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "relay");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    void cut() {
        cut = true;
    }

    private void accept() {
        try {
            while (true) {
                Socket a = listener.accept();
                Socket b = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(a);
                sockets.add(b);
                pipe(a, b);
                pipe(b, a);
            }
        } catch (IOException closed) {
            // the relay was closed
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (!cut) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // one side closed
            }
        }, "relay-pipe");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
