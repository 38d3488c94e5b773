package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestEntry;

/** A receiver writes each chunk it lacked into the image's file as it arrives; what did not arrive so is left to the commit. */
class ImageWriterEarlyTest {
    @TempDir
    Path tmp;

    static ChunkId id(int n) {
        byte[] b = new byte[ChunkId.LENGTH];
        b[0] = (byte) n;
        return ChunkId.wrap(b);
    }

    static byte[] filled(int value, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void aChunkThatArrivesIsWrittenAtEachOfItsOffsetsAndIsNoLongerLacking() throws Exception {
        ChunkId a = id(1);
        ChunkId b = id(2);
        ChunkId c = id(3);
        List<ManifestEntry> entries = List.of(new ManifestEntry(a, 4096), new ManifestEntry(b, 4096), ManifestEntry.zero(4096),
                new ManifestEntry(a, 4096), new ManifestEntry(c, 100));
        Manifest m = new Manifest("disk", 1, Instant.now(), 4 * 4096 + 100, ChunkerParams.DEFAULT, new byte[32], entries);
        Path file = tmp.resolve("disk.qcow2.incoming");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ImageWriter.Early e = new ImageWriter.Early(CompletableFuture.completedFuture(m.without(Set.of(a, c))), ch, m, Set.of(a, c));
            e.accept(a, filled(7, 4096));
            e.accept(c, filled(9, 99)); // not the length the image gives it: left for the commit
            e.accept(b, filled(8, 4096)); // held here already: the other writer's
            e.accept(a, filled(6, 4096)); // twice: written once

            Manifest holds = e.holds();
            assertEquals(Arrays.asList(a, b, null, a, null), holds.entries().stream().map(ManifestEntry::id).toList());
            assertEquals(m.length(), holds.length());
        }
        byte[] f = Files.readAllBytes(file);
        assertArrayEquals(filled(7, 4096), Arrays.copyOfRange(f, 0, 4096));
        assertArrayEquals(filled(0, 4096), Arrays.copyOfRange(f, 4096, 8192), "a chunk held here is not written by the arrivals");
        assertArrayEquals(filled(7, 4096), Arrays.copyOfRange(f, 12288, 16384));
        assertEquals(16384, f.length, "nothing written for the chunk that did not arrive right");
    }
}
