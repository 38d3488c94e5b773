package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.message.Progress;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import org.zos.store.WorkMeter;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

class DiskIngestTest {
    @TempDir
    Path tmp;

    @org.junit.jupiter.params.ParameterizedTest(name = "frozen {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void storesTheDiskOnItsOwnThreadAndIndexesItsBlocks(boolean frozen) throws Exception {
        byte[] bytes = new byte[8 << 20];
        new Random(11).nextBytes(bytes);
        System.arraycopy(bytes, 4096, bytes, 100 * 4096, 4096); // a block twice: indexed at its first offset
        java.util.Arrays.fill(bytes, 7 * 4096, 8 * 4096, (byte) 0); // a zero block: not indexed
        Path disk = Files.write(tmp.resolve("disk"), bytes);
        List<Progress> seen = new ArrayList<>();
        try (AnimaStore store = Store.open(tmp.resolve("store")).create("a", MasterKey.generate(), new byte[32])) {
            DiskIngest ingest = new DiskIngest(store, disk, true, frozen, seen::add); // frozen: indexed once read
            Manifest m = ingest.manifest();
            assertEquals("disk", m.image());
            assertEquals(bytes.length, m.length());
            assertNotNull(ingest.blocks());
            for (int at = 0; at < bytes.length; at += 4096) { // every block, from the bytes as read (the index is the image's)
                long want = at == 100 * 4096 ? 4096 : at == 7 * 4096 ? -1 : at;
                assertEquals(want, ingest.blocks().get(MemoryImage.hash(java.util.Arrays.copyOfRange(bytes, at, at + 4096))));
            }
            store.materialize(m, tmp.resolve("out"), new WorkMeter());
            assertArrayEquals(bytes, Files.readAllBytes(tmp.resolve("out")));
        }
    }

    /** A move that fails stops the work: settle returns once the thread is done, and no generation is made. */
    @Test
    void settleStopsIt() throws Exception {
        Path disk = tmp.resolve("disk");
        try (var out = Files.newOutputStream(disk)) {
            byte[] block = new byte[1 << 20];
            Random r = new Random(3);
            for (int i = 0; i < 256; i++) {
                r.nextBytes(block);
                out.write(block);
            }
        }
        try (AnimaStore store = Store.open(tmp.resolve("store")).create("a", MasterKey.generate(), new byte[32])) {
            DiskIngest ingest = new DiskIngest(store, disk, false, false, p -> { });
            ingest.settle();
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, ingest::manifest);
            assertTrue(e.getMessage().contains("ended before"), e.getMessage());
            assertTrue(store.manifests().isEmpty());
        }
    }

    /** After a move the disk is read once more, into the page cache the receiving QEMU emptied, if the memory can hold it; a missing one is not an error. */
    @Test
    void theDiskIsReadBackWholeForTheNextMove() throws Exception {
        byte[] bytes = new byte[(3 << 20) + 1234];
        new Random(5).nextBytes(bytes);
        Path disk = Files.write(tmp.resolve("disk"), bytes);
        assertEquals(bytes.length, MoveReceiver.warm(disk, 64L << 20));
        assertEquals(0, MoveReceiver.warm(tmp.resolve("missing"), 64L << 20));
        assertEquals(0, MoveReceiver.warm(disk, 8L << 20), "larger than a quarter of the memory available: left alone");
        assertEquals(0, MoveReceiver.warm(disk, 0), "the memory available unknown");
    }
}
