package org.zos.store.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.stream.Duplex;

/** Two real folders kept in step: side a is local, side b is served over folder wire on a loopback socket. */
class ReconcilerTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T10:11:12Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;
    Path dirA;
    Path dirB;
    LocalReplica a;
    LocalReplica b;
    ReplicaWire.Client wire;
    ServerSocket server;
    Thread serving;

    @BeforeEach
    void setUp() throws Exception {
        dirA = Files.createDirectories(tmp.resolve("anima"));
        dirB = Files.createDirectories(tmp.resolve("host2"));
        a = new LocalReplica(dirA, "anima", new PathFilter(Set.of(".ssh"), List.of("*.key")));
        b = new LocalReplica(dirB, "host2", PathFilter.NONE);
        wire = serve(b);
    }

    /** b, behind folder wire on a loopback socket. */
    ReplicaWire.Client serve(Replica replica) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        serving = new Thread(() -> {
            try (Socket s = server.accept()) {
                ReplicaWire.serve(replica, Duplex.of(s));
            } catch (IOException e) {
                // the test ended the stream
            }
        });
        serving.start();
        return new ReplicaWire.Client(Duplex.of(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())));
    }

    @AfterEach
    void tearDown() throws Exception {
        wire.close();
        server.close();
        serving.join(5000);
    }

    Reconciler sync(Reconciler.Direction d) {
        return new Reconciler(a, wire, d, CLOCK);
    }

    static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    static String read(Path p) throws IOException {
        return Files.readString(p);
    }

    static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString()).filter(p -> !p.isEmpty() && !p.startsWith(".zos-sync")).sorted().toList();
        }
    }

    @Test
    void firstRoundMergesBothFoldersAndLaterChangesGoEitherWay() throws Exception {
        write(dirA.resolve("docs/a.txt"), "from the anima");
        write(dirB.resolve("printme.txt"), "from host2");
        Reconciler r = sync(Reconciler.Direction.BOTH);
        Reconciler.Report first = r.round();
        assertEquals(2, first.written(), first.toString());
        assertEquals(tree(dirA), tree(dirB));
        assertEquals("from host2", read(dirA.resolve("printme.txt")));
        assertTrue(r.round().idle(), "a second round has nothing to do");

        write(dirA.resolve("docs/a.txt"), "changed in the anima");
        r.round();
        assertEquals("changed in the anima", read(dirB.resolve("docs/a.txt")));
        write(dirB.resolve("docs/a.txt"), "changed on host2");
        Files.setLastModifiedTime(dirB.resolve("docs/a.txt"), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        r.round();
        assertEquals("changed on host2", read(dirA.resolve("docs/a.txt")));
        assertEquals(1_000_000, Files.getLastModifiedTime(dirA.resolve("docs/a.txt")).toMillis(), "its time goes with it");
    }

    @Test
    void deletesAndRenamesPropagateAndARenameSendsNoBlocks() throws Exception {
        byte[] big = new byte[3 << 20];
        new Random(1).nextBytes(big);
        Files.write(dirA.resolve("big.bin"), big);
        write(dirA.resolve("old/x.txt"), "x");
        Reconciler r = sync(Reconciler.Direction.BOTH);
        r.round();
        Files.move(dirA.resolve("big.bin"), dirA.resolve("renamed.bin"));
        Reconciler.Report moved = r.round();
        assertEquals(0, moved.bytes(), "the renamed file's blocks were already on host2");
        assertArrayEquals(big, Files.readAllBytes(dirB.resolve("renamed.bin")));
        assertFalse(Files.exists(dirB.resolve("big.bin")));

        Files.delete(dirB.resolve("old/x.txt"));
        Files.delete(dirB.resolve("old"));
        r.round();
        assertFalse(Files.exists(dirA.resolve("old")), "a folder deleted on host2 goes in the anima too");
        assertEquals(tree(dirA), tree(dirB));
    }

    @Test
    void whenBothChangedBothVersionsSurvive() throws Exception {
        write(dirA.resolve("notes.txt"), "v1");
        Reconciler r = sync(Reconciler.Direction.BOTH);
        r.round();
        write(dirA.resolve("notes.txt"), "anima's v2");
        write(dirB.resolve("notes.txt"), "host2's v2");
        Reconciler.Report c = r.round();
        assertEquals(1, c.conflicts());
        String copy = "notes.zos-conflict-20261202-101112-host2.txt";
        assertEquals("anima's v2", read(dirA.resolve("notes.txt")));
        assertEquals("anima's v2", read(dirB.resolve("notes.txt")));
        assertEquals("host2's v2", read(dirA.resolve(copy)));
        assertEquals("host2's v2", read(dirB.resolve(copy)));
        assertTrue(r.round().idle());

        // a change beats a delete
        Files.delete(dirA.resolve(copy));
        write(dirB.resolve(copy), "edited on host2");
        r.round();
        assertEquals("edited on host2", read(dirA.resolve(copy)));
    }

    @Test
    void theAgreedStateOutlivesTheReconciler() throws Exception {
        write(dirA.resolve("f.txt"), "one");
        sync(Reconciler.Direction.BOTH).round();
        Files.delete(dirB.resolve("f.txt"));
        // a new reconciler (another host, after a move) reads the agreed state: a delete, not a new file
        sync(Reconciler.Direction.BOTH).round();
        assertFalse(Files.exists(dirA.resolve("f.txt")));
    }

    @Test
    void aChangeToPartOfABigFileSendsAboutThatPart() throws Exception {
        byte[] big = new byte[64 << 20];
        new Random(2).nextBytes(big);
        Files.write(dirA.resolve("disk.img"), big);
        Reconciler r = sync(Reconciler.Direction.BOTH);
        r.round();
        byte[] patch = new byte[1 << 20];
        new Random(3).nextBytes(patch);
        System.arraycopy(patch, 0, big, 20 << 20, patch.length);
        Files.write(dirA.resolve("disk.img"), big);
        long before = wire.wireBytes();
        Reconciler.Report rep = r.round();
        long sent = wire.wireBytes() - before;
        assertArrayEquals(big, Files.readAllBytes(dirB.resolve("disk.img")));
        assertTrue(rep.bytes() < (2 << 20), "blocks sent for 1 MiB changed: " + rep.bytes());
        // the 512 blocks' list goes as a few runs of the list sent the round before, not whole again
        assertTrue(sent - rep.bytes() < 16 << 10, "bytes on the wire besides the blocks: " + (sent - rep.bytes()));
    }

    @Test
    void aSmallChangeInAFolderOfManyFilesSendsThatEntryNotTheTree() throws Exception {
        for (int i = 0; i < 500; i++) {
            write(dirA.resolve("d" + i % 10 + "/f" + i + ".txt"), "file " + i);
        }
        Reconciler r = sync(Reconciler.Direction.BOTH);
        r.round();
        long quiet = wire.wireBytes();
        assertTrue(r.round().idle());
        assertTrue(wire.wireBytes() - quiet < 1024, "a round after the puts does not hear them back: " + (wire.wireBytes() - quiet));
        write(dirA.resolve("d3/f3.txt"), "changed");
        Files.delete(dirA.resolve("d4/f4.txt"));
        long before = wire.wireBytes();
        Reconciler.Report rep = r.round();
        long sent = wire.wireBytes() - before;
        assertEquals(1, rep.written());
        assertEquals(1, rep.deleted());
        assertEquals("changed", read(dirB.resolve("d3/f3.txt")));
        assertFalse(Files.exists(dirB.resolve("d4/f4.txt")));
        assertTrue(sent < 4096, "bytes on the wire for one change and one delete among 500 files: " + sent);
        // a new reconciler on a new stream (another host after a move) starts from whole lists and agrees
        wire.close();
        server.close();
        serving.join(5000);
        wire = serve(b);
        write(dirB.resolve("d5/f5.txt"), "from b");
        sync(Reconciler.Direction.BOTH).round();
        assertEquals("from b", read(dirA.resolve("d5/f5.txt")));
        assertEquals(tree(dirA), tree(dirB));
    }

    @Test
    void aTransferCutShortNeverReplacesTheGoodFile() throws Exception {
        byte[] v1 = new byte[2 << 20];
        new Random(4).nextBytes(v1);
        Files.write(dirA.resolve("f.bin"), v1);
        sync(Reconciler.Direction.BOTH).round();
        byte[] v2 = new byte[2 << 20];
        new Random(5).nextBytes(v2);
        Files.write(dirA.resolve("f.bin"), v2);
        // the anima's file changes again while its blocks are read: the transfer is cut
        Replica flaky = new Forwarding(a) {
            int reads;

            @Override
            public byte[] read(String path, Block block) throws IOException {
                if (++reads == 3) {
                    Files.write(dirA.resolve("f.bin"), "v3".getBytes(StandardCharsets.UTF_8));
                }
                return super.read(path, block);
            }
        };
        Reconciler.Report rep = new Reconciler(flaky, wire, Reconciler.Direction.BOTH, CLOCK).round();
        assertFalse(rep.problems().isEmpty(), "the round says it left the file: " + rep);
        assertArrayEquals(v1, Files.readAllBytes(dirB.resolve("f.bin")), "host2 keeps the whole old file");
        try (Stream<Path> s = Files.list(dirB.resolve(".zos-sync"))) {
            assertEquals(0, s.filter(p -> p.getFileName().toString().startsWith("tmp-")).count(), "no staging file left");
        }
        sync(Reconciler.Direction.BOTH).round();
        assertEquals("v3", read(dirB.resolve("f.bin")), "the next round sends the new version");
    }

    @Test
    void aReadOnlyCopyKeepsItsOwnChangesAsConflictCopiesAndSendsNothingBack() throws Exception {
        write(dirA.resolve("report.txt"), "original");
        Reconciler r = sync(Reconciler.Direction.A_TO_B);
        r.round();
        write(dirB.resolve("report.txt"), "scribbled on host2");
        write(dirB.resolve("new-on-host2.txt"), "mine");
        r.round();
        assertEquals("original", read(dirB.resolve("report.txt")));
        assertEquals("scribbled on host2", read(dirB.resolve("report.zos-conflict-20261202-101112-host2.txt")));
        assertEquals(List.of("report.txt"), tree(dirA), "nothing came back to the anima");
    }

    @Test
    void leftOutPathsAreNeitherListedNorWritten() throws Exception {
        write(dirA.resolve(".ssh/id_ed25519"), "secret");
        write(dirA.resolve("server.key"), "secret");
        write(dirA.resolve("ok.txt"), "fine");
        write(dirB.resolve(".ssh/authorized_keys"), "planted");
        Reconciler.Report rep = sync(Reconciler.Direction.BOTH).round();
        assertEquals(List.of("ok.txt"), tree(dirB).stream().filter(p -> !p.startsWith(".ssh")).toList());
        assertFalse(Files.exists(dirB.resolve("server.key")));
        assertFalse(Files.exists(dirB.resolve(".ssh/id_ed25519")));
        assertFalse(Files.exists(dirA.resolve(".ssh/authorized_keys")), "nothing is written into a never-export path");
        assertFalse(rep.problems().isEmpty());
        assertTrue(sync(Reconciler.Direction.BOTH).round().problems().size() <= rep.problems().size());
    }

    @Test
    void aFullDiskIsNoSpaceAndBothCopiesStay() throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()).redirectErrorStream(true).start();
        Assumptions.assumeTrue(p.waitFor() == 0, "needs root to mount a small tmpfs");
        try {
            LocalReplica tiny = new LocalReplica(small, "tiny", PathFilter.NONE);
            write(small.resolve("keep.txt"), "host side");
            byte[] big = new byte[3 << 20];
            new Random(6).nextBytes(big);
            Files.write(dirA.resolve("big.bin"), big);
            write(dirA.resolve("keep.txt"), "anima side");
            ZosException e = assertThrows(ZosException.class, () -> new Reconciler(a, tiny, Reconciler.Direction.BOTH, CLOCK).round());
            assertEquals(ErrorCode.NO_SPACE, e.code(), e.getMessage());
            assertArrayEquals(big, Files.readAllBytes(dirA.resolve("big.bin")), "the anima's copy stays");
            assertFalse(Files.exists(small.resolve("big.bin")), "no partial file on the full side");
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    @Test
    void stagingFilesOfACrashAreRemovedWhenTheReplicaOpens() throws Exception {
        Path stale = dirB.resolve(".zos-sync/tmp-crash");
        Files.writeString(stale, "half a file");
        new LocalReplica(dirB, "host2", PathFilter.NONE).close();
        assertFalse(Files.exists(stale));
    }

    @Test
    void aShareThatEndsUnderARunningSyncIsRemovedWholeAndTheSyncStops() throws Exception {
        for (int i = 0; i < 300; i++) {
            write(dirA.resolve("d" + i % 10 + "/f" + i), "file " + i);
        }
        java.util.concurrent.atomic.AtomicReference<Exception> syncEnded = new java.util.concurrent.atomic.AtomicReference<>();
        Thread syncing = new Thread(() -> {
            try {
                Reconciler r = sync(Reconciler.Direction.BOTH);
                while (true) {
                    r.round();
                    write(dirA.resolve("busy"), Long.toString(System.nanoTime()));
                }
            } catch (Exception e) {
                syncEnded.set(e);
            }
        });
        syncing.start();
        while (!Files.exists(dirB.resolve("d9"))) {
            Thread.sleep(1);
        }
        b.close(); // what FolderHost.end and the guest's Folders.stop do before they scrub the folder
        Scrub.tree(dirB);
        syncing.join(10_000);
        assertFalse(syncing.isAlive(), "the sync stopped");
        assertTrue(String.valueOf(syncEnded.get()).contains("has ended"), String.valueOf(syncEnded.get()));
        assertFalse(Files.exists(dirB), "nothing of the share is left, nothing written after it ended");
    }

    /** A replica that passes every call on. */
    static class Forwarding implements Replica {
        final Replica r;

        Forwarding(Replica r) {
            this.r = r;
        }

        public String name() {
            return r.name();
        }

        public Scan scan(long since) throws IOException {
            return r.scan(since);
        }

        public Agreed agreed() throws IOException {
            return r.agreed();
        }

        public void agree(Agreed agreed) throws IOException {
            r.agree(agreed);
        }

        public List<Block> blocks(String path, Entry entry) throws IOException {
            return r.blocks(path, entry);
        }

        public Set<String> lacking(String path, List<Block> blocks) throws IOException {
            return r.lacking(path, blocks);
        }

        public byte[] read(String path, Block block) throws IOException {
            return r.read(path, block);
        }

        public void put(String path, Entry base, Entry target, List<Block> blocks, Set<String> lacking, BlockSource carried)
                throws IOException {
            r.put(path, base, target, blocks, lacking, carried);
        }

        public void delete(String path, Entry base) throws IOException {
            r.delete(path, base);
        }

        public void mkdir(String path) throws IOException {
            r.mkdir(path);
        }

        public void close() throws IOException {
            r.close();
        }
    }
}
