package org.zos.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.agent.access.AccessList;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ActionDone;
import org.zos.protocol.message.FolderEnd;
import org.zos.protocol.message.FolderOpen;
import org.zos.protocol.message.FolderReady;
import org.zos.protocol.net.ChannelStream;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.net.ZosServer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.store.folder.LocalReplica;
import org.zos.store.folder.PathFilter;
import org.zos.store.folder.Reconciler;
import org.zos.store.folder.ReplicaWire;

/** host2's copies of an anima's folders, asked for by host1's agent over a real zos TLS connection. */
class FolderHostTest {
    static final Duration T = Duration.ofSeconds(10);
    @TempDir
    Path tmp;
    HostIdentity host1 = HostIdentity.generate("host1");
    HostIdentity host2 = HostIdentity.generate("host2");
    KnownHosts known1;
    FolderHost folders;
    ZosServer server;

    @BeforeEach
    void start() throws Exception {
        known1 = new KnownHosts(tmp.resolve("known1"));
        KnownHosts known2 = new KnownHosts(tmp.resolve("known2"));
        known1.trust(new KnownHosts.Entry("host2", "127.0.0.1", host2.fingerprint()));
        known2.trust(new KnownHosts.Entry("host1", "127.0.0.1", host1.fingerprint()));
        Files.writeString(tmp.resolve("zpasswd"), "ana host1 partial\n");
        folders = new FolderHost("host2", new AccessList(tmp.resolve("zpasswd")), tmp.resolve("state2"));
        server = ZosServer.start(host2, known2, new InetSocketAddress("127.0.0.1", 0), "zos test", new Responder() {
            @Override
            public org.zos.protocol.message.Message answer(Caller caller, org.zos.protocol.message.Message m,
                    java.util.function.Consumer<org.zos.protocol.message.Progress> progress) throws Exception {
                FolderEnd e = (FolderEnd) m;
                return new ActionDone("folder-end", null, folders.end(e.anima(), e.share()));
            }

            @Override
            public Opened openStream(Caller caller, org.zos.protocol.message.Message m, ChannelStream stream) throws Exception {
                return folders.open(caller, (FolderOpen) m, stream);
            }
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    Peer connect() {
        return Peer.connect(host1, known1, "127.0.0.1", server.port(), "ana", "zos test", T);
    }

    @Test
    void aCopyIsKeptInStepOverTheTlsLinkAndOverwrittenAndRemovedWhenTheShareEnds() throws Exception {
        Path anima = Files.createDirectories(tmp.resolve("anima-docs"));
        Files.writeString(anima.resolve("letter.txt"), "zosmarker-folder-test");
        Path copy;
        try (Peer p = connect()) {
            var opened = p.openStream(new FolderOpen("work", "docs", null, false, false), T);
            copy = Path.of(((FolderReady) opened.getKey()).path());
            try (ReplicaWire.Client c = new ReplicaWire.Client(opened.getValue())) {
                Reconciler r = new Reconciler(new LocalReplica(anima, "anima", PathFilter.NONE), c, Reconciler.Direction.BOTH,
                        Clock.systemUTC());
                r.round();
                assertEquals("zosmarker-folder-test", Files.readString(copy.resolve("letter.txt")));
                Files.writeString(copy.resolve("from-host2.txt"), "printed");
                r.round();
                assertEquals("printed", Files.readString(anima.resolve("from-host2.txt")));
            }
        }
        assertTrue(copy.startsWith(tmp.resolve("state2/folders/work")));
        try (Peer p = connect()) {
            p.request(new FolderEnd("work", "docs"), T);
        }
        assertFalse(Files.exists(copy), "the copy is gone");
        assertFalse(Files.exists(tmp.resolve("state2/folders/work")));
        assertEquals("[ ]", Files.readString(tmp.resolve("state2/folders/copies.json")).strip());
        assertTrue(Files.exists(anima.resolve("letter.txt")), "the anima's own files stay");
    }

    @Test
    void aHostsOwnFolderIsLentReadOnlyToAPartialUserAndStaysWhenTheLendEnds() throws Exception {
        Path own = Files.createDirectories(tmp.resolve("host2-printer"));
        Files.writeString(own.resolve("queue.txt"), "host2's file");
        try (Peer p = connect()) {
            ZosException e = assertThrows(ZosException.class,
                    () -> p.openStream(new FolderOpen("work", "printer", own.toString(), false, true), T));
            assertEquals(ErrorCode.DENIED, e.code(), "writing into host2's folder needs full access");
        }
        try (Peer p = connect()) {
            p.openStream(new FolderOpen("work", "printer", own.toString(), true, true), T).getValue().close();
        }
        Path notEmpty = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(notEmpty.resolve("x"), "y");
        try (Peer p = connect()) {
            ZosException e = assertThrows(ZosException.class,
                    () -> p.openStream(new FolderOpen("work", "docs", notEmpty.toString(), false, false), T));
            assertEquals(ErrorCode.BAD_PARAMETER, e.code(), e.getMessage());
        }
        try (Peer p = connect()) {
            p.request(new FolderEnd("work", "printer"), T);
        }
        assertEquals("host2's file", Files.readString(own.resolve("queue.txt")), "the host's own folder stays untouched");
    }
}
