package org.zos.agent.anima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.guest.GuestFrame;

/** The host end of guest channel v1 against a made-up guest on a UNIX socket, as libvirt's channel is. */
class GuestLinkTest {
    @TempDir
    Path dir;

    /** A guest that lets the first {@code deaf} hellos go unheard (its port was closed), then answers everything. */
    private Thread guest(ServerSocketChannel server, int deaf) {
        Thread t = new Thread(() -> {
            try (SocketChannel s = server.accept()) {
                InputStream in = Channels.newInputStream(s);
                OutputStream out = Channels.newOutputStream(s);
                int hellos = 0;
                while (true) {
                    GuestFrame f = GuestFrame.read(in);
                    if (f.kind() == GuestFrame.Kind.HELLO && ++hellos > deaf) {
                        out.write(GuestFrame.text(GuestFrame.Kind.HELLO, 0, "{\"version\":1,\"guest\":\"fake\",\"features\":[]}").encode());
                    } else if (f.kind() == GuestFrame.Kind.CTL) {
                        String id = f.text().replaceAll(".*\"id\":(\\d+).*", "$1");
                        out.write(GuestFrame.text(GuestFrame.Kind.CTL, 0, "{\"id\":" + id + ",\"ok\":true,\"text\":\"pong\"}").encode());
                    }
                }
            } catch (IOException e) {
                // the test ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return server;
    }

    @Test
    void aHelloTheGuestDidNotHearIsSaidAgain() throws Exception {
        Path socket = dir.resolve("a.sock");
        try (ServerSocketChannel server = listen(socket)) {
            guest(server, 2);
            GuestLink link = GuestLink.of(socket, Duration.ofSeconds(10));
            assertEquals("fake", link.hello().path("guest").asText());
            assertEquals("pong", GuestRequests.text(link.request(GuestRequests.of("ping"), Duration.ofSeconds(5))));
            assertSame(link, GuestLink.of(socket, Duration.ofSeconds(1)), "one shared link per channel");
            link.close();
        }
    }

    /** A guest whose side of the port ended waits for a new hello and hears nothing else: the link is made again. */
    @Test
    void aLinkTheGuestNoLongerHearsIsMadeAgain() throws Exception {
        Path socket = dir.resolve("c.sock");
        try (ServerSocketChannel server = listen(socket)) {
            Thread t = new Thread(() -> {
                try {
                    for (int conn = 0; conn < 2; conn++) {
                        try (SocketChannel s = server.accept()) {
                            InputStream in = Channels.newInputStream(s);
                            OutputStream out = Channels.newOutputStream(s);
                            boolean deaf = false;
                            while (true) {
                                GuestFrame f = GuestFrame.read(in);
                                if (f.kind() == GuestFrame.Kind.HELLO) {
                                    out.write(GuestFrame.text(GuestFrame.Kind.HELLO, 0, "{\"version\":1,\"guest\":\"fake\"}").encode());
                                    deaf = conn == 0; // the first link is heard once, then never again
                                } else if (f.kind() == GuestFrame.Kind.CTL && !deaf) {
                                    String id = f.text().replaceAll(".*\"id\":(\\d+).*", "$1");
                                    out.write(GuestFrame.text(GuestFrame.Kind.CTL, 0, "{\"id\":" + id + ",\"ok\":true,\"text\":\"pong\"}").encode());
                                }
                            }
                        } catch (IOException e) {
                            // this connection ended
                        }
                    }
                } catch (RuntimeException e) {
                    // the test ended
                }
            });
            t.setDaemon(true);
            t.start();
            GuestLink first = GuestLink.of(socket, Duration.ofSeconds(5));
            assertThrows(IOException.class, () -> first.request(GuestRequests.of("ping"), Duration.ofMillis(1500)));
            assertEquals(true, first.ended(), "a link the guest no longer hears ends");
            GuestLink second = GuestLink.of(socket, Duration.ofSeconds(5));
            assertEquals("pong", GuestRequests.text(second.request(GuestRequests.of("ping"), Duration.ofSeconds(5))));
            second.close();
        }
    }

    @Test
    void aGuestThatNeverAnswersIsAClearError() throws Exception {
        Path socket = dir.resolve("b.sock");
        try (ServerSocketChannel server = listen(socket)) {
            guest(server, Integer.MAX_VALUE);
            IOException e = assertThrows(IOException.class, () -> GuestLink.of(socket, Duration.ofMillis(2500)));
            assertEquals(true, e.getMessage().contains("did not answer guest channel v1's hello"), e.getMessage());
        }
        Files.deleteIfExists(socket);
    }

    @Test
    void aGuestThatStopsTakingFromItsChannelEndsTheLinkInsteadOfHoldingEveryWriterForGood() throws Exception {
        Path socket = dir.resolve("stuck.sock");
        Duration limit = GuestLink.writeLimit;
        GuestLink.writeLimit = Duration.ofSeconds(3); // longer than the 2 s to the link's next hello, whose write then waits too
        try (ServerSocketChannel server = listen(socket)) {
            Thread guest = new Thread(() -> { // answers the hello, then reads nothing more (a guest that crashed)
                try (SocketChannel s = server.accept()) {
                    InputStream in = Channels.newInputStream(s);
                    GuestFrame.read(in);
                    s.write(java.nio.ByteBuffer.wrap(GuestFrame.text(GuestFrame.Kind.HELLO, 0, "{\"version\":1}").encode()));
                    Thread.sleep(60_000);
                } catch (IOException | InterruptedException e) {
                    // the test ended
                }
            });
            guest.setDaemon(true);
            guest.start();
            GuestLink link = GuestLink.of(socket, Duration.ofSeconds(5));
            // requests of 60 kB from 200 threads: more than the socket holds, so a write waits (and the hellos' thread behind it)
            com.fasterxml.jackson.databind.node.ObjectNode big = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                    .put("op", "write").put("name", "n").put("text", "x".repeat(60_000));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(200);
            long t0 = System.nanoTime();
            java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(pool.submit(() -> link.request(big.deepCopy(), Duration.ofSeconds(60))));
            }
            for (java.util.concurrent.Future<?> f : all) {
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> f.get(30, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof IOException, e.toString());
            }
            pool.shutdownNow();
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "every writer was let go with the link, long before the requests' 60 s");
            assertTrue(link.ended());
            guest.interrupt();
        } finally {
            GuestLink.writeLimit = limit;
        }
    }
}
