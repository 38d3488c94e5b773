package org.zos.protocol.rfb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.zos.protocol.stream.Duplex;

/** A viewer, the proxy and two servers in one JVM: the first server dies inside an update, the second takes over. */
class RfbResumingProxyTest {
    static final int W = 64;
    static final int H = 32;

    /** A VNC server that paints its whole screen one colour; it can die after half of its second update. */
    static final class FakeServer implements AutoCloseable {
        final ServerSocket server;
        final int rgb;
        final boolean dies;
        final BlockingQueue<Integer> keys = new ArrayBlockingQueue<>(100);

        FakeServer(int rgb, boolean dies) throws IOException {
            this.server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
            this.rgb = rgb;
            this.dies = dies;
            Thread t = new Thread(this::serve);
            t.setDaemon(true);
            t.start();
        }

        Duplex connect() throws IOException {
            return Duplex.of(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
                    in.readFully(new byte[12]);
                    out.write(new byte[] {1, 1});
                    in.readUnsignedByte();
                    out.writeInt(0);
                    in.readUnsignedByte();
                    out.writeShort(W);
                    out.writeShort(H);
                    out.write(new byte[] {32, 24, 0, 1, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255, 16, 8, 0, 0, 0, 0});
                    out.writeInt(4);
                    out.write("fake".getBytes(StandardCharsets.US_ASCII));
                    int requests = 0;
                    while (true) {
                        int type = in.readUnsignedByte();
                        switch (type) {
                            case 0 -> in.skipNBytes(19);
                            case 2 -> {
                                in.readUnsignedByte();
                                in.skipNBytes(4L * in.readUnsignedShort());
                            }
                            case 3 -> {
                                in.skipNBytes(9);
                                requests++;
                                out.write(new byte[] {0, 0, 0, 1});
                                out.writeShort(0);
                                out.writeShort(0);
                                out.writeShort(W);
                                out.writeShort(H);
                                out.writeInt(0);
                                byte[] px = {(byte) rgb, (byte) (rgb >> 8), (byte) (rgb >> 16), 0};
                                for (int i = 0; i < W * H; i++) {
                                    if (dies && requests == 2 && i == W * H / 2) {
                                        out.flush();
                                        s.close(); // dies inside the rectangle
                                        throw new IOException("died");
                                    }
                                    out.write(px);
                                }
                                out.flush();
                            }
                            case 4 -> {
                                in.skipNBytes(3);
                                keys.add(in.readInt());
                            }
                            default -> throw new IOException("type " + type);
                        }
                    }
                } catch (IOException e) {
                    // next connection
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void theViewerStaysConnectedAndInStepWhenTheServerChanges() throws Exception {
        try (FakeServer red = new FakeServer(0xff0000, true); FakeServer blue = new FakeServer(0x0000ff, false);
                ServerSocket endpoint = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AtomicInteger connects = new AtomicInteger();
            Thread accept = new Thread(() -> {
                try {
                    Socket viewer = endpoint.accept();
                    new RfbResumingProxy(Duplex.of(viewer), () -> connects.getAndIncrement() == 0 ? red.connect() : blue.connect(),
                            10_000, "test").start(() -> { });
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            accept.start();
            try (RfbClient c = RfbClient.connect("127.0.0.1", endpoint.getLocalPort(), 10_000)) {
                assertEquals(W, c.width());
                c.update(false);
                assertEquals(0xff0000, c.image().getRGB(5, 5) & 0xffffff);
                c.key('a');
                assertEquals('a', red.keys.poll(5, TimeUnit.SECONDS));
                c.update(false); // the red server dies half way: the proxy completes the update with zeros
                assertEquals(0xff0000, c.image().getRGB(0, 0) & 0xffffff);
                assertEquals(0, c.image().getRGB(W - 1, H - 1) & 0xffffff);
                c.update(false); // the proxy asked the blue server for a full update on reconnection
                assertEquals(0x0000ff, c.image().getRGB(W - 1, H - 1) & 0xffffff);
                assertEquals(0x0000ff, c.image().getRGB(0, 0) & 0xffffff);
                c.key('b');
                assertEquals('b', blue.keys.poll(5, TimeUnit.SECONDS));
                assertTrue(connects.get() >= 2);
            }
        }
    }

    @Test
    void encodingsAreCutToTheOnesTheProxyCanFrame() {
        byte[] m = {2, 0, 0, 4, 0, 0, 0, 16, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0}; // ZRLE, Hextile, CopyRect, Raw
        byte[] out = RfbResumingProxy.supportedEncodings(m);
        assertEquals(2, out[3]);
        assertEquals(12, out.length);
        assertEquals(1, out[7]);
        assertEquals(0, out[11]);
    }
}
