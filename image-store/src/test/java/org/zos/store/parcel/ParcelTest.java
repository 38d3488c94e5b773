package org.zos.store.parcel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import org.zos.store.WorkMeter;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * Parcels against a real S3 server (S3Proxy in this JVM): what a push sends, what a pull takes and checks,
 * what the bucket holds, who gets the lease, and the errors a user meets.
 */
class ParcelTest {
    static final char[] PASS = "correct horse battery".toCharArray();
    static final byte[] MARKER = "ZOS-PLAINTEXT-MARKER-7f3a".getBytes(StandardCharsets.US_ASCII);
    static S3Server s3;

    @TempDir
    Path tmp;
    String bucket;
    Remote remote;

    @BeforeAll
    static void up() throws Exception {
        s3 = new S3Server();
    }

    @AfterAll
    static void down() throws Exception {
        s3.close();
    }

    @BeforeEach
    void bucket() throws Exception {
        bucket = "b" + Long.toHexString(new Random().nextLong() & Long.MAX_VALUE);
        s3.bucket(bucket);
        remote = S3Remote.open(s3.remote(tmp, "lab", bucket, "zos", S3Server.SECRET));
    }

    /** 4 MiB of incompressible bytes with a marker every 256 KiB: what must never reach the bucket readable. */
    static byte[] image(long seed) {
        byte[] b = new byte[4 << 20];
        new Random(seed).nextBytes(b);
        for (int at = 1000; at + MARKER.length < b.length; at += 256 << 10) {
            System.arraycopy(MARKER, 0, b, at, MARKER.length);
        }
        return b;
    }

    record Host(Store store, byte[] kek) {
        AnimaStore create(String anima, MasterKey key) throws Exception {
            return store.create(anima, key, kek);
        }
    }

    Host host(String name) throws Exception {
        byte[] kek = new byte[32];
        new Random(name.hashCode()).nextBytes(kek);
        return new Host(Store.open(tmp.resolve(name)), kek);
    }

    Manifest ingest(AnimaStore s, String image, byte[] content) throws Exception {
        Path f = tmp.resolve(image + "-" + System.nanoTime());
        Files.write(f, content);
        return s.ingest(image, f, ChunkerParams.DEFAULT, new WorkMeter()).manifest();
    }

    byte[] materialize(AnimaStore s, Manifest m) throws Exception {
        Path out = tmp.resolve("out-" + System.nanoTime());
        s.materialize(m, out, new WorkMeter());
        return Files.readAllBytes(out);
    }

    @Test
    void aParcelResumesOnAHostThatNeverSawItAndASecondSuspendSendsAboutTheChange() throws Exception {
        MasterKey key = MasterKey.generate();
        byte[] disk = image(1);
        byte[] memory = image(2);
        Host home = host("home");
        Parcel p = new Parcel(remote, "work");
        Parcel.Moved first;
        try (AnimaStore s = home.create("work", key)) {
            p.keep(key, PASS);
            first = p.push(s, key, List.of(ingest(s, "disk", disk), ingest(s, "state", memory)), "home", "{\"memory\":512}",
                    new WorkMeter());
        }
        assertTrue(first.bytes() > 8_000_000 && first.bytes() < 8_700_000, "the first push sends the two images once: " + first);

        Host lab = host("lab");
        MasterKey opened = new Parcel(remote, "work").key(PASS);
        try (AnimaStore s = lab.create("work", opened)) {
            Parcel.Moved pulled = p.pull(s, opened, new WorkMeter());
            assertEquals("{\"memory\":512}", pulled.rest().record());
            assertEquals(2, s.manifests().size());
            assertArrayEquals(disk, materialize(s, s.manifest("disk", 1)));
            assertArrayEquals(memory, materialize(s, s.manifest("state", 1)));
        }

        byte[] changed = disk.clone();
        new Random(3).nextBytes(java.util.Arrays.copyOfRange(changed, 0, 0));
        for (int i = 0; i < 64 << 10; i++) {
            changed[(2 << 20) + i] ^= (byte) 0x5a;
        }
        Parcel.Moved second;
        try (AnimaStore s = home.store().open("work", home.kek())) {
            second = p.push(s, key, List.of(ingest(s, "disk", changed), s.manifest("state", 1)), "home", "{}", new WorkMeter());
        }
        assertTrue(second.bytes() < 400_000, "a second suspend after 64 KiB changed sends about that change: " + second);
        try (AnimaStore s = lab.store().open("work", lab.kek())) {
            Parcel.Moved pulled = p.pull(s, opened, new WorkMeter());
            assertTrue(pulled.bytes() < 400_000, "and a host holding the first takes about as much: " + pulled);
            assertArrayEquals(changed, materialize(s, s.manifest("disk", 2)));
        }
    }

