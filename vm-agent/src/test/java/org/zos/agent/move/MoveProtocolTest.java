package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.zos.agent.anima.DiskBase;
import org.zos.agent.hypervisor.DomainState;
import org.zos.agent.move.MoveProtocol.ReceivePhase;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ImageReceived;
import org.zos.protocol.message.ImageSent;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.MoveAbort;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveGo;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveReady;

/**
 * The move protocol with both agents in one JVM ({@link TestNet}): the real {@link Moves} on each side,
 * real stores and journals, a fake hypervisor and in-memory links. Every crash point of either side, on a
 * domination and on a return, must end with exactly one running anima holding the memory it had, nothing
 * of a visitor left where it does not run, and no journal left; every request outside the phase table
 * must be a PROTOCOL_ERROR.
 */
class MoveProtocolTest {
    private static final String ANIMA = "ana";

    @TempDir
    Path dir;
    private TestNet net;
    private TestNet.Agent home;
    private TestNet.Agent visited;
    private byte[] memory;

    @BeforeEach
    void setUp() throws Exception {
        System.setProperty("zos.live.root", dir.resolve("live").toString()); // both agents' (one JVM: one directory)
        net = new TestNet(dir);
        home = net.agent("home");
        visited = net.agent("visited");
        memory = TestNet.bytes(new Random(7), 3 << 20);
        home.anima(ANIMA, memory, 1);
    }

    @AfterEach
    void tearDown() {
        net.close();
        System.clearProperty("zos.live.root");
    }

    private String dominate() throws Exception {
        return home.moves.dominate(ANIMA, "visited", "alice", 0, false, p -> { });
    }

    private String comeHome() throws Exception {
        return home.moves.returnHome(ANIMA, "alice", 0, false, p -> { });
    }

    private String dominateLive() throws Exception {
        return home.moves.dominate(ANIMA, "visited", "alice", 0, true, p -> { });
    }

    private String comeHomeLive() throws Exception {
        return home.moves.returnHome(ANIMA, "alice", 0, true, p -> { });
    }

    @Test
    void dominateThenReturnMovesTheMemoryAndLeavesNothingBehind() throws Exception {
        String note = dominate();
        assertTrue(note.contains("downtime"), note);
        assertRunsOn(visited);
        assertEquals("visited", home.registry.get(ANIMA).away());
        assertEquals("home", visited.registry.get(ANIMA).home());

        comeHome();
        assertRunsOn(home);
        assertNull(home.registry.get(ANIMA).away());
        assertVisitorGone();
        assertNoJournals();

        String again = dominate(); // a second visit sends only what changed: here, the memory
        assertRunsOn(visited);
        assertTrue(sentBytes(again) < sentBytes(note), again + " / " + note);
    }

    /**
     * A first visit finds the kernel and initrd in the visited host's own guest of the same key: none of
     * their chunks is asked for; the visitor boots the files it brought all the same.
     */
    @Test
    void aFirstVisitTakesTheKernelAndInitrdFromTheVisitedHostsOwnGuest() throws Exception {
        Path guest = Files.createDirectories(dir.resolve("visited-guest"));
        Files.writeString(guest.resolve("guest.properties"), "kind=mini\nkey=test\nkernel.package=test\n");
        Files.copy(home.registry.paths(ANIMA).kernel(), guest.resolve("vmlinuz"));
        Files.copy(home.registry.paths(ANIMA).initrd(), guest.resolve("initrd.img"));
        visited.guests = org.zos.guest.GuestImageBuilder.prebuilt(guest, null);
        visited.stop();
        visited.start();
        dominate();
        assertRunsOn(visited);
        List<Integer> wanted = visited.answered.stream().filter(m -> m instanceof org.zos.protocol.message.ChunksWanted)
                .map(m -> ((org.zos.protocol.message.ChunksWanted) m).count()).toList();
        assertEquals(List.of(0, 0), wanted.subList(0, 2), "chunks of the kernel and initrd asked for: " + wanted);
        assertTrue(wanted.get(2) > 0, "the disk's chunks are asked for: " + wanted);
        assertArrayEquals(Files.readAllBytes(home.registry.paths(ANIMA).kernel()),
                Files.readAllBytes(visited.registry.paths(ANIMA).kernel()), "the kernel the visitor boots");
    }

