package org.zos.agent.anima;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The host end of the virtio-serial channel {@code org.zos.agent.0}, speaking guest channel v0: one
 * request line, one reply line. Requests: {@code ping}, {@code write NAME TEXT}, {@code read NAME},
 * {@code poweroff}; replies start with {@code pong}, {@code ok}, {@code data} or {@code err}. (The in-guest
 * agent of a later version replaces this with the framed zos protocol.)
 */
public final class GuestChannel implements AutoCloseable {
    private final SocketChannel socket;
    private final Selector selector;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private GuestChannel(SocketChannel socket, Selector selector) {
        this.socket = socket;
        this.selector = selector;
    }

    /** Connects to the UNIX socket libvirt made for the channel. */
    public static GuestChannel connect(Path socketPath) throws IOException {
        SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX);
        s.connect(UnixDomainSocketAddress.of(socketPath));
        s.configureBlocking(false);
        Selector selector = Selector.open();
        s.register(selector, SelectionKey.OP_READ);
        return new GuestChannel(s, selector);
    }

    /**
     * Sends one request and returns the guest's reply line.
     *
     * @throws IOException if the guest does not answer within {@code timeout}
     */
    public String request(String line, Duration timeout) throws IOException {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a request is one line");
        }
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            socket.write(out);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (true) {
            byte[] buf = pending.toByteArray();
            for (int i = 0; i < buf.length; i++) {
                if (buf[i] == '\n') {
                    pending.reset();
                    pending.write(buf, i + 1, buf.length - i - 1);
                    return new String(buf, 0, i, StandardCharsets.UTF_8);
                }
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("the guest did not answer '" + line + "' within " + timeout.toMillis() + " ms");
            }
            selector.select(left);
            selector.selectedKeys().clear();
            in.clear();
            int n = socket.read(in);
            if (n < 0) {
                throw new IOException("the guest channel closed");
            }
            pending.write(in.array(), 0, n);
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        socket.close();
    }
}
