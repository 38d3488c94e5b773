package org.zos.protocol.rfb;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.logging.Logger;
import org.zos.protocol.stream.Duplex;

/**
 * One VNC viewer's connection that outlives the VNC server behind it: when the anima moves, the server's
 * connection ends (its QEMU was saved) and a new one starts on another host; the viewer's stays, and it
 * goes on showing the same window.
 *
 * <p>The proxy ends the RFB handshake on both sides itself: to the viewer it is an RFB 3.8 server without
 * authentication whose ServerInit is the first server's; to each server it is a shared client. Between
 * them it passes whole messages, knowing where each ends:
 * <ul>
 * <li>viewer → server: as {@link RfbClientFilter} reads them; the last SetPixelFormat is kept, and
 *     SetEncodings is cut down to encodings whose length the proxy can tell without decoding state
 *     ({@link #ENCODINGS}: Raw, CopyRect, and the DesktopSize, LastRect and Cursor pseudo-encodings; no
 *     zlib streams, which would not survive a new server);</li>
 * <li>server → viewer: FramebufferUpdate rectangle by rectangle, SetColourMapEntries, Bell, ServerCutText.</li>
 * </ul>
 * When the server's connection ends inside a message, the proxy completes it with zeros (an update's
 * missing rectangles as empty ones), so the viewer stays in step. It then connects again ({@link Upstream}),
 * does the handshake, sends the viewer's pixel format and encodings, and asks for a full update, which
 * repaints whatever the zeros spoilt. While no server is there, the viewer's input is dropped.
 */
public final class RfbResumingProxy {
    private static final Logger LOG = Logger.getLogger(RfbResumingProxy.class.getName());

    /** Encodings passed on: Raw, CopyRect, DesktopSize, LastRect, Cursor. */
    static final int[] ENCODINGS = {0, 1, -223, -224, -239};

    /** How to reach the server, once per (re)connection. */
    @FunctionalInterface
    public interface Upstream {
        Duplex connect() throws IOException;
    }

    private final Duplex viewer;
    private final Upstream upstream;
    private final long resumeMillis;
    private final String name;
    private final Object lock = new Object();
    private Duplex server;
    private volatile boolean closed;
    private int width;
    private int height;
    private int bytesPerPixel;
    private byte[] pixelFormat; // the last SetPixelFormat message, or null
    private byte[] encodings; // the last SetEncodings message (as passed on), or null
    private int reconnects;

    /**
     * @param resumeMillis how long to keep trying to reach a server again before the viewer is let go
     */
    public RfbResumingProxy(Duplex viewer, Upstream upstream, long resumeMillis, String name) {
        this.viewer = viewer;
        this.upstream = upstream;
        this.resumeMillis = resumeMillis;
        this.name = name;
    }

    /** How many times the server was reached again. */
    public int reconnects() {
        return reconnects;
    }