    /** A remote that stops answering after {@code puts} writes, until it is told to answer again. */
    static final class Flaky implements Remote {
        final MemoryRemote inner = new MemoryRemote();
        final java.util.concurrent.atomic.AtomicInteger left;

        Flaky(int puts) {
            left = new java.util.concurrent.atomic.AtomicInteger(puts);
        }

        void answer() {
            left.set(Integer.MAX_VALUE);
        }

        private void reach(String what) {
            if (left.get() <= 0) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "remote 'flaky' cannot be reached to " + what, "");
            }
        }

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public java.util.Optional<byte[]> get(String key) {
            reach("read " + key);
            return inner.get(key);
        }

        @Override
        public void put(String key, byte[] bytes) {
            reach("write " + key);
            if (left.decrementAndGet() < 0) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "remote 'flaky' cannot be reached to write " + key, "");
            }
            inner.put(key, bytes);
        }

        @Override
        public boolean create(String key, byte[] bytes) {
            reach("create " + key);
            return inner.create(key, bytes);
        }

        @Override
        public boolean conditional() {
            return true;
        }

        @Override
        public java.util.Map<String, Long> list(String prefix) {
            reach("list " + prefix);
            return inner.list(prefix);
        }

        @Override
        public void delete(String key) {
            reach("delete " + key);
            inner.delete(key);
        }

        @Override
        public void close() {
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // a push that waits forever for uploads it gave up is the failure this finds
    void aStoreLostMidUploadLeavesTheParcelAsItWasAndTheNextPushSendsOnlyWhatIsMissing() throws Exception {
        MasterKey key = MasterKey.generate();
        Flaky flaky = new Flaky(Integer.MAX_VALUE);
        Parcel p = new Parcel(flaky, "work");
        Host home = host("home");
        try (AnimaStore s = home.create("work", key)) {
            p.keep(key, PASS);
            p.push(s, key, List.of(ingest(s, "disk", image(1))), "home", "{\"v\":1}", new WorkMeter());
            Manifest changed = ingest(s, "disk", image(4)); // 4 MiB new: about 16 chunks
            long before = flaky.inner.objects.size();
            flaky.left.set(6);
            ZosException lost = assertThrows(ZosException.class,
                    () -> p.push(s, key, List.of(changed), "home", "{\"v\":2}", new WorkMeter()));
            assertEquals(ErrorCode.HOST_UNREACHABLE, lost.code());
            flaky.answer();
            assertEquals("{\"v\":1}", p.rest(key).orElseThrow().record(), "the parcel is the previous one until a push completes");
            long held = flaky.inner.objects.size();
            assertEquals(before + 6, held, "the second push's needs list and five of its chunks are there");
            Parcel.Moved again = p.push(s, key, List.of(changed), "home", "{\"v\":2}", new WorkMeter());
            assertEquals(1 + changed.chunkIds().size() - 5 + 2, again.objects(), "the second try sends the needs list again, only "
                    + "the chunks the first did not, then the manifest and the rest record: " + again);
            assertEquals("{\"v\":2}", p.rest(key).orElseThrow().record());
            assertTrue(p.check(key, true, new WorkMeter()).problems().isEmpty());
        }
    }

    @Test
    void aParcelInATarFileTravelsToAHostThatNeverSawItAndTheFileIsWrittenWholeOrNotAtAll() throws Exception {
        MasterKey key = MasterKey.generate();
        byte[] disk = image(5);
        Path file = tmp.resolve("stick").resolve("work.zosparcel");
        Files.createDirectories(file.getParent());
        Host home = host("home");
        try (AnimaStore s = home.create("work", key)) {
            Manifest m = ingest(s, "disk", disk);
            try (TarRemote t = TarRemote.create(file)) {
                Parcel p = new Parcel(t, "work");
                p.keep(key, PASS);
                p.take(key, "home");
                p.push(s, key, List.of(m), "home", "{\"on\":\"stick\"}", new WorkMeter());
                assertTrue(p.check(key, false, new WorkMeter()).problems().isEmpty());
                p.release(key, "home");
                assertFalse(Files.exists(file), "not in place before it is complete");
                t.finish();
            }
            try (TarRemote cut = TarRemote.create(tmp.resolve("stick").resolve("cut.zosparcel"))) {
                new Parcel(cut, "work").keep(key, PASS); // never finished: nothing is left of it
            }
            assertFalse(Files.exists(tmp.resolve("stick").resolve("cut.zosparcel")));
            assertFalse(Files.exists(tmp.resolve("stick").resolve("cut.zosparcel.part")));
        }
        assertEquals(ErrorCode.ANIMA_EXISTS, assertThrows(ZosException.class, () -> TarRemote.create(file)).code());
        String listing = new String(new ProcessBuilder("tar", "-tf", file.toString()).start().getInputStream().readAllBytes());
        assertTrue(listing.contains("work/key") && listing.contains("work/rest") && !listing.contains("lease"), listing);
        try (TarRemote t = TarRemote.open(file)) {
            assertEquals("work", t.anima().orElseThrow());
            Parcel p = new Parcel(t, "work");
            MasterKey opened = p.key(PASS);
            p.take(opened, "lab");
            try (AnimaStore s = host("lab").create("work", opened)) {
                Parcel.Moved pulled = p.pull(s, opened, new WorkMeter());
                assertEquals("{\"on\":\"stick\"}", pulled.rest().record());
                assertArrayEquals(disk, materialize(s, s.manifest("disk", 1)));
            }
            assertTrue(p.check(opened, true, new WorkMeter()).problems().isEmpty());
        }
        byte[] whole = Files.readAllBytes(file);
        Path truncated = Files.write(tmp.resolve("stick").resolve("short.zosparcel"), java.util.Arrays.copyOf(whole, whole.length / 2));
        ZosException cut = assertThrows(ZosException.class, () -> {
            try (TarRemote t = TarRemote.open(truncated)) {
                Parcel p = new Parcel(t, "work");
                MasterKey k = p.key(PASS);
                try (AnimaStore s = host("third").create("work", k)) {
                    p.pull(s, k, new WorkMeter());
                }
            }
        });
        assertEquals(ErrorCode.INTEGRITY_ERROR, cut.code(), cut.getMessage());
    }

    /** Objects above a part (a manifest of a large disk; the baseline's saved VM) go as multipart uploads and come back whole. */
    @Test
    void anObjectAboveAPartIsUploadedInPartsAndReadBackWhole() throws Exception {
        byte[] big = new byte[2 * S3Remote.PART + 12345];
        new Random(5).nextBytes(big);
        remote.put("big", big);
        org.junit.jupiter.api.Assertions.assertArrayEquals(big, remote.get("big").orElseThrow());
        Path file = tmp.resolve("big.file");
        Files.write(file, big);
        ((S3Remote) remote).putFile("big-file", file);
        Path back = tmp.resolve("big.back");
        ((S3Remote) remote).getFile("big-file", back);
        org.junit.jupiter.api.Assertions.assertArrayEquals(big, Files.readAllBytes(back));
        assertEquals(big.length, remote.list("big").get("big"));
        assertTrue(((S3Remote) remote).etag("big").endsWith("-3\""), "a multipart object's ETag ends with its part count: "
                + ((S3Remote) remote).etag("big"));
    }

    @Test
    void theBucketHoldsNoPlaintextAndNoKey() throws Exception {
        MasterKey key = MasterKey.generate();
        try (AnimaStore s = host("home").create("work", key)) {
            Parcel p = new Parcel(remote, "work");
            p.keep(key, PASS);
            p.push(s, key, List.of(ingest(s, "disk", image(4))), "home", "{\"name\":\"ZOS-PLAINTEXT-MARKER-7f3a\"}", new WorkMeter());
        }
        BlobStore blobs = s3.context.getBlobStore();
        int objects = 0;
        for (StorageMetadata m : blobs.list(bucket, ListContainerOptions.Builder.recursive())) {
            byte[] b = blobs.getBlob(bucket, m.getName()).getPayload().openStream().readAllBytes();
            assertFalse(contains(b, MARKER), m.getName() + " holds the image's plaintext");
            assertFalse(contains(b, key.bytes()), m.getName() + " holds the anima's key in the clear");
            assertFalse(contains(b, "home".getBytes(StandardCharsets.US_ASCII)), m.getName() + " names the host in the clear");
            objects++;
        }
        assertTrue(objects > 10, "the parcel is there: " + objects + " objects");
    }

    @Test
    void aWrongPassphraseIsDeniedAndAnotherAnimaOfTheSameNameIsRefused() throws Exception {
        MasterKey key = MasterKey.generate();
        Parcel p = new Parcel(remote, "work");
        p.keep(key, PASS);
        ZosException e = assertThrows(ZosException.class, () -> p.key("wrong passphrase".toCharArray()));
        assertEquals(ErrorCode.DENIED, e.code());
        assertTrue(e.getMessage().contains("passphrase"), e.getMessage());
        e = assertThrows(ZosException.class, () -> p.keep(MasterKey.generate(), PASS));
        assertEquals(ErrorCode.ANIMA_EXISTS, e.code());
        e = assertThrows(ZosException.class, () -> p.keep(key, "short".toCharArray()));
        assertEquals(ErrorCode.BAD_PARAMETER, e.code());
        e = assertThrows(ZosException.class, () -> new Parcel(remote, "other").key(PASS));
        assertEquals(ErrorCode.ANIMA_NOT_FOUND, e.code());
    }

    @Test
    void wrongCredentialsAMissingBucketAndAnUnreachableStoreAreNamed() throws Exception {
        try (Remote r = S3Remote.open(s3.remote(tmp, "bad", bucket, "", "not-the-secret"))) {
            ZosException e = assertThrows(ZosException.class, () -> r.list(""));
            assertEquals(ErrorCode.DENIED, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("remote 'bad'") && e.getMessage().contains("credentials"), e.getMessage());
        }
        try (Remote r = S3Remote.open(s3.remote(tmp, "nobucket", "no-such-bucket", "", S3Server.SECRET))) {
            ZosException e = assertThrows(ZosException.class, () -> r.get("x"));
            assertEquals(ErrorCode.BAD_PARAMETER, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("bucket 'no-such-bucket' does not exist"), e.getMessage());
        }
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        RemoteConfig down = new RemoteConfig("down", java.net.URI.create("http://127.0.0.1:" + closed), bucket, "", null,
                s3.remote(tmp, "x", bucket, "", S3Server.SECRET).credentials(), null);
        try (Remote r = S3Remote.open(down)) {
            ZosException e = assertThrows(ZosException.class, () -> r.get("x"));
            assertEquals(ErrorCode.HOST_UNREACHABLE, e.code(), e.getMessage());
        }
    }

    @Test
    void aTamperedOrTruncatedChunkIsAnIntegrityErrorNamingTheImageAndNothingOfItIsKept() throws Exception {
        MasterKey key = MasterKey.generate();
        Parcel p = new Parcel(remote, "work");
        try (AnimaStore s = host("home").create("work", key)) {
            p.keep(key, PASS);
            p.push(s, key, List.of(ingest(s, "disk", image(5))), "home", "{}", new WorkMeter());
        }
        BlobStore blobs = s3.context.getBlobStore();
        List<String> chunks = new ArrayList<>();
        for (StorageMetadata m : blobs.list(bucket, ListContainerOptions.Builder.recursive())) {
            if (m.getName().contains(Parcel.POOLS) && m.getName().contains("/c/")) {
                chunks.add(m.getName());
            }
        }
        byte[] original = blobs.getBlob(bucket, chunks.get(3)).getPayload().openStream().readAllBytes();
        byte[] flipped = original.clone();
        flipped[flipped.length / 2] ^= 1;
        for (byte[] spoiled : List.of(flipped, java.util.Arrays.copyOf(original, original.length - 100))) {
            blobs.putBlob(bucket, blobs.blobBuilder(chunks.get(3)).payload(spoiled).build());
            assertFalse(p.check(key, true, new WorkMeter()).problems().isEmpty(), "check --data finds it");
            Host lab = host("lab" + spoiled.length);
            try (AnimaStore s = lab.create("work", key)) {
                ZosException e = assertThrows(ZosException.class, () -> p.pull(s, key, new WorkMeter()));
                assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
                assertTrue(e.getMessage().contains("image 'disk'"), e.getMessage());
                assertTrue(s.manifests().isEmpty(), "no manifest is filed from a damaged parcel");
            }
        }
        blobs.putBlob(bucket, blobs.blobBuilder(chunks.get(3)).payload(original).build());
        assertTrue(p.check(key, true, new WorkMeter()).problems().isEmpty());
        blobs.removeBlob(bucket, chunks.get(5));
        Parcel.Checked c = p.check(key, false, new WorkMeter());
        assertEquals(1, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).contains("missing"), c.problems().toString());
    }

    @Test
    void aStoreThatIgnoresConditionalWritesGetsNoLease() throws Exception {
        MasterKey key = MasterKey.generate();
        Parcel p = new Parcel(remote, "work");
        p.keep(key, PASS);
        ZosException e = assertThrows(ZosException.class, () -> p.take(key, "home"));
        assertEquals(ErrorCode.BAD_PARAMETER, e.code());
        assertTrue(e.getMessage().contains("ignores conditional writes"), e.getMessage());
        assertTrue(remote.list("").keySet().stream().noneMatch(k -> k.startsWith("zos-probe")), "the probe leaves nothing");
    }

    /** Hosts host0, host1, … take {@code p}'s lease at once; the ones that got it (the others must be BUSY). */
    static List<String> race(Parcel p, MasterKey key, int hosts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(hosts);
        try {
            List<Future<String>> takes = new ArrayList<>();
            for (int h = 0; h < hosts; h++) {
                String host = "host" + h;
                takes.add(pool.submit((Callable<String>) () -> {
                    try {
                        p.take(key, host);
                        return host;
                    } catch (ZosException e) {
                        assertEquals(ErrorCode.BUSY, e.code(), e.getMessage());
                        return null;
                    }
                }));
            }
            List<String> won = new ArrayList<>();
            for (Future<String> f : takes) {
                if (f.get() != null) {
                    won.add(f.get());
                }
            }
            return won;
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void ofTwoHostsTakingTheLeaseAtOnceExactlyOneGetsIt() throws Exception {
        MasterKey key = MasterKey.generate();
        Parcel p = new Parcel(new MemoryRemote(), "work");
        p.keep(key, PASS);
        for (int round = 0; round < 5; round++) {
            List<String> won = race(p, key, 4);
            assertEquals(1, won.size(), "exactly one host holds the lease: " + won);
            assertEquals(won.get(0), p.lease(key).orElseThrow().host());
            String loser = won.get(0).equals("host0") ? "host1" : "host0";
            ZosException e = assertThrows(ZosException.class, () -> p.take(key, loser));
            assertTrue(e.getMessage().contains("checked out by " + won.get(0)), e.getMessage());
            p.release(key, loser);
            assertTrue(p.lease(key).isPresent(), "another host's release leaves the lease");
            p.release(key, won.get(0));
            assertTrue(p.lease(key).isEmpty());
        }
    }

    @Test
    void gcKeepsWhatTheRestRecordNeedsAndEraseLeavesNothing() throws Exception {
        MasterKey key = MasterKey.generate();
        Parcel p = new Parcel(remote, "work");
        byte[] second = image(7);
        try (AnimaStore s = host("home").create("work", key)) {
            p.keep(key, PASS);
            p.push(s, key, List.of(ingest(s, "disk", image(6))), "home", "{}", new WorkMeter());
            p.push(s, key, List.of(ingest(s, "disk", second)), "home", "{}", new WorkMeter());
        }
        long before = Parcel.pools(remote).get(0).bytes();
        Parcel.Collected gc = p.gc(key);
        assertTrue(gc.bytes() > 4_000_000, "the first generation's chunks go: " + gc);
        assertTrue(Parcel.pools(remote).get(0).bytes() < before - 4_000_000);
        try (AnimaStore s = host("lab").create("work", key)) {
            p.pull(s, key, new WorkMeter());
            assertArrayEquals(second, materialize(s, s.manifest("disk", 2)));
        }
        assertEquals(List.of("work"), Parcel.animas(remote));
        Parcel.Erased erased = p.erase();
        assertTrue(erased.objects() > 0);
        assertEquals(List.of(), erased.sharedWith());
        assertEquals(0, p.size()[0]);
        assertEquals(List.of(), Parcel.animas(remote));
        assertEquals(List.of(), Parcel.pools(remote), "the last parcel of a pool takes the pool with it");
    }

    /** {@code image(seed)} with 64 KiB in the middle changed. */
    static byte[] changed(byte[] image) {
        byte[] out = image.clone();
        for (int i = 0; i < 64 << 10; i++) {
            out[(2 << 20) + i] ^= (byte) 0x5a;
        }
        return out;
    }

    @Test
    void aGenerationWhoseBasesWereNeverPushedResumesWhole() throws Exception {
        MasterKey key = MasterKey.generate();
        Host home = host("home");
        Parcel p = new Parcel(remote, "work");
        byte[] second = changed(image(14));
        try (AnimaStore s = home.create("work", key)) {
            ingest(s, "memory", image(14)); // stored here, never pushed: the suspend that made it failed
            Manifest m = ingest(s, "memory", second);
            p.keep(key, PASS);
            p.push(s, key, List.of(m), "home", "{}", new WorkMeter());
        }
        try (AnimaStore s = host("lab").create("work", key)) {
            p.pull(s, key, new WorkMeter());
            assertArrayEquals(second, materialize(s, s.manifest("memory", 2)));
        }
    }

    @Test
    void aChunkAnotherAnimaSealedAsADeltaIsNotTheOneThisAnimaReads() throws Exception {
        MasterKey key = MasterKey.generate();
        Host home = host("home");
        byte[] first = image(15);
        byte[] second = changed(first);
        Parcel work = new Parcel(remote, "work");
        Parcel play = new Parcel(remote, "play");
        try (AnimaStore s = home.create("work", key)) { // work's second image: deltas against its first
            ingest(s, "disk", first);
            Manifest m = ingest(s, "disk", second);
            work.keep(key, PASS);
            work.push(s, key, List.of(m), "home", "{}", new WorkMeter());
        }
        try (AnimaStore s = home.create("play", key)) { // play holds the same content, each chunk whole
            play.keep(key, PASS);
            play.push(s, key, List.of(ingest(s, "disk", second)), "home", "{}", new WorkMeter());
        }
        work.erase();
        work = null;
        assertTrue(new Parcel(remote, "play").gc(key).bytes() > 0, "work's deltas and bases go");
        try (AnimaStore s = host("lab").create("play", key)) {
            play.pull(s, key, new WorkMeter());
            assertArrayEquals(second, materialize(s, s.manifest("disk", 1)));
        }
        assertTrue(play.check(key, true, new WorkMeter()).problems().isEmpty());
    }

    @Test
    void theAnimasOfOneKeyShareTheirChunksAndAGcOrAnEraseKeepsWhatTheOthersNeed() throws Exception {
        MasterKey key = MasterKey.generate(); // one user's: the animas a user creates on a host share it
        byte[] base = image(8);
        byte[] playDisk = changed(base);
        Host home = host("home");
        Parcel work = new Parcel(remote, "work");
        Parcel play = new Parcel(remote, "play");
        Parcel.Moved first;
        Parcel.Moved second;
        try (AnimaStore s = home.create("work", key)) {
            work.keep(key, PASS);
            first = work.push(s, key, List.of(ingest(s, "disk", base)), "home", "{}", new WorkMeter());
        }
        try (AnimaStore s = home.create("play", key)) {
            play.keep(key, "another passphrase".toCharArray());
            second = play.push(s, key, List.of(ingest(s, "disk", playDisk)), "home", "{}", new WorkMeter());
        }
        assertTrue(first.bytes() > 4_000_000, first.toString());
        assertTrue(second.bytes() < 400_000, "a second anima of the same key sends only what differs: " + second);
        MasterKey stranger = MasterKey.generate();
        Parcel alien = new Parcel(remote, "alien");
        try (AnimaStore s = home.create("alien", stranger)) {
            alien.keep(stranger, PASS);
            Parcel.Moved other = alien.push(s, stranger, List.of(ingest(s, "disk", base)), "home", "{}", new WorkMeter());
            assertTrue(other.bytes() > 4_000_000, "an anima of another key shares nothing: " + other);
        }
        List<Parcel.Pool> pools = Parcel.pools(remote);
        assertEquals(2, pools.size(), pools.toString());
        assertTrue(pools.stream().anyMatch(q -> q.animas().equals(List.of("play", "work"))), pools.toString());

        byte[] next = image(9);
        try (AnimaStore s = home.store().open("work", home.kek())) {
            work.push(s, key, List.of(ingest(s, "disk", next)), "home", "{}", new WorkMeter());
        }
        Parcel.Collected gc = work.gc(key);
        assertEquals(List.of("play", "work"), gc.animas());
        assertTrue(gc.bytes() < 1_500_000, "what play needs of work's first disk stays: " + gc);
        try (AnimaStore s = host("lab").create("play", key)) {
            play.pull(s, key, new WorkMeter());
            assertArrayEquals(playDisk, materialize(s, s.manifest("disk", 1)));
        }

        Parcel.Erased erased = play.erase();
        assertEquals(List.of("work"), erased.sharedWith());
        assertTrue(erased.shared() > 0, erased.toString());
        Parcel.Collected after = work.gc(key);
        assertTrue(after.bytes() > 3_500_000, "then a gc of work deletes what only play needed: " + after);
        assertEquals(List.of("work"), after.animas());
        assertTrue(work.check(key, true, new WorkMeter()).problems().isEmpty());
        try (AnimaStore s = host("lab2").create("work", key)) {
            work.pull(s, key, new WorkMeter());
            assertArrayEquals(next, materialize(s, s.manifest("disk", 2)));
        }
        assertEquals(List.of(), work.erase().sharedWith());
        assertEquals(1, Parcel.pools(remote).size(), "alien's pool stays");
        alien.erase();
        assertEquals(List.of(), Parcel.pools(remote));
    }

    @Test
    void aGcOfThePoolKeepsAPushUnderWayAndCollectsACutOne() throws Exception {
        MasterKey key = MasterKey.generate();
        Host home = host("home");
        Remote remote = new MemoryRemote(); // a lease needs conditional writes, which S3Proxy ignores
        Parcel work = new Parcel(remote, "work");
        Parcel play = new Parcel(remote, "play");
        try (AnimaStore s = home.create("work", key)) {
            work.keep(key, PASS);
            work.push(s, key, List.of(ingest(s, "disk", image(11))), "home", "{}", new WorkMeter());
        }
        byte[] ahead = image(12);
        try (AnimaStore s = home.create("play", key)) {
            play.keep(key, PASS);
            play.take(key, "home");
            Manifest m = ingest(s, "disk", ahead);
            play.pushAhead(s, key, List.of(m), new WorkMeter()); // the disk, while the anima runs
            Parcel.Collected gc = work.gc(key);
            assertTrue(gc.bytes() < 100_000, "a push under way keeps what it uploaded: " + gc);
            play.push(s, key, List.of(m), "home", "{}", new WorkMeter());
            play.release(key, "home");
            assertTrue(play.check(key, false, new WorkMeter()).problems().isEmpty());

            play.take(key, "home");
            play.pushAhead(s, key, List.of(ingest(s, "disk", image(13))), new WorkMeter());
            play.release(key, "home"); // cut: the host gave up before its rest record
        }
        Parcel.Collected gc = work.gc(key);
        assertTrue(gc.bytes() > 4_000_000, "a cut push's chunks go once no lease is held: " + gc);
        assertTrue(play.check(key, true, new WorkMeter()).problems().isEmpty());
        assertTrue(work.check(key, true, new WorkMeter()).problems().isEmpty());
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
