package org.zos.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/** A fast sender and a slow receiver: the sender waits, nothing piles up, everything arrives in order. */
class BackPressureIT {
    static final int FRAMES = 100;
    static final int SIZE = 1 << 20;
    static final long SINK_MILLIS = Long.getLong("sinkMillis", 20);

    @TempDir
    Path tmp;

    @Test
    void aSlowReceiverSlowsTheSenderInsteadOfFillingItsMemory() throws Exception {
        HostIdentity a = HostIdentity.generate("host1");
        HostIdentity b = HostIdentity.generate("host2");
        KnownHosts ka = new KnownHosts(tmp.resolve("ka"));
        KnownHosts kb = new KnownHosts(tmp.resolve("kb"));
        ka.trust(new KnownHosts.Entry("host2", "127.0.0.1", b.fingerprint()));
        kb.trust(new KnownHosts.Entry("host1", "127.0.0.1", a.fingerprint()));
        List<Long> got = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(FRAMES);
        try (ZosServer server = ZosServer.start(b, kb, new InetSocketAddress("127.0.0.1", 0), "t", (c, m, p) -> m, (c, payload) -> {
            got.add(payload.getLong(0));
            assertEquals(SIZE, payload.readableBytes());
            Thread.sleep(SINK_MILLIS);
            all.countDown();
        }); Peer p = Peer.connect(a, ka, "127.0.0.1", server.port(), "ana", "t", Duration.ofSeconds(10))) {
            long maxUnsent = 0;
            long start = System.nanoTime();
            for (long i = 0; i < FRAMES; i++) {
                byte[] b1 = new byte[SIZE];
                java.nio.ByteBuffer.wrap(b1).putLong(i);
                p.sendData(Unpooled.wrappedBuffer(b1), Duration.ofSeconds(30));
                maxUnsent = Math.max(maxUnsent, p.unsentBytes());
            }
            double sendSeconds = (System.nanoTime() - start) / 1e9;
            assertTrue(all.await(60, TimeUnit.SECONDS), "all frames arrive");
            // One frame past the mark may be written; while TLS encrypts it, Netty counts it twice for a moment
            // (the plain frame waiting in SslHandler and its encrypted copy), so the count may touch mark + 2 frames.
            // Without back-pressure it would reach the whole 100 MiB.
            assertTrue(maxUnsent <= Peer.HIGH_WATER + 2L * SIZE + (64 << 10), "the sender never held more than the high water "
                    + "mark and the frame being encrypted: " + maxUnsent);
            double sinkSeconds = FRAMES * SINK_MILLIS / 1000.0;
            assertTrue(sendSeconds > sinkSeconds * 0.5,
                    "the sender was held back by the receiver: sent in " + sendSeconds + " s, the sink needs " + sinkSeconds + " s");
            for (int i = 0; i < FRAMES; i++) {
                assertEquals(i, got.get(i), "in order");
            }
        }
    }
}
