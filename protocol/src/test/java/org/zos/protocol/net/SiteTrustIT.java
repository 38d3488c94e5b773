package org.zos.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
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
import org.zos.protocol.message.Ping;
import org.zos.protocol.message.Pong;
import org.zos.protocol.tls.Authorities;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.tls.SiteAuthority;

/**
 * Two hosts on real sockets that trust a site authority instead of pinning each other: endorsed hosts
 * talk; a revoked, foreign-endorsed or renamed one is refused with the error that says which.
 */
class SiteTrustIT {
    static final Duration T = Duration.ofSeconds(10);
    @TempDir
    Path tmp;
    SiteAuthority lab;
    HostIdentity host1;
    HostIdentity host2;
    KnownHosts known1;
    KnownHosts known2;
    ZosServer server;
    LogCapture capture;
    List<String> answered = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        lab = SiteAuthority.create(tmp.resolve("ca"), "lab", tmp.resolve("ca/public/crl.pem").toUri());
        host1 = HostIdentity.loadOrCreate(tmp.resolve("host1/identity"), "host1");
        host2 = HostIdentity.loadOrCreate(tmp.resolve("host2/identity"), "host2");
        known1 = new KnownHosts(tmp.resolve("host1/known_hosts"));
        known2 = new KnownHosts(tmp.resolve("host2/known_hosts"));
        capture = new LogCapture("org.zos.protocol.net");
        server = ZosServer.start(host2, known2, new InetSocketAddress("127.0.0.1", 0), "zos test", (caller, m, progress) -> {
            answered.add(caller.host().name() + "/" + caller.user());
            return new Pong(((Ping) m).nanos());
        });
    }

    @AfterEach
    void stop() {
        server.close();
        capture.close();
    }

    void endorse(HostIdentity h, SiteAuthority by) throws Exception {
        h.installEndorsement(by.sign(SiteAuthority.parseRequest(SiteAuthority.request(h)), SiteAuthority.DEFAULT_VALIDITY));
    }

    void trustLab(KnownHosts k) throws Exception {
        k.site().install(lab.certificate());
    }

    /** host1 dials host2 by address, where its known_hosts line says "site": any key the authority endorses as host2. */
    Peer connect() throws Exception {
        known1.trust(new KnownHosts.Entry("host2", "127.0.0.1", null));
        return Peer.connect(host1, known1, "127.0.0.1", server.port(), "ana", "zos test", T);
    }

    @Test
    void endorsedHostsTalkWithoutPinningEachOther() throws Exception {
        trustLab(known1);
        trustLab(known2);
        endorse(host1, lab);
        endorse(host2, lab); // while host2's server runs: used from the next connection on
        try (Peer p = connect()) {
            assertEquals("host2", p.hello().host());
            assertEquals(new Pong(7), p.request(new Ping(7), T));
        }
        assertEquals(List.of("host1/ana"), answered);
        assertTrue(known2.entries().isEmpty(), "nothing was pinned on either side");
        assertEquals(List.of("host2 127.0.0.1 site"), java.nio.file.Files.readAllLines(known1.file()).subList(1, 2));
    }

    @Test
    void aRevokedServerIsRefusedWithPeerRevoked() throws Exception {
        trustLab(known1);
        trustLab(known2);
        endorse(host1, lab);
        endorse(host2, lab);
        lab.revoke("host2");
        assertEquals(1, known1.site().refresh().size());
        ZosException e = assertThrows(ZosException.class, this::connect);
        assertEquals(ErrorCode.PEER_REVOKED, e.code());
        assertTrue(e.getMessage().contains("revoked by site authority 'lab'"), e.getMessage());
        assertTrue(answered.isEmpty());
    }

    @Test
    void aRevokedClientIsRefusedAndTheServerSaysWhy() throws Exception {
        trustLab(known1);
        trustLab(known2);
        endorse(host1, lab);
        endorse(host2, lab);
        lab.revoke("host1");
        known2.site().refresh();
        ZosException e = assertThrows(ZosException.class, this::connect);
        assertEquals(ErrorCode.UNKNOWN_PEER, e.code(), "TLS tells the refused side only that it was refused");
        assertTrue(e.getMessage().contains("refused this host's certificate"), e.getMessage());
        Thread.sleep(200);
        assertTrue(capture.lines.stream().anyMatch(l -> l.contains("host1's endorsement") && l.contains("was revoked")), capture.lines.toString());
        // a pin does not outweigh a revocation the host presents
        known2.trust(new KnownHosts.Entry("host1", "127.0.0.1", host1.fingerprint()));
        assertThrows(ZosException.class, this::connect);
        assertTrue(answered.isEmpty());
    }

    @Test
    void anotherAuthoritysEndorsementIsUnknown() throws Exception {
        SiteAuthority other = SiteAuthority.create(tmp.resolve("other"), "other", null);
        trustLab(known1);
        trustLab(known2);
        endorse(host1, lab);
        endorse(host2, other);
        ZosException e = assertThrows(ZosException.class, this::connect);
        assertEquals(ErrorCode.UNKNOWN_PEER, e.code());
        assertTrue(e.getMessage().contains("does not trust"), e.getMessage());
    }

    @Test
    void aPinDecidesOverAnEndorsementForThatName() throws Exception {
        trustLab(known1);
        trustLab(known2);
        endorse(host1, lab);
        endorse(host2, lab);
        known2.trust(new KnownHosts.Entry("host1", "127.0.0.1", HostIdentity.generate("host1").fingerprint()));
        assertEquals(ErrorCode.UNKNOWN_PEER, assertThrows(ZosException.class, this::connect).code());
        Thread.sleep(200);
        assertTrue(capture.lines.stream().anyMatch(l -> l.contains("presented key")), capture.lines.toString());
        assertTrue(answered.isEmpty(), "host2 refused host1: its pin for host1 names another key");
    }

    @Test
    void aHostEndorsedUnderAnotherNameIsNotTheHostDialled() throws Exception {
        trustLab(known1);
        trustLab(known2);
        endorse(host1, lab);
        HostIdentity host3 = HostIdentity.loadOrCreate(tmp.resolve("host3/identity"), "host3");
        endorse(host3, lab);
        server.close();
        server = ZosServer.start(host3, known2, new InetSocketAddress("127.0.0.1", 0), "zos test", (caller, m, progress) -> new Pong(0));
        ZosException e = assertThrows(ZosException.class, this::connect);
        assertEquals(ErrorCode.UNKNOWN_PEER, e.code());
        assertTrue(e.getMessage().contains("its site endorsement is for host3"), e.getMessage());
    }

    @Test
    void withoutAnAuthorityNothingChanges() throws Exception {
        endorse(host2, lab); // endorsed, but host1 trusts no authority: it must pin
        ZosException e = assertThrows(ZosException.class, () -> Peer.connect(host1, known1, "127.0.0.1", server.port(), "ana", "zos test", T));
        assertEquals(ErrorCode.UNKNOWN_PEER, e.code());
        assertTrue(e.getMessage().contains("is not an enrolled host"), e.getMessage());
        assertEquals(java.util.Optional.empty(), known1.route("host2"), "no authority: only known_hosts routes");
        trustLab(known1);
        assertEquals(new KnownHosts.Entry("host2", "host2", null), known1.route("host2").orElseThrow(), "with one: the name itself");
        assertEquals(java.util.Optional.empty(), known1.route("not a name"));
    }

    @Test
    void anAuthorityInstalledLaterIsUsedAtOnce() throws Exception {
        endorse(host1, lab);
        endorse(host2, lab);
        trustLab(known1);
        assertThrows(ZosException.class, this::connect, "host2 trusts no authority yet");
        new Authorities(known2.site().dir()).install(lab.certificate()); // as 'zos-vm ca install' in another process
        try (Peer p = connect()) {
            assertEquals(new Pong(1), p.request(new Ping(1), T));
        }
    }
}