    /**
     * A file the visited host set aside to overwrite on a thread of its own (a commit's memory image split in
     * two) is overwritten when the visitor is erased too, even if that thread has not reached it: seen through
     * a second name the erasure does not know of.
     */
    @Test
    void aVisitorsFileSetAsideToBeOverwrittenIsOverwrittenWhenItIsErased() throws Exception {
        dominate();
        Path aside = visited.registry.paths(ANIMA).dir().resolve("memory.state.rest.scrub");
        Files.write(aside, memory);
        Path seen = dir.resolve("seen");
        Files.createLink(seen, aside);
        comeHome();
        assertRunsOn(home);
        assertVisitorGone();
        assertArrayEquals(new byte[memory.length], Files.readAllBytes(seen), "the file set aside was deleted unwritten");
    }

    /**
     * After a live visit home keeps the memory the anima left with and the visited host learns its pages'
     * digests; the live return names it, home says it holds it; once the anima is home, both forget it.
     */
    @Test
    void aLiveReturnMayReferToTheMemoryHomeKeptAndBothForgetItOnceTheAnimaIsHome() throws Exception {
        dominateLive();
        assertRunsOn(visited);
        for (int i = 0; i < 200 && visited.moves.kept().get(ANIMA).isEmpty(); i++) {
            Thread.sleep(25);
        }
        KeptMemory.Index index = visited.moves.kept().get(ANIMA).orElseThrow(() -> new AssertionError("the visited host learnt nothing"));
        assertEquals(memory.length / LiveStream.PAGE, index.digests().length);
        java.nio.file.Path dir = home.registry.paths(ANIMA).dir();
        assertArrayEquals(memory, Files.readAllBytes(KeptMemory.file(dir, index.tag())));
        assertEquals(PageLedger.digest(memory, 5 * LiveStream.PAGE), index.digests()[5]);

        comeHomeLive();
        assertRunsOn(home);
        org.zos.protocol.message.LivePrepared prepared = (org.zos.protocol.message.LivePrepared) home.answered.stream()
                .filter(org.zos.protocol.message.LivePrepared.class::isInstance).reduce((a, b) -> b).orElseThrow();
        assertEquals(index.tag(), prepared.kept(), "home holds what the return refers to");
        assertTrue(KeptMemory.open(dir, index.tag()).isEmpty(), "home forgets it once the anima is back");
        assertTrue(visited.moves.kept().get(ANIMA).isEmpty(), "and so does the host it visited");
        assertVisitorGone();

        // The host it came home from sealed the memory it came with; home holds the key and the digests.
        for (int i = 0; i < 200 && SealedMemory.Record.read(dir).isEmpty(); i++) {
            Thread.sleep(25);
        }
        SealedMemory.Record sealed = SealedMemory.Record.read(dir).orElseThrow(() -> new AssertionError("home learnt nothing of the seal"));
        assertEquals("visited", sealed.host());
        long[] digests = new long[memory.length / LiveStream.PAGE];
        for (int i = 0; i < digests.length; i++) {
            digests[i] = PageLedger.digest(memory, i * LiveStream.PAGE);
        }
        assertArrayEquals(digests, sealed.digests(), "the digests of the memory it came home with");
        java.nio.file.Path file = SealedMemory.file(visited.stateDir, ANIMA);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            assertTrue(SealedMemory.open(ch, sealed.tag(), sealed.key()).isPresent(), "home's key opens what the visited host sealed");
            assertTrue(SealedMemory.open(ch, sealed.tag(), SealedMemory.newKey()).isEmpty());
        }
        // The next live visit hands the key back; once the anima runs there the sealed file is gone.
        dominateLive();
        assertRunsOn(visited);
        org.zos.protocol.message.LivePrepare prepare = (org.zos.protocol.message.LivePrepare) visited.asked.stream()
                .filter(org.zos.protocol.message.LivePrepare.class::isInstance).reduce((a, b) -> b).orElseThrow();
        assertEquals(sealed.tag(), prepare.kept());
        assertEquals(sealed.sum(), prepare.keptSum());
        assertEquals(java.util.Base64.getEncoder().encodeToString(sealed.key()), prepare.key());
        assertFalse(Files.exists(file), "the sealed memory is used once");
        // Home keeps the memory this visit left with on a thread of its own: over before the test's files go.
        for (int i = 0; i < 200 && visited.moves.kept().get(ANIMA).isEmpty(); i++) {
            Thread.sleep(25);
        }
        assertTrue(visited.moves.kept().get(ANIMA).isPresent(), "home kept the memory of the second visit too");
    }

    /** The anima's disk, unwritten for 10 s, stored ahead as it runs at home; its path. */
    private java.nio.file.Path storedAheadUnwritten() throws Exception {
        home.moves.startStore(ANIMA, "alice");
        java.nio.file.Path disk = home.registry.paths(ANIMA).disk();
        Files.setLastModifiedTime(disk, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 10_000));
        assertTrue(home.moves.storeAheadNow(ANIMA));
        return disk;
    }

    /**
     * The disk stored ahead while the anima runs at home ({@link Moves#storeAhead}): one such work per
     * anima at a time, a command that takes the anima (here a domination) stops it and waits for its end,
     * and the domination's disk is made of the chunks it stored (the disk did not change since).
     */
    @Test
    void aDiskStoredAheadYieldsToACommandAndTheDominationFindsItsChunks() throws Exception {
        storedAheadUnwritten();
        assertTrue(DiskBase.read(home.registry.paths(ANIMA), DiskBase.AHEAD).isPresent(), "unwritten while it was read: recorded");
        java.util.List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                said.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger.getLogger(MoveSender.class.getName()).addHandler(h);
        org.zos.agent.anima.AnimaManager.Yielding y = home.manager.yielding(ANIMA).orElseThrow();
        assertTrue(home.manager.yielding(ANIMA).isEmpty());
        assertFalse(home.moves.storeAheadNow(ANIMA), "one at a time");
        java.util.concurrent.CompletableFuture<String> dominated = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return dominateLive();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        for (int i = 0; i < 200 && !y.stopped(); i++) {
            Thread.sleep(10);
        }
        assertTrue(y.stopped(), "the domination asked the work to stop");
        Thread.sleep(100);
        assertFalse(dominated.isDone(), "and waits for its end");
        y.close();
        dominated.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertRunsOn(visited);
        MoveContext.Stores stores = new MoveContext.Stores(home.stateDir);
        try (org.zos.store.AnimaStore s = stores.store().open(ANIMA, stores.hostKek())) {
            org.zos.store.manifest.Manifest ahead = s.manifest(org.zos.store.AnimaStore.aheadOf("disk"), 1);
            org.zos.store.manifest.Manifest sent = s.manifest("disk", 1);
            assertEquals(ahead.chunkIds(), sent.chunkIds(), "the domination's disk is the chunks stored ahead");
        } finally {
            java.util.logging.Logger.getLogger(MoveSender.class.getName()).removeHandler(h);
        }
        assertTrue(said.stream().anyMatch(m -> m.contains("unwritten since") && m.contains("nothing read")),
                "the domination took the generation stored ahead, reading nothing: " + said);
    }

    /**
     * A disk written after it was stored ahead is read by the move, whatever was recorded; what was stored
     * ahead is offered first, while the disk is read, and the visited host writes it where the disk goes,
     * then brings that up to the disk: it runs on the disk as written, not as it was stored ahead.
     */
    @Test
    void aDiskWrittenAfterItWasStoredAheadIsReadAgain() throws Exception {
        java.nio.file.Path disk = storedAheadUnwritten();
        byte[] bytes = Files.readAllBytes(disk);
        bytes[12345] ^= 1;
        bytes = java.util.Arrays.copyOf(bytes, bytes.length + 70_000); // and longer (its length not a whole number of blocks)
        bytes[bytes.length - 1] = 9;
        Files.write(disk, bytes);
        assertTrue(DiskBase.read(home.registry.paths(ANIMA), DiskBase.AHEAD).isEmpty(), "written since: the record no longer holds");
        dominateLive();
        assertRunsOn(visited);
        assertEquals(List.of(ImageWriter.DISK_AHEAD, "kernel", "initrd", "disk"), visited.asked.stream()
                .filter(m -> m instanceof org.zos.protocol.message.ImageSent).map(m -> ((org.zos.protocol.message.ImageSent) m).image())
                .toList(), "the disk stored ahead went first");
        assertArrayEquals(bytes, Files.readAllBytes(visited.registry.paths(ANIMA).disk()), "the visitor's disk is the disk as written");
        MoveContext.Stores stores = new MoveContext.Stores(home.stateDir);
        try (org.zos.store.AnimaStore s = stores.store().open(ANIMA, stores.hostKek())) {
            java.nio.file.Path out = dir.resolve("sent.img");
            s.materialize(s.manifest("disk", 1), out, new org.zos.store.WorkMeter());
            assertArrayEquals(bytes, Files.readAllBytes(out), "the disk as it is, not as it was stored ahead");
        }
    }

    /**
     * A visited host that says it prepares early takes a live visit's live-prepare while the disk's chunks
     * still come: a qcow2 disk is placed once its metadata is written, and runs, once the move is over, as
     * it was sent; a disk that is not such an image is placed once it is filed (the move as before).
     */
    @Test
    void aLiveVisitPreparesTheDomainWhileAQcow2DiskComes() throws Exception {
        java.nio.file.Path disk = home.registry.paths(ANIMA).disk();
        byte[] bytes = qcow2Disk();
        home.moves.dominate(ANIMA, "visited", "alice", 1 << 20, true, p2 -> { }); // the disk's chunks take a second or two
        assertRunsOn(visited);
        List<String> order = visited.asked.stream().filter(m -> m instanceof org.zos.protocol.message.LivePrepare
                || m instanceof org.zos.protocol.message.ImageSent s && s.image().equals("disk")).map(MoveProtocol::kind).toList();
        assertEquals(List.of("live-prepare", "image-sent"), order, "prepared while the disk came");
        assertArrayEquals(bytes, Files.readAllBytes(visited.registry.paths(ANIMA).disk()), "the visitor's disk is the disk as sent");
        assertFalse(Files.exists(ImageWriter.incoming(visited.registry.paths(ANIMA).disk())), "its other name is gone");
        assertNoJournals();

        comeHomeLive();
        assertRunsOn(home);
        assertVisitorGone();
        Files.write(disk, TestNet.bytes(new Random(4), 3 << 20)); // not a qcow2 image: placed once filed
        dominateLive();
        assertRunsOn(visited);
        assertArrayEquals(Files.readAllBytes(disk), Files.readAllBytes(visited.registry.paths(ANIMA).disk()));
    }

    /**
     * The anima's disk made a qcow2 image (qemu-img's, 64 MiB) with 2 MiB of clusters past its metadata, as a
     * guest's writes leave it: a visited host that prepares early places it while they come. Its bytes.
     */
    private byte[] qcow2Disk() throws Exception {
        java.nio.file.Path disk = home.registry.paths(ANIMA).disk();
        Files.delete(disk);
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "64M").inheritIO().start();
        assertEquals(0, p.waitFor());
        byte[] bytes = Files.readAllBytes(disk);
        bytes = java.util.Arrays.copyOf(bytes, bytes.length + (2 << 20));
        System.arraycopy(TestNet.bytes(new Random(3), 2 << 20), 0, bytes, bytes.length - (2 << 20), 2 << 20);
        Files.write(disk, bytes);
        return bytes;
    }

    /** Only the host an anima last came home from tells home what it sealed of its memory. */
    @Test
    void onlyTheHostAnAnimaCameHomeFromTellsWhatItSealed() throws Exception {
        org.zos.protocol.message.MemoryKept k = new org.zos.protocol.message.MemoryKept(ANIMA, 9, 1, 0, 1,
                java.util.Base64.getEncoder().encodeToString(com.github.luben.zstd.Zstd.compress(new byte[8], 1)),
                java.util.Base64.getEncoder().encodeToString(new byte[32]));
        try (MoveLink l = net.dial("visited", "home")) {
            ZosException e = assertThrows(ZosException.class, () -> l.request(k, java.time.Duration.ofSeconds(2)));
            assertEquals(ErrorCode.DENIED, e.code(), "it never went there");
        }
        assertTrue(SealedMemory.Record.read(home.registry.paths(ANIMA).dir()).isEmpty());
    }

    /** What a host that is not the anima's home tells of kept memory is refused. */
    @Test
    void onlyTheHomeOfAVisitingAnimaTellsWhatItKept() throws Exception {
        dominateLive();
        org.zos.protocol.message.MemoryKept k = new org.zos.protocol.message.MemoryKept(ANIMA, 9, 1, 0, 1,
                java.util.Base64.getEncoder().encodeToString(com.github.luben.zstd.Zstd.compress(new byte[8], 1)));
        try (MoveLink l = net.dial("third", "visited")) {
            ZosException e = assertThrows(ZosException.class, () -> l.request(k, java.time.Duration.ofSeconds(2)));
            assertEquals(ErrorCode.DENIED, e.code());
        }
        try (MoveLink l = net.dial("visited", "home")) {
            ZosException e = assertThrows(ZosException.class, () -> l.request(k, java.time.Duration.ofSeconds(2)));
            assertEquals(ErrorCode.DENIED, e.code(), "home hosts no visitor");
        }
    }

    @Test
    void aDeniedDominationMovesNothing() throws Exception {
        visited.denies = true;
        ZosException e = assertThrows(ZosException.class, this::dominate);
        assertEquals(ErrorCode.DENIED, e.code());
        assertRunsOn(home);
        assertVisitorGone();
    }

    /**
     * Crash points on a domination, suspended to a file or live: the crashing side, the point, where the
     * anima must run after. A receiver that crashes before the decision starts again within the sender's
     * patience, so the sender dials again and the move completes; a sender that crashes before it decides
     * takes its copy back (a live one only if its hypervisor did not let the anima go).
     */
    @ParameterizedTest(name = "dominate{3}, {0} crashes at {1}")
    @CsvSource({
        "home, sender.disk-ahead, home, ''",
        "home, sender.suspended, home, ''",
        "home, sender.memory, home, ''",
        "home, sender.committed, visited, ''",
        "visited, receiver.image, visited, ''",
        "visited, receiver.chunk, visited, ''",
        "visited, receiver.restored, visited, ''",
        "visited, receiver.go, visited, ''",
        "home, sender.disk-ahead, home, ' live'",
        "home, sender.migrating, home, ' live'",
        "home, sender.migrated, visited, ' live'",
        "visited, receiver.migrating, visited, ' live'",
        "visited, receiver.go, visited, ' live'",
        "home, sender.disk-ahead, home, ' live, prepared early'",
        "home, sender.migrating, home, ' live, prepared early'",
        "home, sender.migrated, visited, ' live, prepared early'",
        "visited, receiver.migrating, visited, ' live, prepared early'",
        "visited, receiver.go, visited, ' live, prepared early'",
    })
    void aCrashWhileDominatingLeavesExactlyOneAnima(String side, String point, String endsOn, String live) throws Exception {
        boolean early = live.contains("early");
        if (early) {
            qcow2Disk();
        }
        agent(side).crashAt(point);
        try {
            home.moves.dominate(ANIMA, "visited", "alice", early ? 1 << 20 : 0, !live.isEmpty(), p -> { });
        } catch (Exception | TestNet.Crash e) {
            // the move may fail (how depends on timing); where the anima ends up is what counts
        }
        settle(agent(endsOn));
        assertTrue(agent(side).starts > 1, side + " did not crash at " + point);
    }

    /** The same for the return, sent by the visited host. */
    @ParameterizedTest(name = "return{3}, {0} crashes at {1}")
    @CsvSource({
        "visited, sender.disk-ahead, visited, ''",
        "visited, sender.suspended, visited, ''",
        "visited, sender.memory, visited, ''",
        "visited, sender.committed, home, ''",
        "home, receiver.image, home, ''",
        "home, receiver.chunk, home, ''",
        "home, receiver.restored, home, ''",
        "home, receiver.go, home, ''",
        "visited, sender.migrating, visited, ' live'",
        "visited, sender.migrated, home, ' live'",
        "home, receiver.migrating, home, ' live'",
        "home, receiver.go, home, ' live'",
    })
    void aCrashWhileReturningLeavesExactlyOneAnima(String side, String point, String endsOn, String live) throws Exception {
        boolean isLive = !live.isEmpty();
        home.moves.dominate(ANIMA, "visited", "alice", 0, isLive, p -> { });
        agent(side).crashAt(point);
        try {
            home.moves.returnHome(ANIMA, "alice", 0, isLive, p -> { });
        } catch (Exception | TestNet.Crash e) {
            // as above
        }
        settle(agent(endsOn));
        assertTrue(agent(side).starts > 1, side + " did not crash at " + point);
    }

    @Test
    void aLiveDominationAndReturnMoveTheRunningAnimaAndLeaveNothingBehind() throws Exception {
        String note = dominateLive();
        assertTrue(note.startsWith("live (converged)"), note);
        settle(visited);
        note = comeHomeLive();
        assertTrue(note.startsWith("live (converged)"), note);
        settle(home);
        Path disk = home.registry.paths(ANIMA).disk();
        assertFalse(Files.exists(disk.resolveSibling(disk.getFileName() + ".live-base")), "the copy of the disk sent ahead stays");
        assertEquals(List.of(), List.of(dir.resolve("live").toFile().list()), "a live move's sockets stay");
    }

    /**
     * A live return whose visit ran on the overlay its domination made sends nothing ahead: home's disk is
     * the one the overlay lies over (both ends recorded the same base), its kernel and initrd the ones it
     * sent, and the migration copies the overlay over it; home folds it once the anima runs, and its disk
     * is no longer that base.
     */
    @Test
    void aLiveReturnOverTheDiskHomeKeptSendsNoDisk() throws Exception {
        dominateLive();
        settle(visited);
        assertTrue(visited.hypervisor.diverted(ANIMA), "the visitor's overlay was folded");
        java.util.Optional<String> base = DiskBase.read(home.registry.paths(ANIMA)).map(DiskBase::claim);
        assertTrue(base.isPresent(), "home did not record the disk it sent");
        assertEquals(base, DiskBase.read(visited.registry.paths(ANIMA)).map(DiskBase::claim));
        home.answered.clear();
        comeHomeLive();
        settle(home);
        assertEquals(List.of(base.get()), answered(home, MoveReady.class).stream().map(MoveReady::diskBase).toList());
        assertEquals(List.of(), answered(home, ImageReceived.class), "images went ahead");
        assertTrue(DiskBase.read(home.registry.paths(ANIMA)).isEmpty(), "home's disk, written since, still claims to be the one it sent");

        String again = dominateLive(); // and a second visit finds what the first wrote sealed there
        settle(visited);
        assertTrue(again.startsWith("live (converged)"), again);
    }

    /** A home whose disk was written since the anima left does not hold the base: the disk goes ahead after all. */
    @Test
    void aLiveReturnToAHomeWhoseDiskWasWrittenSendsTheDisk() throws Exception {
        dominateLive();
        settle(visited);
        Path disk = home.registry.paths(ANIMA).disk();
        Files.setLastModifiedTime(disk, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        home.answered.clear();
        comeHomeLive();
        settle(home);
        assertEquals(java.util.Collections.singletonList(null), answered(home, MoveReady.class).stream().map(MoveReady::diskBase).toList());
        assertEquals(List.of("kernel", "initrd", "disk"), answered(home, ImageReceived.class).stream().map(ImageReceived::image).toList());
    }

    /** A visitor suspended on its overlay is folded first: a suspended anima's disk is one file, the one a move of it sends. */
    @Test
    void aVisitorSuspendedOnItsOverlayIsFoldedFirst() throws Exception {
        dominateLive();
        settle(visited);
        visited.manager.suspend(ANIMA);
        assertFalse(visited.hypervisor.diverted(ANIMA), "suspended on its overlay");
        assertFalse(Files.exists(visited.registry.paths(ANIMA).diskTop()), "the overlay stays");
        assertTrue(DiskBase.read(visited.registry.paths(ANIMA)).isEmpty(), "the folded disk still claims its base");
        home.answered.clear();
        comeHome();
        settle(home);
        assertTrue(answered(home, ImageReceived.class).stream().anyMatch(r -> r.image().equals("disk")), "no disk went home");
    }

    private static <T> List<T> answered(TestNet.Agent a, Class<T> type) {
        return a.answered.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void aLiveMigrationThatLosesItsLinkIsDialledAgainAndCompletes() throws Exception {
        int[] tries = {0};
        home.hypervisor.duringMigration = () -> {
            if (tries[0]++ == 0) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the live migration of ana failed: the connection closed", "");
            }
        };
        dominateLive();
        settle(visited);
        assertEquals(2, tries[0]);
    }

    @Test
    void aCancelWhileMigratingLeavesTheAnimaRunningAtHome() throws Exception {
        home.hypervisor.duringMigration = () -> {
            home.moves.cancel(ANIMA, "alice");
            throw new ZosException(ErrorCode.INTERNAL, "the live migration of ana failed: operation aborted", "");
        };
        ZosException e = assertThrows(ZosException.class, this::dominateLive);
        assertEquals(ErrorCode.CANCELLED, e.code());
        settle(home);
    }

    /**
     * The sender's libvirt asks the receiver's for something a migration does not need: the receiver's
     * guard ends the connection, which the sender takes for a broken link; its next offer hears DENIED,
     * and the move ends so, not after ten attempts.
     */
    @Test
    void aLibvirtCallTheGuardRefusesEndsTheMoveDenied() throws Exception {
        Path libvirtd = dir.resolve("libvirt-sock"); // a stand-in for the receiver's libvirtd: it takes what comes
        System.setProperty("zos.libvirtd.socket", libvirtd.toString());
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(libvirtd));
            Thread taker = new Thread(() -> {
                try (java.nio.channels.SocketChannel c = server.accept()) {
                    java.nio.channels.Channels.newInputStream(c).transferTo(java.io.OutputStream.nullOutputStream());
                } catch (java.io.IOException e) {
                    // closed
                }
            });
            taker.setDaemon(true);
            taker.start();
            int[] tries = {0};
            home.hypervisor.duringMigration = () -> {
                tries[0]++;
                String uri = home.hypervisor.migrating.peerUri();
                Path socket = Path.of(uri.substring(uri.indexOf("socket=") + "socket=".length()));
                try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
                    c.write(java.nio.ByteBuffer.wrap(LibvirtGuardTest.packet(LibvirtGuard.REMOTE_PROGRAM, 12, 0, d -> { })));
                    java.nio.channels.Channels.newInputStream(c).transferTo(java.io.OutputStream.nullOutputStream()); // until it closes
                } catch (java.io.IOException e) {
                    // closed
                }
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the live migration of ana failed: the connection closed", "");
            };
            ZosException e = assertThrows(ZosException.class, this::dominateLive);
            assertEquals(ErrorCode.DENIED, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("refused on visited"), e.getMessage());
            assertEquals(1, tries[0]);
            settle(home);
        } finally {
            System.clearProperty("zos.libvirtd.socket");
        }
    }

    /**
     * The sender's agent dies while the guest is paused for its migration (the fallback of one that does not
     * converge, or a hypervisor that could not run it again when the migration failed): the receiver never
     * runs an undecided anima, so the successor runs it again at home.
     */
    @Test
    void aSenderThatDiesWithTheGuestPausedForItsMigrationRunsItAgainWhenItStarts() throws Exception {
        home.hypervisor.duringMigration = () -> {
            home.hypervisor.pause(ANIMA);
            home.crashHere("the migration's pause");
        };
        try {
            dominateLive();
        } catch (Exception | TestNet.Crash e) {
            // the move fails; where the anima runs is what counts
        }
        settle(home);
    }

    /** The master's QEMU dies while its memory goes: the anima's memory is lost, its disk stays home, nothing of it on the visited host. */
    @Test
    void theSendersQemuDyingWhileMigratingLeavesTheAnimaShutOffAtHome() throws Exception {
        home.hypervisor.duringMigration = () -> home.hypervisor.kill(ANIMA);
        assertThrows(ZosException.class, this::dominateLive);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while ((!journals().isEmpty() || visited.moves.receiver().receiving(ANIMA)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertNoJournals();
        assertEquals(DomainState.SHUT_OFF, home.hypervisor.state(ANIMA));
        assertNull(home.registry.get(ANIMA).away());
        assertVisitorGone();
    }

    @Test
    void aCancelBeforeTheDecisionLeavesTheAnimaHome() throws Exception {
        home.at("sender.memory", () -> home.moves.cancel(ANIMA, "alice"));
        ZosException e = assertThrows(ZosException.class, this::dominate);
        assertEquals(ErrorCode.CANCELLED, e.code());
        settle(home);
    }

    @Test
    void aGuestThatCannotRunThereIsTakenBack() throws Exception {
        visited.at("receiver.go", () -> {
            visited.hypervisor.kill(ANIMA);
            try {
                Files.delete(visited.registry.paths(ANIMA).state()); // nothing left to restore from either
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        });
        ZosException e = assertThrows(ZosException.class, this::dominate);
        assertTrue(e.getMessage().contains("runs here again"), e.getMessage());
        settle(home);
    }

    /** Every request outside the receiver's table is refused with PROTOCOL_ERROR, in every phase a sender can meet. */
    @Test
    void requestsOutsideThePhaseTableAreProtocolErrors() throws Exception {
        CountDownLatch restored = new CountDownLatch(1);
        CountDownLatch checked = new CountDownLatch(1);
        List<String> seen = new ArrayList<>();
        home.at("sender.committed", () -> {
            restored.countDown();
            await(checked);
        });
        Thread move = new Thread(() -> {
            try {
                dominate();
            } catch (Exception e) {
                seen.add("move failed: " + e);
            }
        });
        move.start();
        assertTrue(restored.await(30, TimeUnit.SECONDS));
        assertEquals(ReceivePhase.RESTORED, visited.moves.receiver().phase(ANIMA).orElseThrow());
        long transfer = MoveJournal.read(visited.stateDir, ANIMA).orElseThrow().transfer();
        try (MoveLink link = new TestNet.Link("home", visited, "alice", dir)) {
            for (Message m : List.of(new ImageSent(transfer, "disk", 1, 0), new MoveCommit(transfer, java.util.Map.of(), null),
                    new org.zos.protocol.message.LivePatch(transfer, ANIMA, 1, "AAAA"))) {
                ZosException e = assertThrows(ZosException.class, () -> link.request(m, TestNet.TIMES.idle()));
                assertEquals(ErrorCode.PROTOCOL_ERROR, e.code(), e.getMessage());
                assertTrue(e.getMessage().contains("restored"), e.getMessage());
            }
        }
        checked.countDown();
        move.join(30_000);
        assertEquals(List.of(), seen);
        settle(visited);
    }

    @Test
    void aGoBeforeTheCommitIsAProtocolErrorAndAnAbortDropsTheMove() throws Exception {
        visited.at("receiver.image", () -> { });
        try (MoveLink link = new TestNet.Link("home", visited, "alice", dir)) {
            MoveOffer o = offer();
            long transfer = ((MoveReady) link.request(o, TestNet.TIMES.idle())).transfer();
            assertEquals(ReceivePhase.RECEIVING, visited.moves.receiver().phase(ANIMA).orElseThrow());
            ZosException e = assertThrows(ZosException.class, () -> link.request(new MoveGo(transfer, ANIMA), TestNet.TIMES.idle()));
            assertEquals(ErrorCode.PROTOCOL_ERROR, e.code(), e.getMessage());
            e = assertThrows(ZosException.class, () -> link.request(new ImageSent(transfer, "disk", 1, 0), TestNet.TIMES.idle()));
            assertEquals(ErrorCode.PROTOCOL_ERROR, e.code(), e.getMessage());
            e = assertThrows(ZosException.class, () -> link.request(new ImageSent(transfer + 1, "disk", 1, 0), TestNet.TIMES.idle()));
            assertEquals(ErrorCode.BAD_PARAMETER, e.code(), "an unknown transfer: " + e.getMessage());
            MoveDone d = (MoveDone) link.request(new MoveAbort(transfer, "test"), TestNet.TIMES.idle());
            assertEquals("aborted", d.state());
        }
        assertVisitorGone();
        assertNoJournals();
    }

    private MoveOffer offer() {
        var r = home.registry.get(ANIMA);
        return new MoveOffer(ANIMA, "home", MoveOffer.VISIT, r.uuid().toString(), r.memoryMiB(), r.vcpus(), r.diskSizeMiB(),
                r.guestKey(), r.kernelPackage(), r.accelerator(), home.hypervisor.xml(ANIMA), 1 << 20,
                java.util.Base64.getEncoder().encodeToString(new byte[32]), java.util.Base64.getEncoder().encodeToString(new byte[32]));
    }

    private TestNet.Agent agent(String name) {
        return net.agents.get(name);
    }

    /** Waits until both agents are up, no journal is left and the anima runs on {@code on} only; then checks it all. */
    private void settle(TestNet.Agent on) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (home.up && visited.up && journals().isEmpty() && on.hypervisor.state(ANIMA) == DomainState.RUNNING
                    && other(on).hypervisor.state(ANIMA) != DomainState.RUNNING && !visited.moves.receiver().receiving(ANIMA)
                    && !home.moves.receiver().receiving(ANIMA)) {
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(300); // nothing may change after it settled
        assertRunsOn(on);
        assertNoJournals();
        if (on == home) {
            assertNull(home.registry.get(ANIMA).away());
            assertVisitorGone();
        } else {
            assertEquals("visited", home.registry.get(ANIMA).away());
        }
    }

    private TestNet.Agent other(TestNet.Agent a) {
        return a == home ? visited : home;
    }

    private void assertRunsOn(TestNet.Agent on) {
        on.manager.hold(ANIMA).close(); // waits for what the receiver does after its answer (the overlay's fold)
        assertEquals(DomainState.RUNNING, on.hypervisor.state(ANIMA), ANIMA + " on " + on.name);
        // a live move's overlay is folded into the disk wherever the anima ended, and gone everywhere, but
        // for a visitor's over the disk it received (recorded as its base): its live return sends only that
        boolean onOverlay = on == visited && on.hypervisor.diverted(ANIMA);
        if (onOverlay) {
            assertTrue(DiskBase.read(visited.registry.paths(ANIMA)).isPresent(), "the visitor runs on an overlay over a disk it did not record");
        } else {
            assertFalse(on.hypervisor.diverted(ANIMA), "the disk of " + ANIMA + " on " + on.name + " stays diverted to its overlay");
        }
        for (TestNet.Agent a : List.of(home, visited)) {
            assertEquals(a == on && onOverlay, Files.exists(a.registry.paths(ANIMA).diskTop()), "the overlay on " + a.name);
        }
        assertArrayEquals(memory, on.hypervisor.memory(ANIMA), "the memory of " + ANIMA + " on " + on.name);
        assertFalse(other(on).hypervisor.state(ANIMA).isActive(), ANIMA + " is also active on " + other(on).name);
    }

    private void assertVisitorGone() {
        assertTrue(visited.registry.find(ANIMA).isEmpty(), "the visitor's record stays");
        assertFalse(Files.exists(visited.registry.paths(ANIMA).dir()), "the visitor's files stay");
        assertEquals(DomainState.UNDEFINED, visited.hypervisor.state(ANIMA));
    }

    private void assertNoJournals() {
        assertEquals(List.of(), journals());
    }

    private List<String> journals() {
        List<String> out = new ArrayList<>();
        for (TestNet.Agent a : List.of(home, visited)) {
            MoveJournal.read(a.stateDir, ANIMA).ifPresent(j -> out.add(a.name + ": " + j.phase()));
        }
        return out;
    }

    private static long sentBytes(String note) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+) bytes\\)").matcher(note);
        if (!m.find()) {
            fail("no bytes in " + note);
        }
        return Long.parseLong(m.group(1));
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