    /**
     * Connects to the server, greets the viewer, and runs both directions on threads of their own.
     *
     * @throws IOException when neither handshake succeeds (both sides are closed)
     */
    public void start(Runnable ended) throws IOException {
        DataInputStream in;
        try {
            Duplex s = upstream.connect();
            byte[] init = serverHandshake(s);
            synchronized (lock) {
                server = s;
            }
            in = new DataInputStream(s.input());
            viewerHandshake(init);
        } catch (IOException e) {
            close();
            throw e;
        }
        DataInputStream first = in;
        Thread up = new Thread(() -> viewerToServer(), name + "-up");
        Thread down = new Thread(() -> {
            try {
                serverToViewer(first);
            } finally {
                close();
                ended.run();
            }
        }, name + "-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
    }

    public void close() {
        closed = true;
        viewer.close();
        synchronized (lock) {
            if (server != null) {
                server.close();
            }
        }
    }

    // ---- handshakes ----

    /** The client side of the handshake with a server; returns its ServerInit (whole). */
    private byte[] serverHandshake(Duplex s) throws IOException {
        DataInputStream in = new DataInputStream(s.input());
        byte[] version = new byte[12];
        in.readFully(version);
        String v = new String(version, StandardCharsets.US_ASCII);
        if (!v.startsWith("RFB 003.")) {
            throw new RfbException("the VNC server is not RFB (it said '" + v.strip() + "')");
        }
        send(s, "RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
        int n = in.readUnsignedByte();
        if (n == 0) {
            byte[] why = new byte[Math.min(in.readInt(), 4096)];
            in.readFully(why);
            throw new RfbException("the VNC server refused: " + new String(why, StandardCharsets.UTF_8));
        }
        byte[] types = new byte[n];
        in.readFully(types);
        boolean none = false;
        for (byte t : types) {
            none |= t == 1;
        }
        if (!none) {
            throw new RfbException("the VNC server asks for a password; zos reaches only servers without one");
        }
        send(s, new byte[] {1});
        if (in.readInt() != 0) {
            throw new RfbException("the VNC server refused the connection");
        }
        send(s, new byte[] {1}); // ClientInit: shared
        byte[] head = new byte[24];
        in.readFully(head);
        int nameLength = ByteBuffer.wrap(head, 20, 4).getInt();
        if (nameLength < 0 || nameLength > 4096) {
            throw new RfbException("a ServerInit with a name of " + nameLength + " bytes");
        }
        byte[] init = Arrays.copyOf(head, 24 + nameLength);
        in.readFully(init, 24, nameLength);
        return init;
    }

    /** The server side of the handshake with the viewer: RFB 3.8 (or what it asks, 3.3 to 3.8), no authentication. */
    private void viewerHandshake(byte[] serverInit) throws IOException {
        DataInputStream in = new DataInputStream(viewer.input());
        send(viewer, "RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
        byte[] version = new byte[12];
        in.readFully(version);
        String v = new String(version, StandardCharsets.US_ASCII);
        if (!v.matches("RFB 003\\.00[378]\n")) {
            throw new RfbException("not an RFB 3.3, 3.7 or 3.8 viewer (it said '" + v.strip() + "')");
        }
        int minor = v.charAt(10) - '0';
        if (minor == 3) {
            send(viewer, new byte[] {0, 0, 0, 1});
        } else {
            send(viewer, new byte[] {1, 1});
            if (in.readUnsignedByte() != 1) {
                throw new RfbException("the viewer chose a security type that was not offered");
            }
            if (minor == 8) {
                send(viewer, new byte[] {0, 0, 0, 0});
            }
        }
        in.readUnsignedByte(); // ClientInit: every viewer shares
        ByteBuffer init = ByteBuffer.wrap(serverInit);
        width = init.getShort(0) & 0xffff;
        height = init.getShort(2) & 0xffff;
        bytesPerPixel = pixelBytes(serverInit, 4);
        send(viewer, serverInit);
    }

    // ---- viewer → server ----

    private void viewerToServer() {
        byte[] buf = new byte[64 * 1024];
        byte[] pending = new byte[0];
        try {
            InputStream in = viewer.input();
            int n;
            while ((n = in.read(buf)) >= 0) {
                byte[] all = concat(pending, buf, n);
                int pos = 0;
                while (true) {
                    int len = RfbClientFilter.messageLength(all, pos, all.length - pos);
                    if (len < 0 || all.length - pos < len) {
                        break;
                    }
                    forward(Arrays.copyOfRange(all, pos, pos + len));
                    pos += len;
                }
                pending = Arrays.copyOfRange(all, pos, all.length);
            }
        } catch (IOException e) {
            LOG.fine(name + ": viewer: " + e.getMessage());
        }
        close();
    }

    private void forward(byte[] m) {
        int type = m[0] & 0xff;
        Duplex s;
        synchronized (lock) {
            if (type == RfbClientFilter.SET_PIXEL_FORMAT) {
                pixelFormat = m;
                bytesPerPixel = pixelBytes(m, 4);
            } else if (type == RfbClientFilter.SET_ENCODINGS) {
                m = supportedEncodings(m);
                encodings = m;
            }
            s = server;
        }
        if (s == null) {
            return; // between servers: input is dropped, pixel format and encodings are sent on reconnection
        }
        try {
            send(s, m);
        } catch (IOException e) {
            LOG.fine(name + ": server gone while forwarding: " + e.getMessage()); // the reader sees it too
        }
    }

    /** SetEncodings with only the encodings the proxy can frame, in the viewer's order of preference. */
    static byte[] supportedEncodings(byte[] m) {
        ByteBuffer in = ByteBuffer.wrap(m);
        int n = in.getShort(2) & 0xffff;
        ByteBuffer out = ByteBuffer.allocate(4 + 4 * n);
        out.put((byte) RfbClientFilter.SET_ENCODINGS).put((byte) 0).putShort((short) 0);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            int e = in.getInt(4 + 4 * i);
            for (int ok : ENCODINGS) {
                if (ok == e) {
                    out.putInt(e);
                    kept++;
                }
            }
        }
        out.putShort(2, (short) kept);
        return Arrays.copyOf(out.array(), 4 + 4 * kept);
    }

    // ---- server → viewer ----

    private void serverToViewer(DataInputStream in) {
        while (!closed) {
            MessageCopy copy = new MessageCopy();
            try {
                while (true) {
                    copy.message(in);
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.info(name + ": the VNC server went away (" + e.getMessage() + "); reaching it again");
            }
            try {
                copy.complete(); // the viewer must not be left inside a message
                in = reconnect();
            } catch (IOException e) {
                LOG.info(name + ": " + e.getMessage() + "; letting the viewer go");
                return;
            }
        }
    }

    /**
     * Copies one server message to the viewer as it reads it, remembering what is still owed if the server
     * ends inside it.
     */
    private final class MessageCopy {
        private long owedBytes; // bytes of the current rectangle or message not yet sent
        private int owedRects; // rectangles of the current update not yet begun

        void message(DataInputStream in) throws IOException {
            int type = in.readUnsignedByte();
            switch (type) {
                case 0 -> {
                    byte[] head = new byte[3];
                    in.readFully(head); // an end before the header is whole owes the viewer nothing
                    send(viewer, new byte[] {0});
                    send(viewer, head);
                    owedRects = ByteBuffer.wrap(head, 1, 2).getShort() & 0xffff;
                    while (owedRects > 0) {
                        byte[] rect = new byte[12];
                        in.readFully(rect); // an end here owes this rectangle and the rest, as empty ones
                        owedRects--;
                        ByteBuffer r = ByteBuffer.wrap(rect);
                        int w = r.getShort(4) & 0xffff;
                        int h = r.getShort(6) & 0xffff;
                        int enc = r.getInt(8);
                        long body = rectBytes(enc, w, h);
                        send(viewer, rect);
                        owedBytes = body;
                        copy(in, body);
                        if (enc == -223) {
                            width = w;
                            height = h;
                        }
                        if (enc == -224) {
                            owedRects = 0; // LastRect ends the update
                        }
                    }
                }
                case 1 -> {
                    byte[] head = new byte[5];
                    in.readFully(head);
                    send(viewer, new byte[] {1});
                    send(viewer, head);
                    owedBytes = 6L * (ByteBuffer.wrap(head, 3, 2).getShort() & 0xffff);
                    copy(in, owedBytes);
                }
                case 2 -> send(viewer, new byte[] {2});
                case 3 -> {
                    byte[] head = new byte[7];
                    in.readFully(head);
                    long len = ByteBuffer.wrap(head, 3, 4).getInt() & 0xffffffffL;
                    if (len > RfbClientFilter.MAX_CUT_TEXT) {
                        throw new RfbException("a clipboard text of " + len + " bytes from the server");
                    }
                    send(viewer, new byte[] {3});
                    send(viewer, head);
                    owedBytes = len;
                    copy(in, len);
                }
                default -> throw new RfbException("a server message of type " + type + " that zos cannot frame");
            }
        }

        private void copy(DataInputStream in, long n) throws IOException {
            byte[] buf = new byte[64 * 1024];
            while (n > 0) {
                int k = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (k < 0) {
                    throw new EOFException("the server ended inside a message");
                }
                send(viewer, Arrays.copyOf(buf, k));
                n -= k;
                owedBytes = n;
            }
        }

        /** Sends the viewer what the cut message still owes it: zeros, then empty rectangles. */
        void complete() throws IOException {
            byte[] zeros = new byte[64 * 1024];
            while (owedBytes > 0) {
                int k = (int) Math.min(zeros.length, owedBytes);
                send(viewer, Arrays.copyOf(zeros, k));
                owedBytes -= k;
            }
            for (; owedRects > 0; owedRects--) {
                send(viewer, new byte[12]); // a 0×0 Raw rectangle
            }
        }
    }

    private long rectBytes(int encoding, int w, int h) throws RfbException {
        long pixels = (long) w * h;
        return switch (encoding) {
            case 0 -> pixels * bytesPerPixel;
            case 1 -> 4;
            case -223, -224 -> 0;
            case -239 -> pixels * bytesPerPixel + (long) ((w + 7) / 8) * h;
            default -> throw new RfbException("a rectangle in encoding " + encoding + ", which was not asked for");
        };
    }

    /** Reaches a server again and brings it to where the viewer is: its pixel format, encodings, a full update. */
    private DataInputStream reconnect() throws IOException {
        synchronized (lock) {
            if (server != null) {
                server.close();
                server = null;
            }
        }
        long deadline = System.currentTimeMillis() + resumeMillis;
        IOException last = null;
        while (!closed && System.currentTimeMillis() < deadline) {
            Duplex s = null;
            try {
                s = upstream.connect();
                byte[] init = serverHandshake(s);
                int w = ByteBuffer.wrap(init).getShort(0) & 0xffff;
                int h = ByteBuffer.wrap(init).getShort(2) & 0xffff;
                synchronized (lock) {
                    if (pixelFormat != null) {
                        send(s, pixelFormat);
                    } else {
                        bytesPerPixel = pixelBytes(init, 4);
                    }
                    if (encodings != null) {
                        send(s, encodings);
                    }
                    ByteBuffer req = ByteBuffer.allocate(10).put((byte) 3).put((byte) 0).putShort((short) 0).putShort((short) 0)
                            .putShort((short) w).putShort((short) h);
                    send(s, req.array());
                    server = s;
                    reconnects++;
                }
                if (w != width || h != height) {
                    LOG.info(name + ": the new server's screen is " + w + "x" + h + ", was " + width + "x" + height);
                }
                LOG.info(name + ": reached the VNC server again");
                return new DataInputStream(s.input());
            } catch (IOException e) {
                last = e;
                if (s != null) {
                    s.close();
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        throw new IOException("the VNC server was not reachable again within " + resumeMillis / 1000 + " s"
                + (last == null ? "" : ": " + last.getMessage()));
    }

    private static int pixelBytes(byte[] b, int offset) {
        return Math.max(1, (b[offset] & 0xff) / 8);
    }

    private void send(Duplex d, byte[] b) throws IOException {
        d.write(b, 0, b.length);
    }

    private static byte[] concat(byte[] a, byte[] b, int n) {
        byte[] out = Arrays.copyOf(a, a.length + n);
        System.arraycopy(b, 0, out, a.length, n);
        return out;
    }
}
