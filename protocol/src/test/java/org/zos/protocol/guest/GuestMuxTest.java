package org.zos.protocol.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Both ends of guest channel v1 in one JVM, joined by a loopback socket. */
class GuestMuxTest {

    /** A host end and a guest end that accepts every open and echoes each stream back. */
    private static final class Pair implements AutoCloseable {
        final GuestMux host;
        final GuestMux guest;
        final Socket hostSocket;
        final Socket guestSocket;
        final LinkedBlockingQueue<GuestFrame> hostControl = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<GuestFrame> guestControl = new LinkedBlockingQueue<>();

        Pair(boolean echo) throws IOException {
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                hostSocket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                guestSocket = server.accept();
            }
            host = new GuestMux(hostSocket.getInputStream(), hostSocket.getOutputStream(), hostControl::add, "host").start();
            guest = new GuestMux(guestSocket.getInputStream(), guestSocket.getOutputStream(), new GuestMux.Listener() {
                @Override
                public void control(GuestFrame frame) {
                    guestControl.add(frame);
                }

                @Override
                public void open(GuestMux mux, int stream, String json) {
                    if (!echo) {
                        mux.sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, stream, "{\"error\":\"no\"}"));
                        return;
                    }
                    Thread t = new Thread(() -> {
                        try {
                            GuestStream s = mux.accept(stream, "{\"ok\":true}");
                            byte[] buf = new byte[8192];
                            int n;
                            while ((n = s.input().read(buf)) >= 0) {
                                s.write(buf, 0, n);
                            }
                            s.close();
                        } catch (IOException ignored) {
                            // the test ended
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                }
            }, "guest").start();
        }

        @Override
        public void close() throws IOException {
            host.close();
            guest.close();
            hostSocket.close();
            guestSocket.close();
        }
    }

    /** The guest forgets its streams (a hello from a new host): a host that still holds one learns it ended. */
    @Test
    void streamsTheGuestForgetsEndOnTheHostToo() throws Exception {
        try (Pair p = new Pair(true)) {
            GuestStream s = p.host.open("{\"target\":\"echo\"}");
            s.opened().get(5, TimeUnit.SECONDS);
            s.write(new byte[] {1, 2, 3}, 0, 3);
            assertEquals(1, s.input().read());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (p.guest.streams().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            p.guest.forgetStreams("a new host connected");
            assertEquals(2, s.input().read());
            assertEquals(3, s.input().read());
            assertEquals(-1, s.input().read(), "the host's read ends instead of waiting for ever");
            assertTrue(s.closeReason().contains("a new host connected"), s.closeReason());
        }
    }

    /** What an earlier host left in the pipe (QEMU hands it over after that host is gone) never reaches the guest. */
    @Test
    void aGuestDropsEverythingBeforeTheFirstHelloOfAConnection() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket host = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Socket guestSide = server.accept()) {
            LinkedBlockingQueue<GuestFrame> seen = new LinkedBlockingQueue<>();
            GuestMux guest = new GuestMux(guestSide.getInputStream(), guestSide.getOutputStream(), seen::add, "guest").helloFirst().start();
            byte[] stale = new byte[20_000];
            new Random(1).nextBytes(stale);
            host.getOutputStream().write(stale); // the rest of a data frame a dead host cut short
            GuestFrame.text(GuestFrame.Kind.CTL, 0, "{\"op\":\"app-run\",\"id\":14}").writeTo(host.getOutputStream());
            GuestFrame.text(GuestFrame.Kind.HELLO, 0, "{\"version\":1,\"link\":\"new\"}").writeTo(host.getOutputStream());
            GuestFrame.text(GuestFrame.Kind.CTL, 0, "{\"op\":\"ping\",\"id\":1}").writeTo(host.getOutputStream());
            GuestFrame first = seen.poll(5, TimeUnit.SECONDS);
            assertEquals(GuestFrame.Kind.HELLO, first.kind(), "the earlier host's request is not run");
            assertTrue(seen.poll(5, TimeUnit.SECONDS).text().contains("ping"));
            guest.close();
        }
    }

    @Test
    void controlFramesReachTheOtherEnd() throws Exception {
        try (Pair p = new Pair(true)) {
            p.host.send(GuestFrame.text(GuestFrame.Kind.HELLO, 0, "{\"version\":1}"));
            assertEquals("{\"version\":1}", p.guestControl.poll(5, TimeUnit.SECONDS).text());
            p.guest.send(GuestFrame.text(GuestFrame.Kind.CTL, 0, "{\"id\":1,\"ok\":true}"));
            assertEquals(GuestFrame.Kind.CTL, p.hostControl.poll(5, TimeUnit.SECONDS).kind());
        }
    }

    @Test
    void manyStreamsCarryMoreThanTheirWindowEachAndStayApart() throws Exception {
        try (Pair p = new Pair(true)) {
            int streams = 4;
            int size = 3 * GuestStream.WINDOW + 12345;
            CompletableFuture<?>[] done = new CompletableFuture<?>[streams];
            for (int i = 0; i < streams; i++) {
                GuestStream s = p.host.open("{\"target\":\"echo\"}");
                s.opened().get(5, TimeUnit.SECONDS);
                byte[] data = new byte[size];
                new Random(i).nextBytes(data);
                CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.input().readNBytes(size);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                CompletableFuture.runAsync(() -> {
                    try {
                        s.write(data, 0, data.length);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                done[i] = back.thenAccept(b -> assertArrayEquals(data, b));
            }
            CompletableFuture.allOf(done).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRefusedOpenFailsWithTheGuestsReason() throws Exception {
        try (Pair p = new Pair(false)) {
            GuestStream s = p.host.open("{\"target\":\"x\"}");
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.opened().get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("no"), e.getCause().getMessage());
            assertTrue(p.host.streams().isEmpty());
        }
    }

    @Test
    void dataBeyondTheCreditClosesOnlyThatStream() throws Exception {
        try (Pair p = new Pair(true)) {
            GuestStream good = p.host.open("{}");
            good.opened().get(5, TimeUnit.SECONDS);
            GuestStream bad = p.host.open("{}");
            bad.opened().get(5, TimeUnit.SECONDS);
            // A misbehaving guest: more than a window on one stream without waiting for credit.
            byte[] chunk = new byte[GuestFrame.MAX_PAYLOAD];
            for (int i = 0; i <= GuestStream.WINDOW / chunk.length; i++) {
                p.guest.send(new GuestFrame(GuestFrame.Kind.DATA, bad.id(), chunk));
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (bad.closeReason().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10); // nothing read meanwhile, so no credit went back
            }
            assertTrue(bad.closeReason().contains("protocol error"), bad.closeReason());
            byte[] all = bad.input().readAllBytes(); // what came within the window, then the end
            assertTrue(all.length <= GuestStream.WINDOW);
            good.write(new byte[] {1, 2, 3}, 0, 3);
            assertArrayEquals(new byte[] {1, 2, 3}, good.input().readNBytes(3));
        }
    }

    @Test
    void whenTheLinkEndsEveryStreamEnds() throws Exception {
        Pair p = new Pair(true);
        GuestStream s = p.host.open("{}");
        s.opened().get(5, TimeUnit.SECONDS);
        p.guestSocket.close();
        assertEquals(-1, s.input().read());
        assertThrows(IOException.class, () -> s.write(new byte[1], 0, 1));
        p.close();
    }
}
