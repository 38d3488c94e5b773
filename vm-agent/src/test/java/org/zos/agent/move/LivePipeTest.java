package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.stream.Duplex;

/**
 * {@link LivePipe} between real UNIX sockets: a "QEMU" connects to the sender's socket and writes its
 * stream; the receiver's "QEMU incoming" socket gets the same bytes, while the stream between the agents
 * (an in-memory pipe here, a zos connection's stream on hosts) carries pages as references.
 */
class LivePipeTest {
    @TempDir
    Path dir;


    /**
     * A gated listener (QEMU's migration socket under memory by content): a blocking connect(2), as QEMU
     * makes, waits in the kernel until the gate opens, and is then accepted as any other; once the
     * listener closes instead, a waiting connect fails.
     */
    @Test
    void aGatedListenerHoldsABlockingConnectUntilItOpensAndFailsItOnceClosed() throws Exception {
        Path at = dir.resolve("gated.sock");
        CompletableFuture<Duplex> accepted = new CompletableFuture<>();
        LivePipe.Listener l = new LivePipe.Listener(at, accepted::complete, true);
        try {
            CompletableFuture<SocketChannel> connect = CompletableFuture.supplyAsync(() -> {
                try {
                    return SocketChannel.open(UnixDomainSocketAddress.of(at));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(300);
            assertTrue(!connect.isDone() && !accepted.isDone(), "the connect waits at the gate");
            l.open();
            try (SocketChannel c = connect.get(5, TimeUnit.SECONDS)) {
                c.write(ByteBuffer.wrap(new byte[] {42}));
                assertEquals(42, accepted.get(5, TimeUnit.SECONDS).input().read(), "QEMU's connection, not a plug");
            }
        } finally {
            l.close();
        }
        LivePipe.Listener refused = new LivePipe.Listener(dir.resolve("refused.sock"), d -> { }, true);
        CompletableFuture<SocketChannel> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("refused.sock")));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(200);
        refused.close();
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof java.io.UncheckedIOException, "refused: " + e.getCause());
    }

    /** Two connected duplexes, as a zos connection's stream between two agents. */
    private static Duplex[] link() throws IOException {
        PipedInputStream aIn = new PipedInputStream(1 << 20);
        PipedOutputStream bOut = new PipedOutputStream(aIn);
        PipedInputStream bIn = new PipedInputStream(1 << 20);
        PipedOutputStream aOut = new PipedOutputStream(bIn);
        return new Duplex[] {duplex(aIn, aOut), duplex(bIn, bOut)};
    }

