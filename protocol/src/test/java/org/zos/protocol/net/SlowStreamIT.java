package org.zos.protocol.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.ViewOpen;
import org.zos.protocol.stream.Duplex;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * A stream whose own reader falls behind for longer than {@link Liveness#SILENCE} (a busy QEMU taking a
 * migration, a loaded host) pauses reading, and its connection is not taken for a dead peer: on either
 * end, every byte arrives once the reader catches up. (A live move broke so on a loaded host: "said
 * nothing for 6 s" from a receiver whose QEMU was slow.)
 */
class SlowStreamIT {
    static final Duration T = Duration.ofSeconds(30);
    static final int BYTES = 12 << 20;
    static final long LAG = Liveness.SILENCE.toMillis() + 3000;
    @TempDir
    Path tmp;
    HostIdentity host1 = HostIdentity.generate("host1");
    HostIdentity host2 = HostIdentity.generate("host2");
    ZosServer server;
    LogCapture capture;

    @BeforeEach
    void start() throws Exception {
        KnownHosts known2 = new KnownHosts(tmp.resolve("known2"));
        known2.trust(new KnownHosts.Entry("host1", "127.0.0.1", host1.fingerprint()));
        capture = new LogCapture("org.zos.protocol");
        server = ZosServer.start(host2, known2, new InetSocketAddress("127.0.0.1", 0), "zos test", new Responder() {
            @Override
            public Message answer(Caller caller, Message request, Consumer<Progress> progress) {
                throw new IllegalStateException("streams only");
            }

            /** app 1: reads nothing for LAG, then all, and answers with its digest; app 2: sends BYTES at once. */
            @Override
            public Opened openStream(Caller caller, Message request, ChannelStream stream) {
                ViewOpen v = (ViewOpen) request;
                return new Opened(new org.zos.protocol.message.ActionDone("view", null, "open"), () -> new Thread(() -> {
                    try {
                        if (v.app() == 1) {
                            Thread.sleep(LAG);
                            byte[] digest = digest(stream.input(), BYTES);
                            stream.write(digest, 0, digest.length);
                        } else {
                            byte[] data = data();
                            stream.write(data, 0, data.length);
                        }
                    } catch (Exception e) {
                        stream.close();
                    }
                }).start());
            }
        });
    }

    @AfterEach
    void stop() {
        server.close();
        capture.close();
    }

    /** Host1's connection to the server. */
    Peer connect() throws IOException {
        KnownHosts known1 = new KnownHosts(tmp.resolve("known1"));
        known1.trust(new KnownHosts.Entry("host2", "127.0.0.1", host2.fingerprint()));
        return Peer.connect(host1, known1, "127.0.0.1", server.port(), "ana", "zos test", T);
    }

    /** Opens the server's stream number {@code app} on {@code p}. */
    static Duplex open(Peer p, int app) {
        return p.openStream(new ViewOpen("a", app, false), T).getValue();
    }

    /** Nothing on either end took the other for dead. */
    void noneSaidNothing() {
        assertTrue(capture.lines.stream().noneMatch(l -> l.contains("said nothing")), String.join("\n", capture.lines));
    }

    @Test
    void theReceiversSlowReaderIsNotTakenForADeadPeer() throws Exception {
        try (Peer p = connect()) {
            Duplex s = open(p, 1);
            long t0 = System.nanoTime();
            byte[] data = data();
            s.write(data, 0, data.length); // waits while the receiver does not read
            byte[] digest = new DataInputStream(s.input()).readNBytes(32);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), digest, "every byte arrived, in order");
            assertTrue(System.nanoTime() - t0 >= LAG * 1_000_000, "the reader was behind for longer than the silence limit");
        }
        noneSaidNothing();
    }

    @Test
    void theSendersSlowReaderIsNotTakenForADeadPeer() throws Exception {
        try (Peer p = connect()) {
            Duplex s = open(p, 2);
            Thread.sleep(LAG); // the server sends all the while; this end reads nothing
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data()), digest(s.input(), BYTES), "every byte arrived, in order");
        }
        noneSaidNothing();
    }

    static byte[] data() {
        byte[] b = new byte[BYTES];
        new Random(17).nextBytes(b);
        return b;
    }

    static byte[] digest(InputStream in, int n) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            int left = n;
            while (left > 0) {
                int r = in.read(buf, 0, Math.min(buf.length, left));
                if (r < 0) {
                    throw new IOException("the stream ended " + left + " bytes early");
                }
                md.update(buf, 0, r);
                left -= r;
            }
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
