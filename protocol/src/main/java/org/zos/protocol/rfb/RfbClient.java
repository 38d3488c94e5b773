package org.zos.protocol.rfb;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A small VNC viewer without a window: RFB 3.8, no authentication, 32-bit true colour, Raw and CopyRect.
 * It keeps the framebuffer in memory, so {@code zos-vm view --screenshot} can save what a viewer sees and
 * tests can type into an app and see it change.
 */
public final class RfbClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private int width;
    private int height;
    private int[] pixels;
    private String name;
    private long updates;

    private RfbClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream()));
    }

    /** Connects to a VNC server (e.g. a zos view endpoint) and does the handshake. */
    public static RfbClient connect(String host, int port, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), timeoutMillis);
        s.setSoTimeout(timeoutMillis);
        s.setTcpNoDelay(true);
        RfbClient c = new RfbClient(s);
        try {
            c.handshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return c;
    }

    private void handshake() throws IOException {
        byte[] version = new byte[12];
        in.readFully(version);
        if (!new String(version, StandardCharsets.US_ASCII).startsWith("RFB 003.")) {
            throw new RfbException("not a VNC server");
        }
        out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        int n = in.readUnsignedByte();
        if (n == 0) {
            throw new RfbException("the VNC server refused the connection");
        }
        boolean none = false;
        for (int i = 0; i < n; i++) {
            none |= in.readUnsignedByte() == 1;
        }
        if (!none) {
            throw new RfbException("the VNC server asks for a password");
        }
        out.writeByte(1);
        out.flush();
        if (in.readInt() != 0) {
            throw new RfbException("the VNC server refused the connection");
        }
        out.writeByte(1); // shared
        out.flush();
        width = in.readUnsignedShort();
        height = in.readUnsignedShort();
        in.skipNBytes(16);
        byte[] n2 = new byte[Math.min(in.readInt(), 4096)];
        in.readFully(n2);
        name = new String(n2, StandardCharsets.UTF_8);
        pixels = new int[width * height];
        // 32 bits per pixel, depth 24, little endian, true colour, 8 bits each, red at 16, green at 8, blue at 0.
        out.write(new byte[] {0, 0, 0, 0, 32, 24, 0, 1, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255, 16, 8, 0, 0, 0, 0});
        out.write(new byte[] {2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x21});
        out.flush();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The desktop's name the server gave. */
    public String name() {
        return name;
    }

    /** Framebuffer updates received so far. */
    public long updates() {
        return updates;
    }

    /** Asks for an update and reads messages until one update has come (Bell and clipboard are skipped). */
    public void update(boolean incremental) throws IOException {
        request(incremental);
        readUntilUpdate(-1);
    }

    /**
     * Waits up to {@code millis} for the next update, asking for one (incremental) unless a request is still
     * open. False if none came in time; the request stays open then.
     */
    public boolean poll(int millis) throws IOException {
        if (!requested) {
            request(true);
        }
        return readUntilUpdate(millis);
    }

    private boolean requested;

    private void request(boolean incremental) throws IOException {
        out.write(new byte[] {3, (byte) (incremental ? 1 : 0), 0, 0, 0, 0});
        out.writeShort(width);
        out.writeShort(height);
        out.flush();
        requested = true;
    }

    private boolean readUntilUpdate(int millis) throws IOException {
        int timeout = socket.getSoTimeout();
        while (true) {
            int type;
            if (millis >= 0) {
                socket.setSoTimeout(Math.max(1, millis));
                try {
                    type = in.readUnsignedByte();
                } catch (java.net.SocketTimeoutException e) {
                    return false; // nothing started: the stream is still in step
                } finally {
                    socket.setSoTimeout(timeout);
                }
            } else {
                type = in.readUnsignedByte();
            }
            switch (type) {
                case 0 -> {
                    readUpdate();
                    updates++;
                    requested = false;
                    return true;
                }
                case 1 -> {
                    in.skipNBytes(3);
                    in.skipNBytes(6L * in.readUnsignedShort());
                }
                case 2 -> {
                    // bell
                }
                case 3 -> {
                    in.skipNBytes(3);
                    in.skipNBytes(in.readInt() & 0xffffffffL);
                }
                default -> throw new RfbException("a server message of type " + type);
            }
        }
    }

    private void readUpdate() throws IOException {
        in.readUnsignedByte();
        int rects = in.readUnsignedShort();
        for (int i = 0; i < rects; i++) {
            int x = in.readUnsignedShort();
            int y = in.readUnsignedShort();
            int w = in.readUnsignedShort();
            int h = in.readUnsignedShort();
            int enc = in.readInt();
            switch (enc) {
                case 0 -> {
                    byte[] row = new byte[w * 4];
                    for (int r = 0; r < h; r++) {
                        in.readFully(row);
                        for (int c = 0; c < w; c++) {
                            set(x + c, y + r, (row[c * 4 + 2] & 0xff) << 16 | (row[c * 4 + 1] & 0xff) << 8 | (row[c * 4] & 0xff));
                        }
                    }
                }
                case 1 -> {
                    int sx = in.readUnsignedShort();
                    int sy = in.readUnsignedShort();
                    int[] copy = new int[w * h];
                    for (int r = 0; r < h; r++) {
                        for (int c = 0; c < w; c++) {
                            copy[r * w + c] = get(sx + c, sy + r);
                        }
                    }
                    for (int r = 0; r < h; r++) {
                        for (int c = 0; c < w; c++) {
                            set(x + c, y + r, copy[r * w + c]);
                        }
                    }
                }
                case -223 -> {
                    width = w;
                    height = h;
                    pixels = new int[w * h];
                }
                default -> throw new RfbException("a rectangle in encoding " + enc + ", which was not asked for");
            }
        }
    }

    private void set(int x, int y, int rgb) {
        if (x < width && y < height) {
            pixels[y * width + x] = rgb;
        }
    }

    private int get(int x, int y) {
        return x < width && y < height ? pixels[y * width + x] : 0;
    }

    /** A copy of the framebuffer as it stands. */
    public BufferedImage image() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, width, height, pixels, 0, width);
        return img;
    }

    /** Saves the framebuffer as PNG. */
    public void savePng(Path file) throws IOException {
        javax.imageio.ImageIO.write(image(), "png", file.toFile());
    }

    /** How many pixels differ from another picture of the same size (all of them if the sizes differ). */
    public long differs(BufferedImage other) {
        if (other.getWidth() != width || other.getHeight() != height) {
            return (long) width * height;
        }
        long n = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if ((other.getRGB(x, y) & 0xffffff) != pixels[y * width + x]) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Presses and releases a key (an X keysym). */
    public void key(int keysym) throws IOException {
        for (int down = 1; down >= 0; down--) {
            out.write(new byte[] {4, (byte) down, 0, 0});
            out.writeInt(keysym);
        }
        out.flush();
    }

    /**
     * Presses a key and waits until the screen shows a change: the time from the key to the first update
     * that differs (keystroke to screen, as the viewer sees it), in nanoseconds; -1 if nothing changed
     * within {@code timeoutMillis}.
     */
    public long keyToScreen(int keysym, int timeoutMillis) throws IOException {
        while (poll(50)) {
            // take what is still coming first, so the change we wait for is this key's
        }
        int[] before = pixels.clone();
        long t0 = System.nanoTime();
        key(keysym);
        long deadline = t0 + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (poll((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000)) && !java.util.Arrays.equals(before, pixels)) {
                return System.nanoTime() - t0;
            }
        }
        return -1;
    }

    /** Types text: printable ASCII, and '\n' as Return. */
    public void type(String text) throws IOException {
        for (char c : text.toCharArray()) {
            key(c == '\n' ? 0xff0d : c);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