    private static Duplex duplex(InputStream in, PipedOutputStream out) {
        return new Duplex() {
            @Override
            public InputStream input() {
                return in;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        };
    }

    @Test
    void aMigrationStreamArrivesWholeWithThePagesTheReceiverHoldsSentAsReferences() throws Exception {
        migrate(null);
    }

    @Test
    void aMigrationStreamWithAWindowArrivesWholeAndTheReceiversBytesComeBack() throws Exception {
        LiveStream.Figures f = migrate(new LiveStream.Window(64 << 10));
        assertTrue(f.sentBytes() > 0, f.toString());
    }

    /** A migration stream through both agents' ends, with {@code window} (null: none). */
    private LiveStream.Figures migrate(LiveStream.Window window) throws Exception {
        byte[] disk = new byte[64 * LiveStream.PAGE];
        new Random(3).nextBytes(disk);
        // A stream whose pages are all blocks of the disk: QEMU's format is LiveStreamTest's business.
        LiveStreamTest streams = new LiveStreamTest();
        byte[] stream = streams.streamOf(disk);

        Path incoming = dir.resolve("incoming.sock");
        CompletableFuture<byte[]> got = new CompletableFuture<>();
        ServerSocketChannel qemuIncoming = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        qemuIncoming.bind(UnixDomainSocketAddress.of(incoming));
        new Thread(() -> {
            try (SocketChannel c = qemuIncoming.accept()) {
                c.write(ByteBuffer.wrap("back!".getBytes())); // a return path's bytes, say
                got.complete(Channels.newInputStream(c).readAllBytes());
            } catch (IOException e) {
                got.completeExceptionally(e);
            }
        }).start();

        Duplex[] agents = link();
        CompletableFuture<LiveStream.Figures> sent = new CompletableFuture<>();
        CompletableFuture<Exception> received = new CompletableFuture<>();
        LivePipe.receive(LivePipe.Kind.MIGRATION, agents[1], LivePipe.connect(incoming),
                (offset, page) -> System.arraycopy(disk, (int) offset, page, 0, LiveStream.PAGE), null, null, window != null,
                (f, e) -> received.complete(e));
        LivePipe.Coding coding = new LivePipe.Coding(streams.pagesOf(disk), 3, new RateLimit(0), null);
        try (LivePipe.Listener l = new LivePipe.Listener(dir.resolve("migration.sock"),
                local -> LivePipe.send(LivePipe.Kind.MIGRATION, local, agents[0], coding, window, (f, e) -> sent.complete(f)))) {
            try (SocketChannel qemu = SocketChannel.open(UnixDomainSocketAddress.of(l.path()))) {
                qemu.write(ByteBuffer.wrap(stream));
                assertEquals("back!", new String(Channels.newInputStream(qemu).readNBytes(5)));
            }
            assertArrayEquals(streams.delivered(), got.get(10, TimeUnit.SECONDS));
            LiveStream.Figures f = sent.get(10, TimeUnit.SECONDS);
            assertTrue(f.referenced() > 0 && f.referenced() == f.blocks(), f.toString());
            assertTrue(f.sentBytes() < stream.length / 10, f.toString());
            assertNull(received.get(10, TimeUnit.SECONDS));
            qemuIncoming.close();
            return f;
        }
    }

    @Test
    void libvirtsConnectionPassesTheGuardAndAnswersComeBackAsTheyAre() throws Exception {
        Path libvirtd = dir.resolve("libvirt-sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(libvirtd));
        byte[] ping = LibvirtGuardTest.packet(LibvirtGuard.KEEPALIVE_PROGRAM, 1, 2, d -> { });
        byte[] refused = LibvirtGuardTest.packet(LibvirtGuard.REMOTE_PROGRAM, 10, 0, d -> { });
        byte[] pong = LibvirtGuardTest.packet(LibvirtGuard.KEEPALIVE_PROGRAM, 2, 2, d -> { });
        CompletableFuture<Integer> heard = new CompletableFuture<>();
        new Thread(() -> { // a stand-in for libvirtd: answers the first packet, then counts what else reaches it
            try (SocketChannel c = server.accept()) {
                InputStream in = Channels.newInputStream(c);
                in.readNBytes(ping.length);
                c.write(ByteBuffer.wrap(pong));
                heard.complete(in.readAllBytes().length);
            } catch (IOException e) {
                heard.completeExceptionally(e);
            }
        }).start();
        Duplex[] agents = link();
        CompletableFuture<Exception> ended = new CompletableFuture<>();
        LivePipe.receive(LivePipe.Kind.LIBVIRT, agents[1], LivePipe.connect(libvirtd), null, null, new LibvirtGuardTest().guard, false,
                (f, e) -> ended.complete(e));
        try (LivePipe.Listener l = new LivePipe.Listener(dir.resolve("l.sock"),
                local -> LivePipe.send(LivePipe.Kind.LIBVIRT, local, agents[0], LivePipe.Coding.NONE, null, (f, e) -> { }));
                SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(l.path()))) {
            client.write(ByteBuffer.wrap(ping));
            assertArrayEquals(pong, Channels.newInputStream(client).readNBytes(pong.length));
            client.write(ByteBuffer.wrap(refused));
            assertEquals(org.zos.protocol.ErrorCode.DENIED, ((org.zos.protocol.ZosException) ended.get(10, TimeUnit.SECONDS)).code());
            assertEquals(0, heard.get(10, TimeUnit.SECONDS), "the refused call never reached libvirtd");
        }
        server.close();
    }
}
