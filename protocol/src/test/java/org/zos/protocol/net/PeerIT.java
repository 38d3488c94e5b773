package org.zos.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.StatusQuery;
import org.zos.protocol.tls.Fingerprint;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/** Two hosts on real sockets: enrolled, unknown, changed keys on either side, strangers and old peers. */
class PeerIT {
    static final Duration T = Duration.ofSeconds(10);
    @TempDir
    Path tmp;
    HostIdentity host1 = HostIdentity.generate("host1");
    HostIdentity host2 = HostIdentity.generate("host2");
    KnownHosts known1;
    KnownHosts known2;
    ZosServer server;
    LogCapture capture;
    List<String> serverLog;
    List<String> answered = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        known1 = new KnownHosts(tmp.resolve("known1"));
        known2 = new KnownHosts(tmp.resolve("known2"));
        capture = new LogCapture("org.zos.protocol.net");
        serverLog = capture.lines;
        server = ZosServer.start(host2, known2, new InetSocketAddress("127.0.0.1", 0), "zos test", (caller, m, progress) -> {
            answered.add(caller.host().name() + "/" + caller.user() + ": " + m);
            if (m instanceof Ping p) {
                return new Pong(p.nanos());
            }
            if (m instanceof AnimaAction a && a.action().equals("slow")) {
                for (int i = 1; i <= 5; i++) {
                    Thread.sleep(300);
                    progress.accept(new Progress("working", i, 5, i * 300L));
                }
                return new ActionDone("slow", null, "done");
            }
            throw new ZosException(ErrorCode.DENIED, caller.user() + " may not ask that", "ask host2's owner");
        });
    }

    @AfterEach
    void stop() {
        server.close();
        capture.close();
    }

    void enrol(KnownHosts k, HostIdentity h) throws Exception {
        k.trust(new KnownHosts.Entry(h.host(), "127.0.0.1", h.fingerprint()));
    }

    Peer connect() {
        return Peer.connect(host1, known1, "127.0.0.1", server.port(), "ana", "zos test", T);
    }

    @Test
    void aLongRequestReportsProgressAndDoesNotHoldUpOthers() throws Exception {
        enrol(known1, host2);
        enrol(known2, host1);
        try (Peer p = connect()) {
            List<Long> seen = new CopyOnWriteArrayList<>();
            var slow = java.util.concurrent.CompletableFuture.supplyAsync(() -> p.request(
                    new AnimaAction("slow", "work", null), Duration.ofMillis(1000),
                    pr -> seen.add(pr.done())));
            Thread.sleep(100);
            long t0 = System.nanoTime();
            assertEquals(new Pong(1), p.request(new Ping(1), T), "a ping is answered while the slow request runs");
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
            // 1.5 s in all, longer than the 1 s idle limit: progress keeps it alive.
            assertEquals(new ActionDone("slow", null, "done"), slow.get());
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seen);
            ZosException silent = assertThrows(ZosException.class, () -> p.request(
                    new AnimaAction("slow", "work", null), Duration.ofMillis(200), pr -> { }));
            assertEquals(ErrorCode.HOST_UNREACHABLE, silent.code());
            assertTrue(silent.getMessage().contains("said nothing"), silent.getMessage());
        }
    }

    @Test
    void enrolledHostsTalk() throws Exception {
        enrol(known1, host2);
        enrol(known2, host1);
        try (Peer p = connect()) {
            assertEquals("host2", p.hello().host());
            assertEquals(new Pong(42), p.request(new Ping(42), T));
            ZosException denied = assertThrows(ZosException.class, () -> p.request(new StatusQuery("work", 0), T));
            assertEquals(ErrorCode.DENIED, denied.code());
            assertEquals(new Pong(7), p.request(new Ping(7), T), "a failure does not end the connection");
        }
        assertTrue(answered.get(0).startsWith("host1/ana: Ping"), answered.toString());
    }

    @Test
    void anUnknownServerIsRefusedBeforeAnythingIsSent() throws Exception {
        enrol(known2, host1);
        ZosException e = assertThrows(ZosException.class, this::connect);
        assertEquals(ErrorCode.UNKNOWN_PEER, e.code());
        assertTrue(e.getMessage().contains(host2.fingerprint().text()), e.getMessage());
        assertTrue(answered.isEmpty());
    }

    @Test
    void aServerWithAChangedKeyIsRefused() throws Exception {
        enrol(known2, host1);
        known1.trust(new KnownHosts.Entry("host2", "127.0.0.1", HostIdentity.generate("host2").fingerprint()));
        ZosException e = assertThrows(ZosException.class, this::connect);
        assertEquals(ErrorCode.PEER_KEY_CHANGED, e.code());
        assertTrue(answered.isEmpty());
    }

    @Test
    void theServerRefusesAnUnknownClientAndOneWithAChangedKey() throws Exception {
        enrol(known1, host2);
        ZosException unknown = assertThrows(ZosException.class, this::connect);
        assertEquals(ErrorCode.UNKNOWN_PEER, unknown.code());
        assertTrue(unknown.getMessage().contains("refused this host's certificate"), unknown.getMessage());
        known2.trust(new KnownHosts.Entry("host1", "127.0.0.1", HostIdentity.generate("host1").fingerprint()));
        assertThrows(ZosException.class, this::connect);
        assertTrue(answered.isEmpty());
        Thread.sleep(200);
        assertTrue(serverLog.stream().anyMatch(l -> l.contains("is not enrolled here")), serverLog.toString());
        assertTrue(serverLog.stream().anyMatch(l -> l.contains("presented key")), serverLog.toString());
    }

    @Test
    void anAnonymousTlsClientGetsNothing() throws Exception {
        enrol(known1, host2);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(org.zos.protocol.wire.Preamble.OURS.encode());
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            ctx.init(null, new javax.net.ssl.TrustManager[] {org.zos.protocol.tls.PinningTrustManager.capturing()}, null);
            s.getInputStream().readNBytes(8);
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(s, "127.0.0.1", server.port(), true);
            assertThrows(java.io.IOException.class, () -> {
                tls.startHandshake();
                tls.getOutputStream().write(new byte[] {1, 0, 0, 0, 2, '{', '}'});
                tls.getOutputStream().flush();
                if (tls.getInputStream().read() < 0) {
                    throw new java.io.EOFException("closed");
                }
            }, "the agent closes the connection of a client without a certificate");
        }
        assertTrue(answered.isEmpty());
    }

    @Test
    void captureShowsTheFingerprintToEnrol() {
        Fingerprint seen = Fingerprint.of(Peer.capture(host1, "127.0.0.1", server.port(), T)[0]);
        assertEquals(host2.fingerprint(), seen);
        assertTrue(answered.isEmpty());
    }

    @Test
    void aStrangerAndAnOldZosGetDifferentErrors() throws Exception {
        enrol(known1, host2);
        for (String[] c : new String[][] {{"SSH-2.0-OpenSSH_9.2\r\n", "PROTOCOL_ERROR"}, {"ZOSP\0\0\0\0", "VERSION_MISMATCH"}}) {
            try (ServerSocket fake = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                Thread t = new Thread(() -> {
                    try (Socket s = fake.accept(); OutputStream o = s.getOutputStream()) {
                        o.write(c[0].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                        o.flush();
                        s.getInputStream().readNBytes(8);
                        Thread.sleep(500);
                    } catch (Exception ignored) {
                        // the client hangs up
                    }
                });
                t.start();
                ZosException e = assertThrows(ZosException.class,
                        () -> Peer.connect(host1, known1, "127.0.0.1", fake.getLocalPort(), "ana", "zos test", T));
                assertEquals(ErrorCode.valueOf(c[1]), e.code(), e.getMessage());
                t.join();
            }
        }
    }

    @Test
    void nobodyListeningIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ZosException e = assertThrows(ZosException.class, () -> Peer.connect(host1, known1, "127.0.0.1", port, "ana", "t", T));
        assertEquals(ErrorCode.HOST_UNREACHABLE, e.code());
    }
}
