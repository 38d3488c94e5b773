package org.zos.store.parcel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of an S3 endpoint that loses the answers to the first {@code n} conditional PUTs
 * ({@code If-None-Match}): the request reaches the store and is carried out, and the client sees its
 * connection closed instead of the answer, as when a gateway stalls or a link drops at that moment. The
 * client's retry then meets its own object.
 */
final class LosingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final URI upstream;
    private final AtomicInteger toLose;
    final AtomicInteger lost = new AtomicInteger();

    LosingProxy(URI upstream, int n) throws IOException {
        this.upstream = upstream;
        this.toLose = new AtomicInteger(n);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "losing-proxy");
        t.setDaemon(true);
        t.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket up = new Socket(upstream.getHost(), upstream.getPort());
                boolean[] conditional = {false};
                pump(client.getInputStream(), up.getOutputStream(), b -> {
                    if (new String(b, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT).contains("if-none-match:")) {
                        conditional[0] = true;
                    }
                    return true;
                }, client, up);
                pump(up.getInputStream(), client.getOutputStream(), b -> {
                    String status = new String(b, 0, Math.min(b.length, 12), StandardCharsets.ISO_8859_1);
                    // A PUT's final answer ends the watch (a 100 Continue does not: the body has not gone yet);
                    // only one that says the object was written is lost.
                    if (conditional[0] && status.startsWith("HTTP/1.1 ") && !status.startsWith("HTTP/1.1 100")) {
                        conditional[0] = false;
                        if (status.startsWith("HTTP/1.1 200") && toLose.getAndDecrement() > 0) {
                            lost.incrementAndGet();
                            return false; // the answer is lost: close both ends
                        }
                    }
                    return true;
                }, client, up);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    interface Filter {
        boolean pass(byte[] chunk);
    }

    private static void pump(InputStream in, OutputStream out, Filter f, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 << 10];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    byte[] chunk = java.util.Arrays.copyOf(buf, n);
                    if (!f.pass(chunk)) {
                        break;
                    }
                    out.write(chunk);
                    out.flush();
                }
            } catch (IOException e) {
                // either end closed
            } finally {
                close(a);
                close(b);
            }
        }, "losing-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
