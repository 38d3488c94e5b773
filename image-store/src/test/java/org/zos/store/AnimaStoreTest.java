package org.zos.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

class AnimaStoreTest {
    static final ChunkerParams P = ChunkerParams.DEFAULT;
    @TempDir
    Path tmp;
    byte[] kek = new byte[32];
    Store store;

    @BeforeEach
    void open() throws Exception {
        store = Store.open(tmp.resolve("store"));
    }

    @Test
    void roundTripKeepsEveryByteAndLeavesZeroRunsAsHoles() throws Exception {
        byte[] image = TestImages.mixed(1, 6 << 20);
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            AnimaStore.Ingested in = s.ingest("disk", TestImages.write(tmp, "disk.img", image), P, new WorkMeter());
            Manifest m = in.manifest();
            assertEquals(1, m.generation());
            assertEquals(image.length, m.length());
            assertTrue(m.zeroBytes() > 0, "the test image has zero runs");
            assertTrue(in.sealedBytes() < image.length - m.zeroBytes(), "text compresses");
            Path out = tmp.resolve("out.img");
            s.materialize(m, out, new WorkMeter());
            assertArrayEquals(image, Files.readAllBytes(out));
            long allocated = TestImages.allocatedBytes(out);
            assertTrue(allocated < image.length - m.zeroBytes() / 2, "zero runs are holes: " + allocated);
            assertFalse(Files.exists(tmp.resolve("out.img.part")));
        }
    }

    /**
     * A receiver writes what it holds of an offered image before the rest arrives (the lacking chunks as
     * zeros), then brings the file up to the image writing only those: byte for byte the image.
     */
    @Test
    void anImageWrittenWithoutItsLackingChunksIsBroughtUpToItByWritingOnlyThose() throws Exception {
        byte[] image = TestImages.mixed(9, 6 << 20);
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            Manifest m = s.ingest("disk", TestImages.write(tmp, "disk.img", image), P, new WorkMeter()).manifest();
            List<ChunkId> ids = new ArrayList<>(m.chunkIds());
            java.util.Set<ChunkId> lacking = new java.util.HashSet<>(ids.subList(0, ids.size() / 3));
            Manifest held = m.without(lacking);
            assertEquals(m.length(), held.length());
            assertEquals(m.chunkIds().size() - lacking.size(), held.chunkIds().size());
            assertTrue(java.util.Collections.disjoint(held.chunkIds(), lacking));
            Path out = tmp.resolve("out.img");
            s.materialize(held, out, new WorkMeter(), false);
            byte[] early = Files.readAllBytes(out);
            assertFalse(java.util.Arrays.equals(image, early), "the lacking chunks are not written yet");
            WorkMeter work = new WorkMeter();
            s.update(held, m, out, work);
            assertArrayEquals(image, Files.readAllBytes(out));
            assertEquals(m.entries(), m.without(java.util.Set.of()).entries());
        }
    }

    /**
     * A file that holds one generation is turned into the next in place, leaving out the chunks another
     * writer puts in as they arrive: with those written, it is the next generation byte for byte; and a
     * file whose content is not known is written whole, but for those.
     */
    @Test
    void aFileHoldingOneGenerationIsBroughtUpToTheNextButTheChunksStillToCome() throws Exception {
        byte[] first = TestImages.mixed(5, 4 << 20);
        byte[] second = java.util.Arrays.copyOf(first, first.length + 300_000);
        for (int i = 0; i < 4096; i++) {
            second[(1 << 20) + i] ^= (byte) (i | 1); // a chunk changed
            second[(3 << 20) + i] = 0; // another
        }
        second[second.length - 1] = 1;
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            Manifest a = s.ingest("disk.ahead", TestImages.write(tmp, "a.img", first), P, new WorkMeter()).manifest();
            Manifest b = s.ingest("disk", TestImages.write(tmp, "b.img", second), P, new WorkMeter()).manifest();
            java.util.Set<ChunkId> coming = new java.util.HashSet<>(b.chunkIds());
            coming.removeAll(a.chunkIds());
            assertFalse(coming.isEmpty());
            for (Manifest from : java.util.Arrays.asList(a, null)) {
                Path out = tmp.resolve("out.img");
                Files.write(out, from == null ? new byte[first.length] : first);
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(out, java.nio.file.StandardOpenOption.READ,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.allocate(1), b.length() - 1);
                    s.updateInto(from, b, coming, ch, new WorkMeter());
                }
                byte[] got = Files.readAllBytes(out);
                assertFalse(java.util.Arrays.equals(second, got), "the chunks still to come are not written");
                s.update(b.without(coming), b, out, new WorkMeter()); // as if they did not come: written now
                assertArrayEquals(second, Files.readAllBytes(out));
            }
        }
    }

    @Test
    void aUsersKeyIsMadeOnceKeptWrappedAndOtherUsersGetTheirOwn() throws Exception {
        MasterKey alice = store.userKey("alice", kek);
        assertArrayEquals(alice.bytes(), store.userKey("alice", kek).bytes());
        assertArrayEquals(alice.bytes(), Store.open(tmp.resolve("store")).userKey("alice", kek).bytes(), "it survives a reopen");
        assertFalse(java.util.Arrays.equals(alice.bytes(), store.userKey("bob", kek).bytes()));
        byte[] file = Files.readAllBytes(tmp.resolve("store/users/alice.key"));
        assertEquals(-1, java.util.Collections.indexOfSubList(toList(file), toList(alice.bytes())), "the key rests wrapped");
        byte[] otherKek = new byte[32];
        otherKek[0] = 1;
        assertEquals(ErrorCode.INTEGRITY_ERROR, assertThrows(ZosException.class, () -> store.userKey("alice", otherKek)).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> store.userKey("../alice", kek)).code());
    }

    private static List<Byte> toList(byte[] b) {
        List<Byte> out = new ArrayList<>(b.length);
        for (byte x : b) {
            out.add(x);
        }
        return out;
    }

    @Test
    void sameImageTwiceAddsNothingAndAnInsertionAddsLittle() throws Exception {
        byte[] image = TestImages.mixed(2, 8 << 20);
        byte[] shifted = new byte[image.length + 100];
        System.arraycopy(image, 0, shifted, 0, 3 << 20);
        System.arraycopy(image, 3 << 20, shifted, (3 << 20) + 100, image.length - (3 << 20));
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            s.ingest("disk", new ByteArrayInputStream(image), P, new WorkMeter());
            AnimaStore.Ingested again = s.ingest("disk", new ByteArrayInputStream(image), P, new WorkMeter());
            assertEquals(0, again.newChunks());
            assertEquals(2, again.manifest().generation());
            AnimaStore.Ingested ins = s.ingest("disk", new ByteArrayInputStream(shifted), P, new WorkMeter());
            assertTrue(ins.newBytes() <= 2 * P.max(), "an insertion changes the chunks around it only: " + ins.newBytes());
            Path out = tmp.resolve("shifted");
            s.materialize(s.manifest("disk", 3), out, new WorkMeter());
            assertArrayEquals(shifted, Files.readAllBytes(out));
        }
    }

    /** A move numbers its memory after its disk: a generation at least that, never one held already. */
    @Test
    void anImageCanBeNumberedFromAGenerationOn() throws Exception {
        byte[] image = TestImages.mixed(5, 1 << 20);
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            assertEquals(7, s.ingest("memory", new ByteArrayInputStream(image), P, new WorkMeter(), 7).manifest().generation());
            assertEquals(8, s.ingest("memory", new ByteArrayInputStream(image), P, new WorkMeter(), 3).manifest().generation());
            assertEquals(9, s.ingest("memory", new ByteArrayInputStream(image), P, new WorkMeter()).manifest().generation());
        }
    }

    @Test
    void sealedChunksAndManifestsMoveToAnotherStoreWithoutBeingOpened() throws Exception {
        byte[] image = TestImages.mixed(3, 3 << 20);
        MasterKey key = MasterKey.generate();
        Store other = Store.open(tmp.resolve("other"));
        try (AnimaStore a = store.create("work", key, kek); AnimaStore b = other.create("work", key, new byte[32])) {
            Manifest m = a.ingest("memory", new ByteArrayInputStream(image), P, new WorkMeter()).manifest();
            List<SealedChunk> sent = new ArrayList<>();
            for (ChunkId id : b.missing(m)) {
                sent.add(a.exportChunk(id));
            }
            assertEquals(m.chunkIds().size(), sent.size());
            assertEquals(sent.size(), b.importChunks(sent, false));
            assertEquals(0, b.importChunks(sent, true), "chunks held already are skipped");
            Manifest got = b.importManifest(a.exportManifest("memory", m.generation()));
            assertTrue(b.missing(got).isEmpty());
            Path out = tmp.resolve("copy");
            b.materialize(got, out, new WorkMeter());
            assertArrayEquals(image, Files.readAllBytes(out));
        }
    }

    @Test
    void anotherAnimasKeyNamesTheSameContentDifferently() throws Exception {
        byte[] image = TestImages.mixed(4, 1 << 20);
        try (AnimaStore a = store.create("a", MasterKey.generate(), kek);
                AnimaStore b = store.create("b", MasterKey.generate(), kek)) {
            Manifest ma = a.ingest("disk", new ByteArrayInputStream(image), P, new WorkMeter()).manifest();
            Manifest mb = b.ingest("disk", new ByteArrayInputStream(image), P, new WorkMeter()).manifest();
            assertTrue(ma.chunkIds().stream().noneMatch(mb.chunkIds()::contains));
            SealedChunk foreign = a.exportChunk(ma.chunkIds().iterator().next());
            ZosException e = assertThrows(ZosException.class, () -> b.importChunks(List.of(foreign), true));
            assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
            assertThrows(ZosException.class, () -> b.importManifest(a.exportManifest("disk", 1)));
        }
    }

    @Test
    void aRetiredAnimaIsUnreadableUntilItsKeyComesBackAndThenNeedsNoChunksAgain() throws Exception {
        byte[] image = TestImages.mixed(7, 2 << 20);
        MasterKey key = MasterKey.generate();
        Manifest m;
        try (AnimaStore a = store.create("visitor", MasterKey.of(key.bytes()), kek)) {
            m = a.ingest("disk", new ByteArrayInputStream(image), P, new WorkMeter()).manifest();
        }
        assertTrue(store.retire("visitor"), "retired without its key");
        assertFalse(store.holds("visitor"));
        assertFalse(store.retire("visitor"), "nothing left to retire");
        ZosException gone = assertThrows(ZosException.class, () -> store.open("visitor", kek));
        assertEquals(ErrorCode.ANIMA_NOT_FOUND, gone.code());
        try (AnimaStore again = store.create("visitor", key, kek)) {
            assertTrue(again.missing(m).isEmpty(), "its sealed chunks count as held under the same key");
            assertThrows(ZosException.class, () -> again.manifest("disk", 0), "its manifests are gone");
        }
    }

    @Test
    void gcKeepsWhatTheNewestGenerationsNeed() throws Exception {
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            byte[] v1 = TestImages.mixed(5, 4 << 20);
            byte[] v2 = TestImages.mixed(6, 4 << 20);
            s.ingest("disk", new ByteArrayInputStream(v1), P, new WorkMeter());
            s.ingest("disk", new ByteArrayInputStream(v2), P, new WorkMeter());
            s.ingest("memory", new ByteArrayInputStream(v1), P, new WorkMeter());
            GcReport none = s.gc(0);
            assertEquals(0, none.chunksRemoved());
            GcReport r = s.gc(1);
            assertEquals(1, r.generationsRemoved());
            assertEquals(0, r.chunksRemoved(), "memory@1 still needs disk@1's chunks");
            s.ingest("memory", new ByteArrayInputStream(v2), P, new WorkMeter());
            r = s.gc(1);
            assertTrue(r.chunksRemoved() > 0 && r.bytesFreed() > 0, r.toString());
            assertTrue(s.check(true, 1, new WorkMeter()).ok());
            Path out = tmp.resolve("v2");
            s.materialize(s.manifest("disk", 0), out, new WorkMeter());
            assertArrayEquals(v2, Files.readAllBytes(out));
        }
    }

    @Test
    void reopenedWithTheKekFindsEverythingAndAWrongKekIsRefused() throws Exception {
        byte[] image = TestImages.mixed(7, 1 << 20);
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            s.ingest("disk", new ByteArrayInputStream(image), P, new WorkMeter());
        }
        try (AnimaStore s = Store.open(tmp.resolve("store")).open("work", kek)) {
            assertTrue(s.missing(s.manifest("disk", 0)).isEmpty());
        }
        byte[] wrong = new byte[32];
        wrong[0] = 1;
        ZosException e = assertThrows(ZosException.class, () -> store.open("work", wrong));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
        assertEquals(ErrorCode.ANIMA_NOT_FOUND, assertThrows(ZosException.class, () -> store.open("none", kek)).code());
        assertEquals(ErrorCode.ANIMA_EXISTS,
                assertThrows(ZosException.class, () -> store.create("work", MasterKey.generate(), kek)).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> store.open("../x", kek)).code());
    }

    /**
     * A second image whose changed pages are copies of pages found elsewhere in the first: those pages
     * become refs (codec 3), the image comes back byte for byte, here and in another store, and the chunks
     * the refs name outlive the generation they came from.
     */
    /**
     * The blocks of the newest generation made ahead of the next ingest (as a host does once an anima
     * arrived) are what that ingest takes: it opens no chunk of the generation before for them, and seals
     * as one that made them itself. Only for that generation; a retired anima's are forgotten.
     */
    /**
     * A generation read again tries the chunks of the one before where they stood (a visit changes a few
     * MiB of a disk in place and adds clusters at its end): the same manifest as reading it afresh.
     */
    @Test
    void aGenerationReadAgainFindsTheChunksOfTheOneBeforeAndIsCutAsIfReadAfresh() throws Exception {
        byte[] v1 = TestImages.mixed(7, 6 << 20);
        byte[] v2 = java.util.Arrays.copyOf(v1, (6 << 20) + (512 << 10));
        System.arraycopy(TestImages.mixed(8, 512 << 10), 0, v2, 6 << 20, 512 << 10); // grown at the end
        java.util.Arrays.fill(v2, 2 << 20, (2 << 20) + 40_000, (byte) 'x'); // rewritten in place
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            Manifest first = s.ingest("disk", new ByteArrayInputStream(v1), P, new WorkMeter()).manifest();
            long found = Ingester.FOUND_AGAIN.get();
            Manifest second = s.ingest("disk", new ByteArrayInputStream(v2), P, new WorkMeter()).manifest();
            long foundNow = Ingester.FOUND_AGAIN.get() - found;
            Manifest afresh = s.ingest("copy", new ByteArrayInputStream(v2), P, new WorkMeter()).manifest();
            assertEquals(afresh.entries(), second.entries());
            assertEquals(found + foundNow, Ingester.FOUND_AGAIN.get(), "an image without a generation before tries none");
            long unchanged = first.entries().stream().filter(e -> !e.isZero()).count() - 4;
            assertTrue(foundNow >= unchanged - 2, foundNow + " chunks found again of about " + unchanged);
            s.materialize(second, tmp.resolve("v2"), new WorkMeter());
            assertArrayEquals(v2, Files.readAllBytes(tmp.resolve("v2")));
        }
    }

    @Test
    void blocksMadeAheadOfAnIngestAreTakenByItAndForgottenWhenTheAnimaIsRetired() throws Exception {
        byte[] v1 = TestImages.mixed(5, 4 << 20);
        byte[] v2 = v1.clone();
        System.arraycopy(v1, 1 << 20, v2, 3 << 20, 256 << 10); // pages copied from elsewhere: sealed with refs
        MasterKey key = MasterKey.generate();
        Store other = Store.open(tmp.resolve("other"));
        try (AnimaStore s = store.create("work", key, kek); AnimaStore plain = other.create("work", key, kek)) {
            Manifest first = s.ingest("memory", new ByteArrayInputStream(v1), P, new WorkMeter()).manifest();
            plain.ingest("memory", new ByteArrayInputStream(v1), P, new WorkMeter());
            Path dir = tmp.resolve("store").resolve("animas").resolve("work");
            assertEquals(null, FinderCache.get(dir, "memory", first.entries()));
            long made = Ingester.FINDERS_MADE.get();
            s.prepareIngest("memory");
            s.prepareIngest("memory"); // made already
            assertEquals(made + 1, Ingester.FINDERS_MADE.get());
            assertTrue(FinderCache.get(dir, "memory", first.entries()).isDone());

            AnimaStore.Ingested second = s.ingest("memory", new ByteArrayInputStream(v2), P, new WorkMeter());
            assertEquals(made + 1, Ingester.FINDERS_MADE.get(), "the ingest took the blocks made ahead");
            assertTrue(second.blocksMadeAhead());
            AnimaStore.Ingested alone = plain.ingest("memory", new ByteArrayInputStream(v2), P, new WorkMeter());
            assertEquals(made + 2, Ingester.FINDERS_MADE.get());
            assertFalse(alone.blocksMadeAhead());
            assertEquals(alone.sealedBytes(), second.sealedBytes(), "sealed as with blocks made while reading");
            assertEquals(alone.manifest().entries(), second.manifest().entries());
            s.materialize(second.manifest(), tmp.resolve("v2"), new WorkMeter());
            assertArrayEquals(v2, Files.readAllBytes(tmp.resolve("v2")));
            assertEquals(null, FinderCache.get(dir, "memory", second.manifest().entries()), "made for the generation before only");

            s.prepareIngest("memory");
            assertTrue(FinderCache.get(dir, "memory", second.manifest().entries()) != null);
            assertEquals(null, FinderCache.get(dir, "memory", first.entries()), "one an image");
        }
        Path dir = tmp.resolve("store").resolve("animas").resolve("work");
        int before = FinderCache.size();
        assertTrue(store.retire("work"));
        assertEquals(before - 1, FinderCache.size());
        assertTrue(FinderCache.get(dir, "memory", List.of()) == null);
    }

    /**
     * What a visit wrote, stored as "disk.writes" by a host that did not have it as chunks of the disk: the
     * next generation of the disk, which holds the same clusters in another order (as a fold appends them),
     * refers to them, however they are cut; and reads back whole.
     */
    @Test
    void anImageFindsItsPagesInItsWritesToo() throws Exception {
        java.util.Random r = new java.util.Random(5);
        int cluster = 64 << 10;
        byte[] v1 = new byte[4 << 20];
        r.nextBytes(v1);
        byte[][] written = new byte[24][cluster];
        java.io.ByteArrayOutputStream writes = new java.io.ByteArrayOutputStream();
        for (byte[] c : written) {
            r.nextBytes(c);
            writes.write(c);
        }
        java.io.ByteArrayOutputStream v2 = new java.io.ByteArrayOutputStream();
        v2.write(v1);
        for (int i : new int[] {3, 0, 1, 2, 7, 5, 4, 6, 8, 9, 11, 10, 12, 13, 14, 15, 17, 16, 18, 19, 20, 23, 21, 22}) {
            v2.write(written[i]); // appended as a fold would, mostly but not wholly in order
        }
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            s.ingest("disk", new ByteArrayInputStream(v1), P, new WorkMeter());
            AnimaStore.Ingested w = s.ingest(AnimaStore.writesOf("disk"), new ByteArrayInputStream(writes.toByteArray()), P, new WorkMeter());
            assertEquals("disk.writes@1", w.manifest().label());
            AnimaStore.Ingested second = s.ingest("disk", new ByteArrayInputStream(v2.toByteArray()), P, new WorkMeter());
            assertTrue(second.sealedBytes() < writes.size() / 8, "the visit's writes sealed into " + second.sealedBytes()
                    + " bytes of " + writes.size() + "; each page should cost a reference");
            java.util.Set<ChunkId> bases = new java.util.HashSet<>();
            for (ChunkId id : second.manifest().chunkIds()) {
                bases.addAll(s.exportChunk(id).bases());
            }
            assertTrue(bases.stream().anyMatch(w.manifest().chunkIds()::contains), "no chunk refers to the writes");
            Path out = tmp.resolve("v2");
            s.materialize(second.manifest(), out, new WorkMeter());
            assertArrayEquals(v2.toByteArray(), Files.readAllBytes(out));
        }
    }

    /**
     * A disk stored ahead while its guest runs: the next ingest of the disk seals only the chunks of what
     * changed since, each as it would have without it (its bases are in the disk's own generations, none
     * in the one stored ahead, which a receiver never gets); the ahead image keeps its newest generation
     * only, and leaves the disk's numbering alone.
     */
    @Test
    void aDiskStoredAheadLeavesItsNextIngestOnlyWhatChanged() throws Exception {
        java.util.Random r = new java.util.Random(9);
        byte[] v1 = new byte[8 << 20];
        r.nextBytes(v1);
        byte[] v2 = v1.clone();
        byte[] fresh = new byte[1 << 20];
        r.nextBytes(fresh);
        System.arraycopy(fresh, 0, v2, 2 << 20, fresh.length);
        byte[] v3 = v2.clone();
        byte[] late = new byte[64 << 10];
        r.nextBytes(late);
        System.arraycopy(late, 0, v3, 6 << 20, late.length);
        try (AnimaStore s = store.create("work", MasterKey.generate(), kek)) {
            Manifest first = s.ingest("disk", new ByteArrayInputStream(v1), P, new WorkMeter()).manifest();
            AnimaStore.Ingested a1 = s.ingestAhead("disk", new ByteArrayInputStream(v1), P, new WorkMeter());
            assertEquals("disk.ahead@1", a1.manifest().label());
            assertEquals(0, a1.newChunks(), "nothing changed");
            AnimaStore.Ingested a2 = s.ingestAhead("disk", new ByteArrayInputStream(v2), P, new WorkMeter());
            assertEquals("disk.ahead@2", a2.manifest().label());
            assertTrue(a2.newChunks() > 0);
            assertEquals(List.of(2L), s.manifests().stream().filter(m -> m.image().equals("disk.ahead")).map(Manifest::generation).toList(),
                    "older generations of an ahead image go");
            AnimaStore.Ingested next = s.ingest("disk", new ByteArrayInputStream(v3), P, new WorkMeter());
            assertEquals("disk@2", next.manifest().label());
            assertTrue(next.newChunks() <= 3, next.newChunks() + " chunks sealed anew; only those around the 64 KiB written late should be");
            java.util.Set<ChunkId> own = new java.util.HashSet<>(first.chunkIds());
            own.addAll(next.manifest().chunkIds());
            for (ChunkId id : next.manifest().chunkIds()) {
                for (ChunkId base : s.exportChunk(id).bases()) {
                    assertTrue(own.contains(base), "a chunk of disk@2 is sealed against one only the ahead image holds");
                }
            }
            Path out = tmp.resolve("v3");
            s.materialize(next.manifest(), out, new WorkMeter());
            assertArrayEquals(v3, Files.readAllBytes(out));
            assertThrows(IllegalArgumentException.class, () -> s.ingestAhead("disk.ahead", new ByteArrayInputStream(v1), P, new WorkMeter()));
            // A file unwritten since it was stored ahead: its generation becomes the disk's, the same bytes.
            ZosException wrong = assertThrows(ZosException.class, () -> s.adoptAhead("disk", 2, first.digest()));
            assertEquals(ErrorCode.INTEGRITY_ERROR, wrong.code());
            assertEquals(ErrorCode.ANIMA_NOT_FOUND, assertThrows(ZosException.class, () -> s.adoptAhead("disk", 1, a1.manifest().digest())).code(),
                    "an older generation stored ahead is gone");
            Manifest adopted = s.adoptAhead("disk", 2, a2.manifest().digest());
            assertEquals("disk@3", adopted.label());
            assertArrayEquals(a2.manifest().digest(), adopted.digest());
            Path v2out = tmp.resolve("v2");
            s.materialize(adopted, v2out, new WorkMeter());
            assertArrayEquals(v2, Files.readAllBytes(v2out));
        }
    }

    @Test
    void pagesCopiedFromElsewhereCostReferencesAndStayReadable() throws Exception {
        // pages as in memory: 2 KiB of random bytes, then zeros (not text of a few words: zstd's fast match
        // finders cannot tell its many places apart)
        int page = 4096;
        int pages = 3072;
        java.util.Random r = new java.util.Random(12);
        byte[] v1 = new byte[pages * page];
        for (int p = 0; p < pages; p++) {
            byte[] half = new byte[page / 2];
            r.nextBytes(half);
            System.arraycopy(half, 0, v1, p * page, half.length);
        }
        byte[] v2 = v1.clone();
        java.io.ByteArrayOutputStream changed = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 256; i++) { // 1 MiB of pages, each overwritten with another page of v1
            int to = r.nextInt(pages);
            int from = r.nextInt(pages);
            if (to != from) {
                System.arraycopy(v1, from * page, v2, to * page, page);
                changed.write(v1, from * page, page);
            }
        }
        long yardstick = com.github.luben.zstd.Zstd.compress(changed.toByteArray(), 1).length;
        MasterKey key = MasterKey.generate();
        Store other = Store.open(tmp.resolve("other"));
        try (AnimaStore s = store.create("work", key, kek); AnimaStore b = other.create("work", key, new byte[32])) {
            s.ingest("memory", new ByteArrayInputStream(v1), P, new WorkMeter());
            AnimaStore.Ingested second = s.ingest("memory", new ByteArrayInputStream(v2), P, new WorkMeter());
            assertTrue(second.sealedBytes() < yardstick / 4, "pages copied from elsewhere sealed into "
                    + second.sealedBytes() + " bytes, zstd of them alone is " + yardstick + "; each should cost a reference");
            int refs = 0;
            for (ChunkId id : second.manifest().chunkIds()) {
                SealedChunk c = s.exportChunk(id);
                refs += c.codec() == SealedChunk.CODEC_ZSTD_REFS ? 1 : 0;
                for (ChunkId base : c.bases()) {
                    assertTrue(s.exportChunk(base).bases().isEmpty(), "a ref names a chunk that is not a delta");
                }
            }
            assertTrue(refs > 0, "no chunk was sealed with refs");
            Path out = tmp.resolve("v2");
            s.materialize(second.manifest(), out, new WorkMeter());
            assertArrayEquals(v2, Files.readAllBytes(out));

            List<SealedChunk> sent = new ArrayList<>();
            for (ChunkId id : s.withBases(b.missing(second.manifest()))) {
                sent.add(s.exportChunk(id));
            }
            b.importChunks(sent, true);
            Manifest got = b.importManifest(s.exportManifest("memory", second.manifest().generation()));
            assertTrue(b.missing(got).isEmpty());
            b.materialize(got, tmp.resolve("there"), new WorkMeter());
            assertArrayEquals(v2, Files.readAllBytes(tmp.resolve("there")));

            s.gc(1);
            assertTrue(s.check(true, 1, new WorkMeter()).ok(), "the chunks refs name outlive generation 1");
            s.materialize(s.manifest("memory", 0), out, new WorkMeter());
            assertArrayEquals(v2, Files.readAllBytes(out));
        }
    }
}
