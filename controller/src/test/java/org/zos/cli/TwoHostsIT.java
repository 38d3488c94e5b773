package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessGrant;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.net.Peer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * Two real hosts, each a network namespace with its own address and its own zos-agent, and a master
 * (this JVM) on the same bridge: discovery, enrolment, pinned TLS and the access list, end to end.
 * host1 lets ana from host0 dominate it fully; host2 only partially, and has not enrolled host0.
 */
class TwoHostsIT {
    static final Duration T = Duration.ofSeconds(10);
    @TempDir
    static Path tmp;
    static NetnsLan lan;
    static Cli master;
    static HostIdentity host0;

    @BeforeAll
    static void up() throws Exception {
        lan = new NetnsLan();
        Path etc0 = tmp.resolve("host0/etc");
        host0 = HostIdentity.loadOrCreate(etc0.resolve("identity"), "host0");
        master = new Cli(null);
        for (int i = 1; i <= 2; i++) {
            Path etc = Files.createDirectories(tmp.resolve("host" + i + "/etc"));
            Files.writeString(etc.resolve("zpasswd"), "# user master control\nana host0 " + (i == 1 ? "full" : "partial") + "\n");
            if (i == 1) {
                new KnownHosts(etc.resolve("known_hosts")).trust(new KnownHosts.Entry("host0", lan.subnet + ".1", host0.fingerprint()));
            }
            lan.startAgent(lan.addHost(i), etc, tmp.resolve("host" + i + "/state"), "host" + i, tmp.resolve("host" + i + ".log"));
        }
    }

    @AfterAll
    static void down() throws Exception {
        lan.close();
    }

    String etc0() {
        return "--config-dir=" + tmp.resolve("host0/etc");
    }

    String fingerprint(int host) throws Exception {
        return HostIdentity.load(tmp.resolve("host" + host + "/etc/identity")).fingerprint().text();
    }

    @Test
    void discoveryFindsTheHostsThatWouldAcceptAndNoOther() throws Exception {
        Cli.Result full = master.run("discover", etc0(), "--user", "ana", "--control", "full", "--broadcast", lan.broadcast());
        assertEquals(0, full.status(), full.toString());
        assertTrue(full.out().contains("host1") && full.out().contains(lan.address(1)), full.out());
        assertTrue(full.out().contains(fingerprint(1)), full.out());
        assertFalse(full.out().contains("host2"), "host2 would refuse full control, so it stays silent: " + full.out());
        Cli.Result partial = master.run("discover", etc0(), "--user", "ana", "--control", "partial", "--broadcast", lan.broadcast());
        assertTrue(partial.out().contains("host1") && partial.out().contains("host2"), partial.out());
        Cli.Result eve = master.run("discover", etc0(), "--user", "eve", "--control", "partial", "--broadcast", lan.broadcast());
        assertTrue(eve.out().contains("No host answered"), eve.out());
        assertTrue(Files.readString(tmp.resolve("host2.log")).contains("denied ana@host0 full control"), "decisions are logged");
    }

    @Test
    void enrolmentPinnedTlsAndTheAccessList() throws Exception {
        Cli.assertError(master.run("trust", lan.address(1), etc0()), ErrorCode.BAD_PARAMETER, "needs confirmation", fingerprint(1));
        Cli.assertError(master.run("trust", lan.address(1), etc0(), "--fingerprint", fingerprint(2)), ErrorCode.UNKNOWN_PEER,
                "not the");
        Cli.Result ok = master.run("trust", lan.address(1), etc0(), "--fingerprint", fingerprint(1));
        assertEquals(0, ok.status(), ok.toString());
        assertEquals(0, master.run("trust", lan.address(2), etc0(), "--fingerprint", fingerprint(2)).status());
        assertTrue(master.run("hosts", etc0()).out().contains("host1"));

        KnownHosts known = new KnownHosts(tmp.resolve("host0/etc/known_hosts"));
        try (Peer p = Peer.connect(host0, known, lan.address(1), 7470, "ana", "zos test", T)) {
            assertEquals(new AccessGrant("full"), p.request(new AccessQuery("full"), T));
        }
        ZosException refused = assertThrows(ZosException.class, () -> Peer.connect(host0, known, lan.address(2), 7470, "ana", "zos test", T));
        assertEquals(ErrorCode.UNKNOWN_PEER, refused.code(), "host2 has not enrolled host0");
        assertTrue(Files.readString(tmp.resolve("host2.log")).contains("is not enrolled here"));

        try (Peer p = Peer.connect(host0, known, lan.address(1), 7470, "bob", "zos test", T)) {
            ZosException denied = assertThrows(ZosException.class, () -> p.request(new AccessQuery("partial"), T));
            assertEquals(ErrorCode.DENIED, denied.code());
        }
    }
}
