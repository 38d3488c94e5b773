package org.zos.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ActionDone;
import org.zos.protocol.message.AnimaAction;
import org.zos.protocol.message.Ping;
import org.zos.protocol.message.Pong;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * Dead, silent and slow peers on real sockets: a cut link is noticed within {@link Liveness#SILENCE} in
 * the middle of a request, a quiet but living peer is kept by keepalives, a request on a closed
 * connection fails at once, half a preamble is closed at the hello deadline, connections per address are
 * bounded, and junk is logged in one short line.
 */
class LivenessIT {
    static final Duration T = Duration.ofSeconds(10);
    @TempDir
    Path tmp;
    HostIdentity host1 = HostIdentity.generate("host1");
    HostIdentity host2 = HostIdentity.generate("host2");
    KnownHosts known1;
    KnownHosts known2;
    ZosServer server;
    LogCapture capture;
    List<String> log;

    @BeforeEach
    void start() throws Exception {
        known1 = new KnownHosts(tmp.resolve("known1"));
        known2 = new KnownHosts(tmp.resolve("known2"));
        known1.trust(new KnownHosts.Entry("host2", "127.0.0.1", host2.fingerprint()));
        known2.trust(new KnownHosts.Entry("host1", "127.0.0.1", host1.fingerprint()));
        capture = new LogCapture("org.zos.protocol");
        log = capture.lines;
        server = ZosServer.start(host2, known2, new InetSocketAddress("127.0.0.1", 0), "zos test", (caller, m, progress) -> {
            if (m instanceof AnimaAction a) { // works for a while, saying nothing
                Thread.sleep(Long.parseLong(a.option("ms", "0")));
                return new ActionDone(a.action(), null, "done");
            }
            return new Pong(((Ping) m).nanos());
        });
    }

    @AfterEach
    void stop() {
        server.close();
        capture.close();
    }

    Peer connect(int port) {
        return Peer.connect(host1, known1, "127.0.0.1", port, "ana", "zos test", T);
    }

    @Test
    void aCutLinkIsNoticedWithinTheSilenceLimitInTheMiddleOfARequest() throws Exception {
        try (Relay relay = new Relay(server.port()); Peer p = connect(relay.port())) {
            var work = java.util.concurrent.CompletableFuture.supplyAsync(() -> p.request(
                    new AnimaAction("work", "a", java.util.Map.of("ms", "60000")), Duration.ofSeconds(120), x -> { }));
            Thread.sleep(500);
            long t0 = System.nanoTime();
            relay.cut();
            Exception e = assertThrows(Exception.class, work::join);
            long took = (System.nanoTime() - t0) / 1_000_000;
            ZosException z = (ZosException) e.getCause();
            assertEquals(ErrorCode.HOST_UNREACHABLE, z.code());
            assertTrue(z.getMessage().contains("said nothing for 6 s"), z.getMessage());
            assertTrue(took < Liveness.SILENCE.toMillis() + 2500, "noticed after " + took + " ms");
            assertTrue(took >= Liveness.SILENCE.toMillis() - 1500, "not before the limit: " + took + " ms");
        }
    }

    @Test
    void aQuietLivingPeerIsKeptByKeepalives() throws Exception {
        try (Peer p = connect(server.port())) {
            long ms = Liveness.SILENCE.toMillis() + 2000;
            ActionDone d = (ActionDone) p.request(new AnimaAction("work", "a", java.util.Map.of("ms", Long.toString(ms))),
                    Duration.ofSeconds(30), x -> { });
            assertEquals("done", d.note());
            assertEquals(new Pong(3), p.request(new Ping(3), T));
        }
    }

    @Test
    void aRequestOnAClosedConnectionFailsAtOnce() throws Exception {
        Peer p = connect(server.port());
        server.close();
        Thread.sleep(300);
        long t0 = System.nanoTime();
        ZosException e = assertThrows(ZosException.class, () -> p.request(new Ping(1), Duration.ofSeconds(120)));
        assertEquals(ErrorCode.HOST_UNREACHABLE, e.code());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "failed after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        p.close();
    }

    @Test
    void halfAPreambleIsClosedAtTheHelloDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write("ZO".getBytes());
            InputStream in = s.getInputStream();
            assertEquals(8, in.readNBytes(8).length, "the server's preamble");
            long t0 = System.nanoTime();
            s.setSoTimeout(30_000);
            assertEquals(-1, in.read(), "closed");
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(took > Liveness.HELLO_DEADLINE.toMillis() - 1500 && took < Liveness.HELLO_DEADLINE.toMillis() + 2500,
                    "closed after " + took + " ms");
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("no hello within 10 s")), log.toString());
    }

    @Test
    void connectionsPerAddressAreBounded() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < ConnectionLimit.PER_ADDRESS; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(5000);
                assertEquals(8, s.getInputStream().readNBytes(8).length, "connection " + i + " is served");
                open.add(s);
            }
            try (Socket over = new Socket("127.0.0.1", server.port())) {
                over.setSoTimeout(5000);
                assertEquals(-1, over.getInputStream().read(), "one more is closed before its preamble");
            }
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        Thread.sleep(300);
        try (Peer p = connect(server.port())) {
            assertEquals(new Pong(5), p.request(new Ping(5), T), "served again once they closed");
        }
        assertEquals(1, log.stream().filter(l -> l.contains("holds 64 open already")).count(), log.toString());
    }

    @Test
    void junkIsLoggedInOneShortLine() throws Exception {
        byte[] junk = new byte[8 + 5000];
        System.arraycopy("ZOSP".getBytes(), 0, junk, 0, 4);
        junk[5] = 1;
        junk[7] = 1;
        for (int i = 8; i < junk.length; i++) {
            junk[i] = (byte) ('A' + i % 26);
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(junk);
            s.getInputStream().readAllBytes();
        }
        Thread.sleep(200);
        assertFalse(log.isEmpty());
        assertTrue(log.stream().anyMatch(l -> l.contains("refused")), log.toString());
        for (String l : log) {
            assertTrue(l.length() < 400 && !l.contains("\n"), "a long log line: " + l.length() + " characters");
        }
    }
}
