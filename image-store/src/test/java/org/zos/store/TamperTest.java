package org.zos.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/** Damage a store the ways disks and attackers do, and see each one detected and named. */
class TamperTest {
    @TempDir
    Path tmp;
    AnimaStore store;
    Manifest disk;
    byte[] kek = new byte[32];

    @BeforeEach
    void fill() throws Exception {
        store = Store.open(tmp.resolve("store")).create("work", MasterKey.generate(), kek);
        disk = store.ingest("disk", new ByteArrayInputStream(TestImages.mixed(11, 3 << 20)), ChunkerParams.DEFAULT,
                new WorkMeter()).manifest();
        assertTrue(store.check(true, 1, new WorkMeter()).ok());
    }

    Path onlyPack() throws Exception {
        try (Stream<Path> s = Files.walk(store.directory().resolve("packs"))) {
            return s.filter(p -> p.toString().endsWith(".pack")).findFirst().orElseThrow();
        }
    }

    @Test
    void aFlippedBitInAPackIsNamedByCheckAndStopsMaterialize() throws Exception {
        Path pack = onlyPack();
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x10);
        }
        CheckReport structure = store.check(false, 1, new WorkMeter());
        assertTrue(structure.ok(), "the structure is intact: " + structure.problems());
        CheckReport data = store.check(true, 1, new WorkMeter());
        assertEquals(1, data.problems().size(), data.problems().toString());
        String p = data.problems().get(0);
        assertTrue(p.contains("is corrupt") && p.contains("disk@1") && p.contains("pack"), p);
        ZosException e = assertThrows(ZosException.class, () -> store.materialize(disk, tmp.resolve("out"), new WorkMeter()));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
        assertTrue(e.getMessage().contains("disk@1"), "the error names the image it hurts: " + e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")), "no half image is left");
        assertFalse(Files.exists(tmp.resolve("out.part")));
    }

    @Test
    void aTruncatedPackIsFound() throws Exception {
        Path pack = onlyPack();
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.setLength(f.length() - 1000);
        }
        CheckReport r = store.check(true, 1, new WorkMeter());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("truncated")), r.problems().toString());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("cannot be read")), r.problems().toString());
    }

    @Test
    void aDamagedIndexIsFoundAndGcRebuildsIt() throws Exception {
        Path idx;
        try (Stream<Path> s = Files.list(store.directory().resolve("index"))) {
            idx = s.findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(idx);
        b[40] ^= 1;
        Files.write(idx, b);
        assertTrue(store.check(false, 1, new WorkMeter()).problems().stream().anyMatch(p -> p.contains("index of pack")));
        GcReport gc = store.gc(0);
        assertEquals(1, gc.repaired().size(), gc.toString());
        assertTrue(store.check(true, 1, new WorkMeter()).ok());
    }

    void flip(Path file, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x01);
        }
    }

    Path onlyIndex() throws Exception {
        try (Stream<Path> s = Files.list(store.directory().resolve("index"))) {
            return s.findFirst().orElseThrow();
        }
    }

    void damageIndex() throws Exception {
        Path idx = onlyIndex();
        byte[] b = Files.readAllBytes(idx);
        b[40] ^= 1;
        Files.write(idx, b);
    }

    @Test
    void aFlippedEntryIdIsFoundByCheckAndGcRewritesThePackFromItsIndex() throws Exception {
        Path pack = onlyPack();
        flip(pack, 12 + 5); // the first entry's chunk id
        CheckReport r = store.check(false, 1, new WorkMeter());
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).contains("does not verify") && r.problems().get(0).contains("copies them into a new pack"),
                r.problems().toString());
        GcReport gc = store.gc(0);
        assertEquals(1, gc.packsRewritten(), gc.toString());
        assertFalse(Files.exists(pack), "the damaged pack is gone once its chunks are copied");
        assertTrue(store.check(true, 1, new WorkMeter()).ok(), "repaired");
        store.materialize(disk, tmp.resolve("out"), new WorkMeter());
        assertTrue(Files.exists(tmp.resolve("out")));
    }

    @Test
    void aFlippedEntryIdWithADamagedIndexMakesGcRefuseAndChangeNothing() throws Exception {
        Path pack = onlyPack();
        flip(pack, 12 + 5);
        damageIndex();
        byte[] before = Files.readAllBytes(pack);
        CheckReport r = store.check(false, 1, new WorkMeter());
        String all = String.join("\n", r.problems());
        assertTrue(all.contains("cannot rebuild it") && all.contains("disk@1"), all);
        ZosException e = assertThrows(ZosException.class, () -> store.gc(0));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
        assertTrue(e.getMessage().contains("image disk@1 needs") && e.getMessage().contains("changed nothing"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(pack)), "gc left the pack as it was");
        assertEquals(r.problems(), store.check(false, 1, new WorkMeter()).problems(), "check says the same after gc");
    }

    @Test
    void aFlippedMagicIsFoundAndWithAnIntactIndexRepaired() throws Exception {
        flip(onlyPack(), 2);
        CheckReport r = store.check(false, 1, new WorkMeter());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("header is damaged")), r.problems().toString());
        store.gc(0);
        assertTrue(store.check(true, 1, new WorkMeter()).ok());
    }

    @Test
    void aFlippedMagicWithADamagedIndexIsNotCalledRepairable() throws Exception {
        flip(onlyPack(), 2);
        damageIndex();
        CheckReport r = store.check(false, 1, new WorkMeter());
        assertTrue(r.problems().stream().noneMatch(p -> p.contains("rebuilds it")), r.problems().toString());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("header is damaged") && p.contains("cannot rebuild")),
                r.problems().toString());
        ZosException e = assertThrows(ZosException.class, () -> store.gc(0));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
    }

    @Test
    void aFlippedLengthIsFound() throws Exception {
        flip(onlyPack(), 12 + 32 + 3);
        CheckReport r = store.check(false, 1, new WorkMeter());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("does not verify")), r.problems().toString());
    }

    @Test
    void anAlteredOrRenamedManifestDoesNotOpen() throws Exception {
        store.ingest("disk", new ByteArrayInputStream(TestImages.mixed(12, 1 << 20)), ChunkerParams.DEFAULT, new WorkMeter());
        Path g1 = store.directory().resolve("manifests/disk/00000000000000000001.zm");
        Path g2 = store.directory().resolve("manifests/disk/00000000000000000002.zm");
        Files.copy(g1, tmp.resolve("g1"));
        Files.move(g2, g1, StandardCopyOption.REPLACE_EXISTING);
        ZosException e = assertThrows(ZosException.class, () -> store.manifest("disk", 1));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
        assertTrue(e.getMessage().contains("disk@1"), e.getMessage());
        byte[] b = Files.readAllBytes(tmp.resolve("g1"));
        b[b.length - 20] ^= 1;
        Files.write(g1, b);
        assertEquals(ErrorCode.INTEGRITY_ERROR, assertThrows(ZosException.class, () -> store.manifest("disk", 1)).code());
        assertThrows(ZosException.class, () -> store.gc(0), "gc must not run while a manifest is unreadable");
        assertFalse(store.check(false, 1, new WorkMeter()).ok());
        AnimaStore.Ingested next = store.ingest("disk", new ByteArrayInputStream(TestImages.mixed(14, 1 << 20)),
                ChunkerParams.DEFAULT, new WorkMeter());
        assertEquals(2, next.manifest().generation(), "a damaged generation does not stop new ones");
    }

    @Test
    void nothingReadableRemainsAfterCryptoErase() throws Exception {
        byte[] marker = "zos-marker-7f3a9c-anima-secret".getBytes(StandardCharsets.US_ASCII);
        byte[] image = TestImages.mixed(13, 2 << 20);
        for (int at = 4096; at + marker.length < image.length; at += 100_000) {
            System.arraycopy(marker, 0, image, at, marker.length);
        }
        store.ingest("memory", new ByteArrayInputStream(image), ChunkerParams.DEFAULT, new WorkMeter());
        Path dir = store.directory();
        assertFalse(TestImages.contains(dir, marker), "chunks at rest are sealed");
        Path out = tmp.resolve("plain");
        store.materialize(store.manifest("memory", 0), out, new WorkMeter());
        assertTrue(TestImages.contains(tmp.resolve("plain").getParent(), marker), "the scan finds a planted marker");
        Files.delete(out);
        byte[] keyFile = Files.readAllBytes(dir.resolve("key"));
        assertTrue(store.erase() > 5);
        assertFalse(Files.exists(dir));
        assertFalse(TestImages.contains(tmp, marker));
        assertFalse(TestImages.contains(tmp, keyFile));
        assertFalse(Store.open(tmp.resolve("store")).holds("work"));
    }
}
