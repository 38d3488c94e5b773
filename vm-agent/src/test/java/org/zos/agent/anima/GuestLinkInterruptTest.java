package org.zos.agent.anima;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A thread with a pending interrupt writes to the guest channel without closing it for everyone else. */
class GuestLinkInterruptTest {
    @TempDir
    Path tmp;

    @Test
    void anInterruptedWriterLeavesTheChannelOpenAndKeepsItsInterrupt() throws Exception {
        Path socket = tmp.resolve("guest");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket)); SocketChannel peer = server.accept()) {
                java.lang.reflect.Method m = GuestLink.class.getDeclaredMethod("output", SocketChannel.class, java.util.function.LongConsumer.class);
                m.setAccessible(true);
                OutputStream out = (OutputStream) m.invoke(null, client, (java.util.function.LongConsumer) t -> { });
                Thread.currentThread().interrupt();
                try {
                    out.write(new byte[] {1, 2, 3});
                    assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
                } finally {
                    Thread.interrupted();
                }
                assertTrue(client.isOpen(), "the channel stays open for the link's other users");
                out.write(new byte[] {4});
                ByteBuffer got = ByteBuffer.allocate(4);
                while (got.hasRemaining()) {
                    peer.read(got);
                }
                assertArrayEquals(new byte[] {1, 2, 3, 4}, got.array());
            }
        }
    }
}
